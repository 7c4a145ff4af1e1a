// imuse-admin families import|export|list|show
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <unistd.h>

#include "cli/commands.hpp"
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
  std::vector<std::string> files;
  std::string layout = "rows";
  std::string mapping;
  std::string encoding = "auto";
  std::string delimiter = "auto";
  std::string on_error = "abort";
  std::string rejects;
  bool no_update = false;
  bool update = false;  // --update: the default, accepted for scripts that say it
  bool clear_blanks = false;
};

FamiliesImportOptions checked(const ImportOptions& o) {
  FamiliesImportOptions options;
  options.files = o.files;
  options.mapping_file = o.mapping;
  options.split = o.layout == "split";
  if (o.encoding == "utf-8") {
    options.csv.encoding = Encoding::utf8;
  } else if (o.encoding == "windows-1252") {
    options.csv.encoding = Encoding::windows1252;
  }
  if (o.delimiter == ";" || o.delimiter == "semicolon") {
    options.csv.delimiter = ';';
  } else if (o.delimiter == "," || o.delimiter == "comma") {
    options.csv.delimiter = ',';
  } else if (o.delimiter == "tab" || o.delimiter == "\t") {
    options.csv.delimiter = '\t';
  }
  options.skip_bad = o.on_error == "skip";
  if (!o.rejects.empty() && o.files.size() > 1) {
    throw CLI::ValidationError("--rejects", "give --rejects with a single input file (each file gets its own "
                                            "NAME.rejects.csv otherwise)");
  }
  options.rejects_file = o.rejects;
  if (!o.rejects.empty() && std::filesystem::weakly_canonical(o.rejects) == std::filesystem::weakly_canonical(o.files[0])) {
    throw CLI::ValidationError("--rejects", "the reject file cannot be the input file");
  }
  options.update = !o.no_update;
  options.clear_blanks = o.clear_blanks;
  return options;
}

void add_import(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<ImportOptions>();
  auto* cmd = group.add_subcommand("import", "Import families and students from CSV files (created, updated, unchanged)");
  cmd->add_option("FILE", o->files, "CSV files: one row per student, family columns repeated")->required()->check(CLI::ExistingFile);
  cmd->add_option("--layout", o->layout,
                  "rows (default: one row per student, family columns repeated) or split (families files and "
                  "students files, joined by \"Réf famille\"; the students files are those with a birth date column)")
      ->check(CLI::IsMember({"rows", "split"}));
  cmd->add_option("--mapping", o->mapping, "YAML file renaming other headers to the default ones")->check(CLI::ExistingFile);
  cmd->add_option("--encoding", o->encoding, "auto (default), utf-8 or windows-1252")
      ->check(CLI::IsMember({"auto", "utf-8", "windows-1252"}));
  cmd->add_option("--delimiter", o->delimiter, "auto (default), ';', ',' or tab")
      ->check(CLI::IsMember({"auto", ";", ",", "tab", "\t", "semicolon", "comma"}));
  cmd->add_option("--on-error", o->on_error, "abort (default): nothing is written; skip: import the valid rows and "
                                             "write the others to the reject file (exit 1)")
      ->check(CLI::IsMember({"abort", "skip"}));
  cmd->add_option("--rejects", o->rejects, "Reject file for --on-error skip (default: FILE.rejects.csv)");
  auto* update = cmd->add_flag("--update", o->update, "Update families and students that changed (default)");
  cmd->add_flag("--no-update", o->no_update, "Only create new families and students; leave existing ones as they are")
      ->excludes(update);
  cmd->add_flag("--clear-blanks", o->clear_blanks, "A blank cell erases the stored value (default: blanks keep it)");
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

ExportFormat format_of(const std::string& format, const std::string& out) {
  const std::string ext = std::filesystem::path(out).extension().string();
  const std::string f = format.empty() ? (ext == ".json" ? "json" : ext == ".yaml" || ext == ".yml" ? "yaml" : "csv")
                                       : format;
  return f == "json" ? ExportFormat::json : f == "yaml" ? ExportFormat::yaml : ExportFormat::csv;
}

void add_export(CLI::App& group, Context& ctx) {
  struct ExportOptions {
    std::string format;
    std::string out;
  };
  auto o = std::make_shared<ExportOptions>();
  auto* cmd = group.add_subcommand("export", "Export families and students (CSV with the import's headers, YAML, JSON)");
  cmd->add_option("--format", o->format, "csv (default, or from the --out extension), yaml or json")
      ->check(CLI::IsMember({"csv", "yaml", "json"}));
  cmd->add_option("--out", o->out, "Output file (default: standard output)");
  cmd->callback([o, &ctx] {
    const ExportFormat format = format_of(o->format, o->out);
    const std::string out = o->out;
    ctx.select(Action{"families export", Needs::database, false, true, [format, out](Session& s, Report& r) {
                        FamiliesExportOptions options{format, filter_site(s)};
                        if (out.empty()) {
                          export_families(*s.tx, options, std::cout, r);
                          r.wrote_stdout = true;
                          return;
                        }
                        // Written aside and renamed: a failed export never leaves half a file.
                        const std::string tmp = out + ".tmp-" + std::to_string(getpid());
                        std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
                        if (!file) {
                          throw OutputError("cannot write " + out);
                        }
                        export_families(*s.tx, options, file, r);
                        file.close();
                        std::error_code ec;
                        if (!file || (std::filesystem::rename(tmp, out, ec), ec)) {
                          std::filesystem::remove(tmp, ec);
                          throw OutputError("cannot write " + out);
                        }
                        r.messages.push_back("exported to " + out);
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
