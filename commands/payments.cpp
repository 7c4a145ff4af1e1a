// imuse-admin payments record|import|list|cancel
#include "cli/commands.hpp"

namespace imuse::cli {

void register_payments(CLI::App& /*group*/, Context& /*ctx*/) {}

}  // namespace imuse::cli
