// imuse-admin families import|export|list|show
#include <memory>

#include "cli/commands.hpp"
#include "commands/flat_options.hpp"
#include "families/families.hpp"
#include "families/merge.hpp"
#include "import/families_export.hpp"
#include "import/families_import.hpp"
#include "util/error.hpp"

namespace imuse::cli {

namespace {

// Reading commands filter on a site only when --site says so; the configured default site is
// where imported rows without a site go, not a limit on what the office sees.
std::string filter_site(const Session& s) {
  const auto& site = s.config.setting("site");
  return site.source == ValueSource::command_line ? site.value : std::string();
}

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

}  // namespace

void register_families(CLI::App& group, Context& ctx) {
  add_import(group, ctx);
  add_export(group, ctx);
  add_lookups(group, ctx);
  add_duplicates(group, ctx);
}

}  // namespace imuse::cli
