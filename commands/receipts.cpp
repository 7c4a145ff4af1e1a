// imuse-admin invoices pdf, receipts pdf
#include <ctime>
#include <memory>
#include <thread>

#include "commands/common.hpp"
#include "billing/documents.hpp"
#include "cli/commands.hpp"
#include "sites/sites.hpp"
#include "util/error.hpp"
#include "util/schedule.hpp"

namespace imuse::cli {

namespace {

struct PdfArgs {
  std::string document;  // --invoice / --receipt: a number, or an id
  std::int64_t payment = 0;
  std::int64_t family = 0;
  std::string year;
  bool unprinted = false;
  std::string out;
  bool duplicata = false;
  int jobs = 1;
};

// The --site of the command line (not the configured default: numbers repeat across sites),
// checked against the database.
std::string typed_site(const Session& s) {
  const auto& site = s.config.setting("site");
  if (site.source != ValueSource::command_line) {
    return "";
  }
  const auto code = normalize_site_code(site.value);
  if (!code) {
    throw UsageError("--site \"" + site.value + "\" is not a site code");
  }
  require_site(*s.tx, *code);
  return *code;
}

void add_common(CLI::App* cmd, PdfArgs& a, const char* noun) {
  cmd->add_option("--family", a.family, std::string("The ") + noun + "s of this family (id)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--year", a.year,
                  std::string("Every ") + noun + " of this school year (2026/2027); with --site, of one site");
  cmd->add_flag("--unprinted", a.unprinted, std::string("Every ") + noun + " never printed yet");
  cmd->add_option("--out", a.out, "Directory the PDF files are written to (created if missing)")->required();
  cmd->add_flag("--duplicata", a.duplicata, "Mark the documents DUPLICATA even on their first print");
  cmd->add_option("--jobs", a.jobs, "Rendering threads (default 1; the number of cores is the useful maximum)")
      ->check(CLI::Range(1, 64));
}

// The selection, checked before any work: exactly one criterion.
DocumentSelection selection_of(const PdfArgs& a, const char* one_option) {
  DocumentSelection s;
  int criteria = 0;
  if (!a.document.empty()) {
    ++criteria;
    if (a.document.find_first_not_of("0123456789") == std::string::npos) {
      s.id = std::stoll(a.document);
    } else {
      s.number = a.document;
    }
  }
  if (a.payment > 0) {
    ++criteria;
    s.id = a.payment;
  }
  if (a.family > 0) {
    ++criteria;
    s.family_id = a.family;
  }
  if (!a.year.empty()) {
    ++criteria;
    s.school_year = school_year_option(a.year);
  }
  if (a.unprinted) {
    ++criteria;
    s.unprinted = true;
  }
  if (criteria != 1) {
    throw CLI::ValidationError(std::string("give exactly one of ") + one_option + ", --family, --year, --unprinted");
  }
  return s;
}

PrintOptions print_options(const PdfArgs& a) {
  PrintOptions o;
  o.out_dir = a.out;
  o.duplicata = a.duplicata;
  o.jobs = a.jobs;
  return o;
}

// Selects a printing command: the typed --site, --dry-run and the date added when it runs.
using PrintFn = void (*)(pqxx::work&, const Config&, const DocumentSelection&, const PrintOptions&, Progress&,
                         Report&);
void select_printing(Context& ctx, const char* name, const DocumentSelection& selection, const PrintOptions& options,
                     PrintFn print) {
  ctx.select(Action{name, Needs::database, true, true, [selection, options, print](Session& s, Report& r) {
                      DocumentSelection run = selection;
                      run.site_code = typed_site(s);
                      PrintOptions o = options;
                      o.dry_run = s.global.dry_run;
                      o.now = std::time(nullptr);
                      print(*s.tx, s.config, run, o, s.progress, r);
                    }});
}

}  // namespace

void add_invoices_pdf(CLI::App& invoices, Context& ctx) {
  auto a = std::make_shared<PdfArgs>();
  auto* cmd = invoices.add_subcommand("pdf", "Write invoice and credit note PDFs (FACT….pdf), DUPLICATA on re-prints");
  cmd->add_option("--invoice", a->document, "One invoice: its number (FACT20262027000001) or id");
  add_common(cmd, *a, "invoice");
  cmd->callback([a, &ctx] {
    select_printing(ctx, "invoices pdf", selection_of(*a, "--invoice"), print_options(*a), print_invoice_pdfs);
  });
}

void register_receipts(CLI::App& group, Context& ctx) {
  auto a = std::make_shared<PdfArgs>();
  auto* cmd =
      group.add_subcommand("pdf", "Write receipt PDFs (RECU….pdf) of recorded payments, DUPLICATA on re-prints");
  cmd->add_option("--payment", a->payment, "One payment (id)")->check(CLI::PositiveNumber);
  cmd->add_option("--receipt", a->document, "One receipt: its number (RECU20262027000001)");
  add_common(cmd, *a, "receipt");
  cmd->callback([a, &ctx] {
    if (!a->document.empty() && a->document.find_first_not_of("0123456789") == std::string::npos) {
      throw CLI::ValidationError("--receipt",
                                 "expected a receipt number such as RECU20262027000001 (use --payment for an id)");
    }
    select_printing(ctx, "receipts pdf", selection_of(*a, "--payment, --receipt"), print_options(*a),
                    print_receipt_pdfs);
  });
}

}  // namespace imuse::cli
