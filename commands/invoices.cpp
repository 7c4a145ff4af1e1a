// imuse-admin invoices generate|simulate|check|list|show (pdf: commands/billing_pdf.cpp)
#include "cli/commands.hpp"

namespace imuse::cli {

void register_invoices(CLI::App& group, Context& ctx) {
  add_invoices_pdf(group, ctx);
}

}  // namespace imuse::cli
