// imuse-admin treasury export|list|show|cancel, and invoices remind
#include "cli/commands.hpp"
#include "commands/common.hpp"

namespace imuse::cli {

void add_invoices_remind(CLI::App& /*invoices*/, Context& /*ctx*/) {}

void register_treasury(CLI::App& /*group*/, Context& /*ctx*/) {}

}  // namespace imuse::cli
