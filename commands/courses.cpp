// imuse-admin courses import|export|list
#include <memory>

#include "commands/flat_options.hpp"
#include "import/courses_export.hpp"
#include "import/courses_import.hpp"

namespace imuse::cli {

namespace {

void add_import(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<FlatImportArgs>();
  auto* cmd =
      group.add_subcommand("import", "Import the course catalogue from CSV files (created, updated, unchanged)");
  add_flat_import_options(cmd, *o, "courses");
  cmd->add_flag("--clear-blanks", o->clear_blanks, "A blank cell erases the stored value (default: blanks keep it)");
  cmd->callback([o, &ctx] {
    const FlatImportOptions options = checked(*o);
    ctx.select(Action{"courses import", Needs::database, true, true, [options](Session& s, Report& r) {
                        FlatImportOptions run = options;
                        run.default_site = s.config.get("site");
                        run.dry_run = s.global.dry_run;
                        import_courses(*s.tx, run, s.progress, r);
                      }});
  });
}

void add_export(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<ExportArgs>();
  auto* cmd = group.add_subcommand("export", "Export the course catalogue (CSV with the import's headers, YAML, JSON)");
  add_export_options(cmd, *o);
  cmd->callback([o, &ctx] {
    const ExportFormat format = export_format(*o);
    const std::string out = o->out;
    ctx.select(Action{"courses export", Needs::database, false, true, [format, out](Session& s, Report& r) {
                        const CoursesExportOptions options{format, s.config.get("site")};
                        write_export(out, r, [&](std::ostream& file) { export_courses(*s.tx, options, file, r); });
                      }});
  });
}

void add_list(CLI::App& group, Context& ctx) {
  auto* cmd = group.add_subcommand("list", "List the courses, with their students of the school year in progress");
  cmd->callback([&ctx] {
    ctx.select(Action{"courses list", Needs::database, false, true,
                      [](Session& s, Report& r) { list_courses(*s.tx, s.config.get("site"), r); }});
  });
}

}  // namespace

void register_courses(CLI::App& group, Context& ctx) {
  add_import(group, ctx);
  add_export(group, ctx);
  add_list(group, ctx);
}

}  // namespace imuse::cli
