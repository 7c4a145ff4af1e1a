// imuse-admin invoices pdf, receipts pdf
#include "cli/commands.hpp"

namespace imuse::cli {

void add_invoices_pdf(CLI::App& /*invoices*/, Context& /*ctx*/) {}

void register_receipts(CLI::App& /*group*/, Context& /*ctx*/) {}

}  // namespace imuse::cli
