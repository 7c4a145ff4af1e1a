// imuse-admin config show|check
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "db/database.hpp"
#include "util/error.hpp"

namespace imuse::cli {

namespace {

void show(Session& s, Report& report) {
  const Config& config = s.config;
  report.messages.push_back(config.file().empty() ? "no configuration file found; defaults and environment only"
                                                  : "configuration file: " + config.file());
  Table table{{"key", "value", "source"}, {}};
  for (const auto& spec : config_keys()) {
    table.rows.push_back({std::string(spec.key), config.display(spec.key), describe_source(config.setting(spec.key))});
  }
  for (const auto& site : config.sites()) {
    table.rows.push_back({"sites." + site.code + ".name", site.name, "file " + site.origin});
    table.rows.push_back({"sites." + site.code + ".portal_url", site.portal_url, "file " + site.origin});
  }
  report.add("values", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

void check(Session& s, Report& report) {
  report = check_config(s.config);
  try {
    database_target(s.config);  // the URL's syntax; connecting is left to the commands that need it
  } catch (const ConfigError& e) {
    report.rejected.insert(report.rejected.begin(), Problem{"database.url", e.what()});
    report.add("errors", 1);
  }
  report.messages.push_back(
      (s.config.file().empty() ? std::string("no configuration file") : "configuration file " + s.config.file()) +
      (report.rejected.empty() ? ": OK" : ": " + std::to_string(report.rejected.size()) + " error(s)"));
}

}  // namespace

void register_config(CLI::App& group, Context& ctx) {
  group.add_subcommand("show", "Print the effective configuration with the source of every value (secrets masked)")
      ->callback([&ctx] { ctx.select(Action{"config show", Needs::config, false, false, show, false}); });
  group.add_subcommand("check", "Validate the configuration (exit 78 on errors)")
      ->callback([&ctx] { ctx.select(Action{"config check", Needs::config, false, false, check, false}); });
}

}  // namespace imuse::cli
