// imuse-admin db migrate|status
#include "cli/commands.hpp"
#include "db/migrations.hpp"

namespace imuse::cli {

namespace {

void migrate(Session& s, Report& report) {
  apply_migrations(*s.tx, s.actor, s.progress, report);
}

void status(Session& s, Report& report) {
  Table table{{"version", "name", "state", "applied_at", "applied_by"}, {}};
  for (const char* state : {"applied", "pending", "modified", "unknown"}) {
    report.add(state, 0);  // always present, so scripts need no defaults
  }
  for (const auto& m : migration_status(*s.tx)) {
    report.add(m.state);
    table.rows.push_back({std::int64_t{m.version}, m.name, m.state,
                          m.applied_at.empty() ? Cell{} : Cell{m.applied_at},
                          m.applied_by.empty() ? Cell{} : Cell{m.applied_by}});
  }
  if (report.count("pending") > 0) {
    report.warnings.push_back(std::to_string(report.count("pending")) +
                              " pending migration(s): run 'imuse-admin db migrate'");
  }
  report.table = std::move(table);
}

}  // namespace

void register_db(CLI::App& group, Context& ctx) {
  group.add_subcommand("migrate", "Apply pending schema migrations (idempotent, locked, one transaction)")
      ->callback([&ctx] { ctx.select(Action{"db migrate", Needs::database, true, false, migrate}); });
  group.add_subcommand("status", "List applied and pending migrations")
      ->callback([&ctx] { ctx.select(Action{"db status", Needs::database, false, false, status}); });
}

}  // namespace imuse::cli
