// imuse-admin families import|export|list|show|duplicates|merge|statement|billing
#include <iostream>
#include <memory>

#include "commands/common.hpp"
#include "billing/statement.hpp"
#include "cli/commands.hpp"
#include "commands/flat_options.hpp"
#include "families/families.hpp"
#include "families/merge.hpp"
#include "import/families_export.hpp"
#include "import/families_import.hpp"
#include "util/error.hpp"
#include "util/french.hpp"
#include "util/schedule.hpp"

namespace imuse::cli {

namespace {

struct ImportOptions {
  FlatImportArgs common;
  std::string layout = "rows";
  bool no_update = false;
  bool update = false;  // --update: the default, accepted for scripts that say it
};

FamiliesImportOptions checked(const ImportOptions& o) {
  const FlatImportOptions common = checked(o.common);
  FamiliesImportOptions options;
  options.files = common.files;
  options.mapping_file = common.mapping_file;
  options.csv = common.csv;
  options.skip_bad = common.skip_bad;
  options.rejects_file = common.rejects_file;
  options.clear_blanks = common.clear_blanks;
  options.split = o.layout == "split";
  options.update = !o.no_update;
  return options;
}

void add_import(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<ImportOptions>();
  auto* cmd = group.add_subcommand("import", "Import families and students from CSV files (created, updated, unchanged)");
  add_flat_import_options(cmd, o->common, "families");
  cmd->add_option("--layout", o->layout,
                  "rows (default: one row per student, family columns repeated) or split (families files and "
                  "students files, joined by \"Réf famille\"; the students files are those with a birth date column)")
      ->check(CLI::IsMember({"rows", "split"}));
  auto* update = cmd->add_flag("--update", o->update, "Update families and students that changed (default)");
  cmd->add_flag("--no-update", o->no_update, "Only create new families and students; leave existing ones as they are")
      ->excludes(update);
  cmd->add_flag("--clear-blanks", o->common.clear_blanks, "A blank cell erases the stored value (default: blanks keep it)");
  cmd->callback([o, &ctx] {
    const FamiliesImportOptions options = checked(*o);
    ctx.select(Action{"families import", Needs::database, true, true, [options](Session& s, Report& r) {
                        FamiliesImportOptions run = options;
                        run.default_site = s.config.get("site");
                        run.dry_run = s.global.dry_run;
                        import_families(*s.tx, run, s.progress, r);
                      }});
  });
}

void add_export(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<ExportArgs>();
  auto* cmd = group.add_subcommand("export", "Export families and students (CSV with the import's headers, YAML, JSON)");
  add_export_options(cmd, *o);
  cmd->callback([o, &ctx] {
    const ExportFormat format = export_format(*o);
    const std::string out = o->out;
    ctx.select(Action{"families export", Needs::database, false, true, [format, out](Session& s, Report& r) {
                        const FamiliesExportOptions options{format, filter_site(s)};
                        write_export(out, r, [&](std::ostream& stream) { export_families(*s.tx, options, stream, r); });
                      }});
  });
}

void add_lookups(CLI::App& group, Context& ctx) {
  auto list = std::make_shared<FamilyListOptions>();
  auto* cmd = group.add_subcommand("list", "List families (with --search: name, e-mail, reference, phone)");
  cmd->add_option("--search", list->search, "Text to look for; accents and case are ignored");
  cmd->add_option("--limit", list->limit, "At most this many families (default 200)")->check(CLI::PositiveNumber);
  cmd->callback([list, &ctx] {
    ctx.select(Action{"families list", Needs::database, false, true, [list](Session& s, Report& r) {
                        FamilyListOptions options = *list;
                        options.site = filter_site(s);
                        list_families(*s.tx, options, r);
                      }});
  });

  auto key = std::make_shared<std::string>();
  auto* show = group.add_subcommand("show", "Show a family: identity, students and their courses, portal account");
  show->add_option("ID", *key, "Family id, login identifier or reference (Réf famille)")->required();
  show->callback([key, &ctx] {
    const std::string k = *key;
    ctx.select(Action{"families show", Needs::database, false, true,
                      [k](Session& s, Report& r) { show_family(*s.tx, k, s.config.get("site"), r); }});
  });
}

void add_duplicates(CLI::App& group, Context& ctx) {
  auto dup = std::make_shared<DuplicateOptions>();
  auto* cmd = group.add_subcommand("duplicates", "List likely duplicate families, scored, for a person to decide");
  cmd->add_option("--min-score", dup->min_score, "Lowest score listed (default 50; e-mail 40, phone 30, address 20, "
                                                 "name 20, first name 15, shared students 25 each, at most 2)");
  cmd->add_option("--limit", dup->limit, "At most this many pairs (default 500)")->check(CLI::PositiveNumber);
  cmd->callback([dup, &ctx] {
    ctx.select(Action{"families duplicates", Needs::database, false, true, [dup](Session& s, Report& r) {
                        DuplicateOptions options = *dup;
                        options.site = filter_site(s);
                        find_duplicates(*s.tx, options, r);
                      }});
  });

  struct MergeOptions {
    long long keep = 0;
    long long other = 0;
    long long keep_account = 0;
  };
  auto m = std::make_shared<MergeOptions>();
  auto* merge = group.add_subcommand("merge", "Merge family OTHER into family KEEP (students, documents, invoices, "
                                              "account...) in one transaction");
  merge->add_option("KEEP", m->keep, "Id of the family that stays")->required()->check(CLI::PositiveNumber);
  merge->add_option("OTHER", m->other, "Id of the family merged into it, then removed")->required()->check(CLI::PositiveNumber);
  merge->add_option("--keep-account", m->keep_account, "When both have a portal account: the id (KEEP or OTHER) whose "
                                                       "account stays");
  merge->callback([m, &ctx] {
    if (m->keep_account != 0 && m->keep_account != m->keep && m->keep_account != m->other) {
      throw CLI::ValidationError("--keep-account", "must be KEEP or OTHER");
    }
    const MergeOptions o = *m;
    const KeepAccount account = o.keep_account == 0        ? KeepAccount::refuse
                                : o.keep_account == o.keep ? KeepAccount::keep
                                                           : KeepAccount::other;
    ctx.select(Action{"families merge", Needs::database, true, true, [o, account](Session& s, Report& r) {
                        merge_families(*s.tx, o.keep, o.other, account, s.actor, r);
                      }});
  });
}

// `families statement` and `families billing`: the family's ledgers and billing settings.
void add_billing(CLI::App& group, Context& ctx) {
  auto st = std::make_shared<StatementOptions>();
  auto* statement = group.add_subcommand(
      "statement", "Show a family's ledgers as the portal does: invoices, payments, totals and what is left to pay");
  statement->add_option("ID", st->family, "Family id, login identifier or reference (Réf famille)")->required();
  statement->add_option("--year", st->school_year, "Only this school year, e.g. 2026/2027 (default: every year)");
  statement->add_option("--ledger", st->ledger, "tuition (cotisations) or rental (locations); default: both")
      ->check(CLI::IsMember({"tuition", "rental"}));
  statement->callback([st, &ctx] {
    StatementOptions options = *st;
    if (!options.school_year.empty()) {
      options.school_year = school_year_option(options.school_year);
    }
    ctx.select(Action{"families statement", Needs::database, false, true, [options](Session& s, Report& r) {
                        StatementOptions run = options;
                        run.site = s.config.get("site");
                        const Statement result = family_statement(*s.tx, run);
                        if (s.global.json) {
                          std::cout << statement_json(result).dump(2, ' ', false,
                                                                   nlohmann::json::error_handler_t::replace)
                                    << '\n';
                        } else {
                          write_statement_text(std::cout, result);
                        }
                        r.wrote_stdout = true;
                      }});
  });

  struct BillingArgs {
    std::string family;
    int schedule = 0;
    std::string resident;
    std::string quotient;
  };
  auto b = std::make_shared<BillingArgs>();
  auto* billing = group.add_subcommand(
      "billing", "Show a family's billing settings (payment schedule, resident, family quotient); set them with options");
  billing->add_option("ID", b->family, "Family id, login identifier or reference (Réf famille)")->required();
  billing->add_option("--schedule", b->schedule, "Payment in 1, 2 or 3 instalments, or 9 monthly direct debits")
      ->check(CLI::IsMember({1, 2, 3, 9}));
  billing->add_option("--resident", b->resident, "yes, no, or auto (unknown: decided from the address)")
      ->check(CLI::IsMember({"yes", "no", "auto"}));
  billing->add_option("--quotient", b->quotient, "Family quotient (a whole number such as 820), or none");
  billing->callback([b, &ctx] {
    BillingSettings settings;
    if (b->schedule != 0) {
      settings.schedule = b->schedule;
    }
    if (!b->resident.empty()) {
      settings.resident = b->resident;
    }
    if (!b->quotient.empty()) {
      if (b->quotient != "none" && !parse_euros_integer(b->quotient)) {
        throw CLI::ValidationError("--quotient", "expected a whole number such as 820, or none, got \"" +
                                                     b->quotient + "\"");
      }
      settings.quotient = b->quotient;
    }
    const bool change = settings.schedule || settings.resident || settings.quotient;
    const std::string family = b->family;
    ctx.select(Action{"families billing", Needs::database, change, true, [family, settings](Session& s, Report& r) {
                        family_billing(*s.tx, family, s.config.get("site"), settings, s.actor, r);
                      }});
  });
}

}  // namespace

void register_families(CLI::App& group, Context& ctx) {
  add_import(group, ctx);
  add_export(group, ctx);
  add_lookups(group, ctx);
  add_duplicates(group, ctx);
  add_billing(group, ctx);
  add_families_mandate(group, ctx);
}

}  // namespace imuse::cli
