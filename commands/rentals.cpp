// imuse-admin rentals import|list
#include "commands/common.hpp"
#include "billing/rentals.hpp"

#include <memory>

#include "commands/flat_options.hpp"
#include "util/schedule.hpp"

namespace imuse::cli {

namespace {

void add_import(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<FlatImportArgs>();
  auto* cmd =
      group.add_subcommand("import", "Import instrument, room and equipment rentals (created, updated, unchanged)");
  add_flat_import_options(cmd, *o, "rentals");
  cmd->get_option("FILE")->description("CSV files (see config/samples/rentals.csv)");
  cmd->callback([o, &ctx] {
    const FlatImportOptions options = checked(*o);
    ctx.select(Action{"rentals import", Needs::database, true, true, [options](Session& s, Report& r) {
                        FlatImportOptions run = options;
                        run.default_site = s.config.get("site");
                        run.dry_run = s.global.dry_run;
                        import_rentals(*s.tx, run, s.progress, r);
                      }});
  });
}

void add_list(CLI::App& group, Context& ctx) {
  auto o = std::make_shared<RentalListOptions>();
  auto* cmd = group.add_subcommand("list", "List rentals, newest school year first");
  cmd->add_option("--year", o->school_year, "Only this school year, e.g. 2026/2027");
  cmd->add_option("--family", o->family, "Only this family's: id, login identifier or reference");
  cmd->callback([o, &ctx] {
    RentalListOptions options = *o;
    if (!options.school_year.empty()) {
      options.school_year = school_year_option(options.school_year);
    }
    ctx.select(Action{"rentals list", Needs::database, false, true, [options](Session& s, Report& r) {
                        RentalListOptions run = options;
                        run.site = filter_site(s);
                        list_rentals(*s.tx, run, r);
                      }});
  });
}

}  // namespace

void register_rentals(CLI::App& group, Context& ctx) {
  add_import(group, ctx);
  add_list(group, ctx);
}

}  // namespace imuse::cli
