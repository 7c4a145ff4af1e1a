// imuse-admin invoices generate|simulate|check|list|show (pdf: commands/receipts.cpp)
#include "commands/common.hpp"
#include "billing/invoices.hpp"

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "commands/flat_options.hpp"
#include "util/schedule.hpp"

namespace imuse::cli {

namespace {

struct InvoiceArgs {
  std::string year;
  std::string kind;
  std::string tariffs;
  std::string date;
  std::string format;
  std::string out;
  std::string number;
  std::int64_t family = 0;
  bool unpaid = false;
};

std::string checked_year(const std::string& text, bool required) {
  if (text.empty() && !required) {
    return "";
  }
  return school_year_option(text);
}

void add_year(CLI::App* cmd, InvoiceArgs& o, bool required) {
  auto* opt = cmd->add_option("--year", o.year, "School year, e.g. 2026/2027");
  if (required) {
    opt->required();
  }
}

void add_generate(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<InvoiceArgs>();
  auto* cmd = group.add_subcommand(
      "generate", "Bill the year's enrolments and rentals: invoices, correcting invoices and credit notes");
  add_year(cmd, *o, true);
  cmd->add_option("--kind", o->kind, "tuition or rental (default: both ledgers)")
      ->check(CLI::IsMember({"tuition", "rental"}));
  cmd->add_option("--tariffs", o->tariffs, "Tariff grid YAML (default: billing.tariffs of the configuration)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--date", o->date, "Issue date (default: today), e.g. 2026-10-01");
  cmd->callback([o, &ctx] {
    GenerateOptions options;
    options.school_year = checked_year(o->year, true);
    options.ledger = o->kind;
    options.tariffs_file = o->tariffs;
    if (!o->date.empty()) {
      options.issued = parse_date(o->date);
      if (!options.issued) {
        throw CLI::ValidationError("--date", "\"" + o->date + "\": expected a date such as 2026-10-01 or 01/10/2026");
      }
    }
    ctx.select(Action{"invoices generate", Needs::database, true, true, [options](Session& s, Report& r) {
                        GenerateOptions run = options;
                        run.site = s.global.site;
                        if (!run.issued && !s.global.today.empty()) {
                          run.issued = today(s);
                        }
                        if (run.tariffs_file.empty()) {
                          run.tariffs_file = s.config.get("billing.tariffs");
                        }
                        run.due_days = static_cast<int>(s.config.get_int("billing.due_days"));
                        generate_invoices(*s.tx, run, r);
                      }});
  });
}

void add_simulate(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<InvoiceArgs>();
  auto* cmd = group.add_subcommand(
      "simulate", "Compare, per family and ledger, what a new tariff grid would bill with what is billed now");
  add_year(cmd, *o, true);
  cmd->add_option("--tariffs", o->tariffs, "The new tariff grid (YAML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--kind", o->kind, "tuition or rental (default: both ledgers)")
      ->check(CLI::IsMember({"tuition", "rental"}));
  cmd->add_option("--format", o->format, "csv (default, or from the --out extension) or json")
      ->check(CLI::IsMember({"csv", "json"}));
  cmd->add_option("--out", o->out, "Output file, written whole or not at all (default: standard output)");
  cmd->callback([o, &ctx] {
    SimulateOptions options;
    options.school_year = checked_year(o->year, true);
    options.ledger = o->kind;
    options.tariffs_file = o->tariffs;
    options.json = o->format == "json" || (o->format.empty() && o->out.ends_with(".json"));
    const std::string out = o->out;
    ctx.select(Action{"invoices simulate", Needs::database, false, true, [options, out](Session& s, Report& r) {
                        SimulateOptions run = options;
                        run.site = s.global.site;
                        write_export(out, r, [&](std::ostream& file) { simulate_invoices(*s.tx, run, file, r); });
                      }});
  });
}

void add_check_list_show(CLI::App& group, Context& ctx) {
  auto c = std::make_shared<InvoiceArgs>();
  auto* check = group.add_subcommand(
      "check", "Check numbering (no gap, no duplicate), totals, instalments and credit notes; exit 1 on a problem");
  add_year(check, *c, false);
  check->callback([c, &ctx] {
    const std::string year = checked_year(c->year, false);
    ctx.select(Action{"invoices check", Needs::database, false, true,
                      [year](Session& s, Report& r) { check_invoices(*s.tx, year, s.global.site, r); }});
  });

  auto l = std::make_shared<InvoiceArgs>();
  auto* list = group.add_subcommand("list", "List invoices and credit notes with their balance");
  add_year(list, *l, false);
  list->add_option("--family", l->family, "Family id")->check(CLI::PositiveNumber);
  list->add_option("--ledger", l->kind, "tuition or rental")->check(CLI::IsMember({"tuition", "rental"}));
  list->add_flag("--unpaid", l->unpaid, "Only issued invoices with an amount still due");
  list->callback([l, &ctx] {
    ListOptions options;
    options.school_year = checked_year(l->year, false);
    if (l->family > 0) {
      options.family = l->family;
    }
    options.ledger = l->kind;
    options.unpaid = l->unpaid;
    ctx.select(Action{"invoices list", Needs::database, false, true, [options](Session& s, Report& r) {
                        ListOptions run = options;
                        run.site = s.global.site;
                        list_invoices(*s.tx, run, r);
                      }});
  });

  auto w = std::make_shared<InvoiceArgs>();
  auto* show = group.add_subcommand("show", "Show an invoice: lines, instalments and balance");
  show->add_option("NUMBER", w->number, "Invoice or credit note number, e.g. FACT20262027000123")->required();
  show->callback([w, &ctx] {
    const std::string number = w->number;
    ctx.select(Action{"invoices show", Needs::database, false, true,
                      [number](Session& s, Report& r) { show_invoice(*s.tx, number, s.global.site, r); }});
  });
}

}  // namespace

void register_invoices(CLI::App& group, Context& ctx) {
  add_generate(group, ctx);
  add_simulate(group, ctx);
  add_check_list_show(group, ctx);
  add_invoices_pdf(group, ctx);
  add_invoices_remind(group, ctx);
}

}  // namespace imuse::cli
