// imuse-admin sepa export|list|show|cancel|import-returns, and families mandate set|show|revoke|import
#include <memory>

#include "cli/commands.hpp"
#include "commands/common.hpp"
#include "commands/flat_options.hpp"
#include "db/lock.hpp"
#include "sepa/collections.hpp"
#include "sepa/iban.hpp"
#include "sepa/mandates.hpp"

namespace imuse::cli {

namespace {

Date date_option(const std::string& text, const std::string& option) {
  const auto date = parse_date(text);
  if (!date) {
    throw CLI::ValidationError(option, "expected a date such as 05/10/2026 or 2026-10-05, got \"" + text + "\"");
  }
  return *date;
}

// `sepa cancel` and `sepa import-returns` change what an export selects and the mandates'
// FRST/RCUR state: they wait for no export, and no export runs while they do.
void exclude_exports(Session& s) {
  acquire_command_lock(*s.tx, "sepa export", s.global.wait);
}

struct MandateArgs {
  std::string family;
  std::string iban;
  std::string bic;
  std::string rum;
  std::string signed_on;
  std::string holder;
  std::string date;
};

void add_mandate_set_show(CLI::App& mandate, Context& ctx) {
  auto a = std::make_shared<MandateArgs>();
  auto* set = mandate.add_subcommand(
      "set", "Enter a family's SEPA mandate (IBAN checked); it replaces the active one, which is revoked");
  set->add_option("ID", a->family, "Family id, login identifier or reference (Réf famille)")->required();
  set->add_option("--iban", a->iban, "IBAN of the account to debit (spaces allowed), checked (mod 97, length)")
      ->required();
  set->add_option("--bic", a->bic, "BIC of the family's bank (8 or 11 characters)")->required();
  set->add_option("--rum", a->rum, "Mandate reference (RUM) printed on the signed form; generated when absent");
  set->add_option("--signed", a->signed_on, "Date the family signed the mandate: 15/09/2026 or 2026-09-15")->required();
  set->add_option("--holder", a->holder, "Account holder, when not the family's responsible adult");
  set->callback([a, &ctx] {
    sepa::MandateInput in;
    in.family = a->family;
    in.iban = a->iban;
    in.bic = a->bic;
    in.rum = a->rum;
    in.signed_on = date_option(a->signed_on, "--signed");
    in.holder = a->holder;
    ctx.select(Action{"families mandate set", Needs::database, true, true, [in](Session& s, Report& r) {
                        sepa::MandateInput run = in;
                        run.site = s.config.get("site");
                        run.rum_prefix = s.config.get("sepa.rum_prefix");
                        run.actor = s.actor;
                        run.today = today(s);
                        sepa::set_mandate(*s.tx, run, r);
                      }});
  });

  auto sh = std::make_shared<MandateArgs>();
  auto* show = mandate.add_subcommand("show", "Show a family's mandates (IBAN masked) and their FRST/RCUR state");
  show->add_option("ID", sh->family, "Family id, login identifier or reference (Réf famille)")->required();
  show->callback([sh, &ctx] {
    const std::string family = sh->family;
    ctx.select(Action{"families mandate show", Needs::database, false, true,
                      [family](Session& s, Report& r) { sepa::show_mandate(*s.tx, family, s.config.get("site"), r); }});
  });

  auto rv = std::make_shared<MandateArgs>();
  auto* revoke = mandate.add_subcommand("revoke", "Revoke a family's active mandate: no direct debit after the date");
  revoke->add_option("ID", rv->family, "Family id, login identifier or reference (Réf famille)")->required();
  revoke->add_option("--date", rv->date, "Date of the revocation (default: today)");
  revoke->callback([rv, &ctx] {
    const std::string family = rv->family;
    const std::optional<Date> on = rv->date.empty() ? std::nullopt : std::optional(date_option(rv->date, "--date"));
    ctx.select(Action{"families mandate revoke", Needs::database, true, true, [family, on](Session& s, Report& r) {
                        sepa::revoke_mandate(*s.tx, family, s.config.get("site"), on.value_or(today(s)), s.actor, r);
                      }});
  });
}

void add_mandate_import(CLI::App& mandate, Context& ctx) {
  auto o = std::make_shared<FlatImportArgs>();
  auto* cmd = mandate.add_subcommand("import", "Import mandates from a CSV file, each checked as 'set' checks it");
  add_flat_import_options(cmd, *o, "families mandate");
  cmd->get_option("FILE")->description("CSV files: Réf famille, IBAN, BIC, RUM, Date de signature, Titulaire, Site");
  cmd->callback([o, &ctx] {
    sepa::MandatesImportOptions options;
    static_cast<FlatImportOptions&>(options) = checked(*o);
    ctx.select(Action{"families mandate import", Needs::database, true, true, [options](Session& s, Report& r) {
                        sepa::MandatesImportOptions run = options;
                        run.default_site = filter_site(s);
                        run.dry_run = s.global.dry_run;
                        run.rum_prefix = s.config.get("sepa.rum_prefix");
                        run.actor = s.actor;
                        run.today = today(s);
                        sepa::import_mandates(*s.tx, run, s.progress, r);
                      }});
  });
}

struct SepaExportArgs {
  std::string date;
  std::string out;
};

void add_export(CLI::App& group, Context& ctx) {
  auto a = std::make_shared<SepaExportArgs>();
  auto* cmd = group.add_subcommand(
      "export", "Write the pain.008 file of the direct debits to collect on a date (FRST/RCUR), recorded once");
  cmd->add_option("--collection-date", a->date,
                  "The one collection date of the file (ReqdColltnDt); instalments due on or before it are taken")
      ->required();
  cmd->add_option("--out", a->out,
                  "The file to write, or an existing folder (file named by sepa.file_name); never overwritten")
      ->required();
  cmd->callback([a, &ctx] {
    sepa::ExportOptions options;
    options.collection_date = date_option(a->date, "--collection-date");
    options.out = a->out;
    ctx.select(Action{"sepa export", Needs::connection, true, true, [options](Session& s, Report& r) {
                        sepa::ExportOptions run = options;
                        run.site = filter_site(s);
                        run.dry_run = s.global.dry_run;
                        run.actor = s.actor;
                        sepa::export_collections(*s.connection, s.config, run, s.progress, r);
                      }});
  });
}

void add_reading(CLI::App& group, Context& ctx) {
  group.add_subcommand("list", "List the SEPA files, newest first: date, count, amount, returns, state")
      ->callback([&ctx] {
        ctx.select(Action{"sepa list", Needs::database, false, true,
                          [](Session& s, Report& r) { sepa::list_batches(*s.tx, filter_site(s), r); }});
      });
  auto id = std::make_shared<long long>(0);
  auto* show = group.add_subcommand("show", "Show a SEPA file and its direct debits (IBANs masked)");
  show->add_option("N", *id, "File number (see 'sepa list')")->required()->check(CLI::PositiveNumber);
  show->callback([id, &ctx] {
    const long long n = *id;
    ctx.select(Action{"sepa show", Needs::database, false, true,
                      [n](Session& s, Report& r) { sepa::show_batch(*s.tx, n, r); }});
  });
}

void add_cancel_returns(CLI::App& group, Context& ctx) {
  struct CancelArgs {
    long long id = 0;
    std::string reason;
  };
  auto c = std::make_shared<CancelArgs>();
  auto* cancel = group.add_subcommand(
      "cancel", "Cancel a SEPA file the bank rejected: its debits are due again, mandates back to FRST");
  cancel->add_option("N", c->id, "File number (see 'sepa list')")->required()->check(CLI::PositiveNumber);
  cancel->add_option("--reason", c->reason, "Why the bank rejected it (kept with the file and the payments)")
      ->required();
  cancel->callback([c, &ctx] {
    const CancelArgs a = *c;
    ctx.select(Action{"sepa cancel", Needs::database, true, true, [a](Session& s, Report& r) {
                        exclude_exports(s);
                        sepa::cancel_batch(*s.tx, a.id, a.reason, s.actor, r);
                      }});
  });

  auto o = std::make_shared<FlatImportArgs>();
  auto* returns = group.add_subcommand(
      "import-returns", "Record returned direct debits (R-transactions) from a CSV file and notify the families");
  add_flat_import_options(returns, *o, "sepa");
  returns->get_option("FILE")->description(
      "CSV files: EndToEndId (or RUM, Montant, Date de prélèvement), Date de retour, Motif (ISO code such as AM04)");
  returns->callback([o, &ctx] {
    sepa::ReturnsImportOptions options;
    static_cast<FlatImportOptions&>(options) = checked(*o);
    ctx.select(Action{"sepa import-returns", Needs::database, true, true, [options](Session& s, Report& r) {
                        exclude_exports(s);
                        sepa::ReturnsImportOptions run = options;
                        run.dry_run = s.global.dry_run;
                        run.actor = s.actor;
                        sepa::import_returns(*s.tx, s.config, run, s.progress, r);
                      }});
  });
}

}  // namespace

void add_families_mandate(CLI::App& families, Context& ctx) {
  auto* mandate =
      families.add_subcommand("mandate", "SEPA direct-debit mandates: set, show, revoke, import (IBANs shown masked)");
  mandate->require_subcommand(1);
  add_mandate_set_show(*mandate, ctx);
  add_mandate_import(*mandate, ctx);
}

void register_sepa(CLI::App& group, Context& ctx) {
  add_export(group, ctx);
  add_reading(group, ctx);
  add_cancel_returns(group, ctx);
}

}  // namespace imuse::cli
