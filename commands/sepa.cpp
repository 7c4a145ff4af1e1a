// imuse-admin sepa export|list|show|cancel|import-returns, and families mandate
#include "cli/commands.hpp"
#include "commands/common.hpp"

namespace imuse::cli {

void add_families_mandate(CLI::App& /*families*/, Context& /*ctx*/) {}

void register_sepa(CLI::App& /*group*/, Context& /*ctx*/) {}

}  // namespace imuse::cli
