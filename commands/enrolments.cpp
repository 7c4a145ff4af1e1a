// imuse-admin enrolments import|export
#include <memory>

#include "commands/flat_options.hpp"
#include "import/enrolments_export.hpp"
#include "import/enrolments_import.hpp"
#include "util/schedule.hpp"

namespace imuse::cli {

namespace {

void add_import(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<FlatImportArgs>();
  auto* cmd = group.add_subcommand("import",
                                   "Import enrolments of students in courses for school years "
                                   "(created, reinstated, unchanged)");
  add_flat_import_options(cmd, *o, "enrolments");
  cmd->callback([o, &ctx] {
    const FlatImportOptions options = checked(*o);
    ctx.select(Action{"enrolments import", Needs::database, true, true, [options](Session& s, Report& r) {
                        FlatImportOptions run = options;
                        run.default_site = s.config.get("site");
                        run.dry_run = s.global.dry_run;
                        import_enrolments(*s.tx, run, s.progress, r);
                      }});
  });
}

void add_export(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<ExportArgs>();
  auto year = std::make_shared<std::string>();
  auto* cmd = group.add_subcommand("export", "Export enrolments (CSV with the import's headers, YAML, JSON)");
  add_export_options(cmd, *o);
  cmd->add_option("--year", *year, "Only this school year, e.g. 2026/2027 (default: every year)");
  cmd->callback([o, year, &ctx] {
    std::string school_year;
    if (!year->empty()) {
      school_year = parse_school_year(*year).value_or("");
      if (school_year.empty()) {
        throw CLI::ValidationError("--year", "expected a school year such as 2026/2027, got \"" + *year + "\"");
      }
    }
    const ExportFormat format = export_format(*o);
    const std::string out = o->out;
    ctx.select(
        Action{"enrolments export", Needs::database, false, true, [format, out, school_year](Session& s, Report& r) {
                 const EnrolmentsExportOptions options{format, s.config.get("site"), school_year};
                 write_export(out, r, [&](std::ostream& file) { export_enrolments(*s.tx, options, file, r); });
               }});
  });
}

}  // namespace

void register_enrolments(CLI::App& group, Context& ctx) {
  add_import(group, ctx);
  add_export(group, ctx);
}

}  // namespace imuse::cli
