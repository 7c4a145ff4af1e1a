#include "cli/run.hpp"

#include <spdlog/spdlog.h>

#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/output.hpp"
#include "cli/terminal.hpp"
#include "db/database.hpp"
#include "db/lock.hpp"
#include "db/migrations.hpp"
#include "db/run.hpp"
#include "util/error.hpp"
#include "util/interrupt.hpp"

namespace imuse::cli {

ConfigInputs Context::config_inputs() const {
  ConfigInputs in;
  auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); };
  in.config_file = opt(global.config_file);
  in.database_url = opt(global.database_url);
  in.site = opt(global.site);
  in.log_file = opt(global.log_file);
  in.getenv = process_getenv;
  return in;
}

namespace {

std::string summary_text(const Report& report) {
  std::string text;
  for (const auto& [name, value] : report.counts) {
    text += (text.empty() ? "" : ", ") + name + " " + std::to_string(value);
  }
  if (!report.rejected.empty()) {
    text += (text.empty() ? "" : ", ") + std::to_string(report.rejected.size()) + " rejected";
  }
  return text;
}

// The lock of a Needs::connection command, held by the session until the connection closes.
// When it is taken, the transaction-scoped lock (same key) names the holder or waits for it.
void acquire_session_lock(pqxx::connection& connection, const std::string& name, bool wait) {
  while (true) {
    {
      pqxx::nontransaction n(connection, "session lock");
      if (n.exec_params1("SELECT pg_try_advisory_lock($1, hashtext($2))", kLockNamespace, name)[0].as<bool>()) {
        return;
      }
    }
    pqxx::work tx(connection, "session lock wait");
    acquire_command_lock(tx, name, wait);  // throws LockBusy without --wait
    tx.commit();
  }
}

// Needs::connection: the command commits as it goes; its audit row is written once it is done.
Report execute_on_connection(pqxx::connection& connection, const Action& action, Session& session,
                             const RunOptions& options, const std::string& database) {
  if (action.check_schema) {
    pqxx::read_transaction tx(connection, "schema check");
    require_current_schema(tx, database);
  }
  if (action.mutating) {
    acquire_session_lock(connection, action.name, options.wait_for_lock);
  }
  Report report;
  report.command = action.name;
  report.dry_run = options.dry_run;
  session.connection = &connection;
  action.run(session, report);
  if (!action.mutating || options.dry_run) {
    return report;
  }
  return run_in_transaction(connection, options, [&report](pqxx::work&, Report& r) { r = report; });
}

Report execute(Context& ctx, const Action& action) {
  Config config = action.needs == Needs::nothing ? default_config() : load_config(ctx.config_inputs());
  if (action.needs != Needs::nothing) {
    setup_logging(ctx.global, config.get("logging.level"),
                  action.open_log_file ? config.get("logging.file") : ctx.global.log_file);
    if (!config.file().empty()) {
      spdlog::debug("configuration file: {}", config.file());
    }
  }
  auto progress = make_progress(ctx.global);
  Session session{config, ctx.global, *progress, nullptr, current_actor()};

  if (action.needs == Needs::nothing || action.needs == Needs::config) {
    Report report;
    report.command = action.name;
    action.run(session, report);
    return report;
  }

  auto connection = connect_database(config, "imuse-admin " + action.name);
  const std::string database = database_target(config).description;
  spdlog::debug("connected to {}", database);
  RunOptions options;
  options.command = action.name;
  options.arguments = ctx.arguments;
  options.mutating = action.mutating;
  options.dry_run = ctx.global.dry_run && action.mutating;
  options.wait_for_lock = ctx.global.wait;
  options.actor = session.actor;
  options.site_code = config.get("site");
  if (action.needs == Needs::connection) {
    return execute_on_connection(*connection, action, session, options, database);
  }
  return run_in_transaction(*connection, options, [&](pqxx::work& tx, Report& report) {
    if (action.check_schema) {
      require_current_schema(tx, database);
    }
    session.tx = &tx;
    action.run(session, report);
    check_interrupted();  // a Ctrl-C during the work rolls everything back
  });
}

}  // namespace

int run(Context& ctx) {
  if (!ctx.action) {
    std::cerr << "imuse-admin: no command given; run 'imuse-admin --help'\n";
    return static_cast<int>(ExitCode::usage);
  }
  setup_logging(ctx.global, "warning", "");  // stderr first, so that every error below is seen
  const auto fail = [&](ExitCode code, const std::string& message) {
    spdlog::error("{}", message);
    if (ctx.global.json) {
      std::cout << nlohmann::json{{"command", ctx.action->name}, {"exit_code", static_cast<int>(code)},
                                  {"error", message}}
                       .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                << '\n';
    }
    return static_cast<int>(code);
  };
  try {
    setup_logging(ctx.global, "warning", ctx.global.log_file);
    const Report report = execute(ctx, *ctx.action);
    for (const auto& m : report.messages) {
      spdlog::info("{}: {}", report.command, m);
    }
    for (const auto& w : report.warnings) {
      spdlog::warn("warning: {}", w);
    }
    spdlog::info("{}: finished{} ({}), exit {}", report.command, report.dry_run ? " (dry run)" : "",
                 summary_text(report), report.exit_code());
    if (report.wrote_stdout) {
      // stdout holds the data (an export); the summary goes to the log only.
    } else if (ctx.global.json) {
      print_json(std::cout, report);
    } else {
      print_text(std::cout, report, ctx.global.quiet);
    }
    std::cout.flush();
    if (!std::cout) {
      throw OutputError("cannot write the result to standard output");
    }
    return report.exit_code();
  } catch (const Fatal& e) {
    return fail(e.code(), e.what());
  } catch (const pqxx::broken_connection& e) {
    return fail(ExitCode::unavailable, "lost the connection to the database: " + short_libpq_reason(e.what()));
  } catch (const pqxx::sql_error& e) {
    if (interrupt_requested()) {
      return fail(ExitCode::interrupted, "interrupted; nothing was committed");
    }
    spdlog::debug("query: {}", e.query());
    return fail(ExitCode::software,
                "database error (a bug in imuse-admin, please report it): " + short_libpq_reason(e.what()));
  } catch (const std::exception& e) {
    return fail(ExitCode::software, std::string("internal error (a bug in imuse-admin, please report it): ") + e.what());
  }
}

}  // namespace imuse::cli
