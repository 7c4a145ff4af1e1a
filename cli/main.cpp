// imuse-admin: the one place that parses the command line and maps errors to exit codes.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/run.hpp"
#include "sepa/iban.hpp"
#include "util/error.hpp"
#include "util/french.hpp"
#include "util/interrupt.hpp"
#include "util/text.hpp"
#include "version.hpp"

namespace {

using imuse::ExitCode;

void on_signal(int signo) {
  if (imuse::interrupt_requested()) {
    // A second Ctrl-C: stop at once.
    std::signal(signo, SIG_DFL);
    std::raise(signo);
    return;
  }
  imuse::request_interrupt();
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void add_global_options(CLI::App& app, imuse::cli::GlobalOptions& g) {
  const char* group = "Global options (before or after the command)";
  app.add_option("--config", g.config_file,
                 "Configuration file (default: $IMUSE_ADMIN_CONFIG, else ./imuse-admin.yaml, "
                 "$XDG_CONFIG_HOME or ~/.config/imuse-admin/config.yaml, /etc/imuse-admin/config.yaml)")
      ->group(group);
  app.add_option("--database", g.database_url, "PostgreSQL URL or connection string")->group(group);
  app.add_option("--site", g.site, "Site code to work on")->group(group);
  app.add_flag("--json", g.json, "Print the result as JSON on stdout")->group(group);
  app.add_flag("--dry-run", g.dry_run, "Do all the work, then roll back: exact counts, nothing written")->group(group);
  app.add_flag("--wait", g.wait, "Wait for another run holding the command's lock instead of exiting 75")
      ->group(group);
  auto* verbose = app.add_flag("-v,--verbose", g.verbose, "Debug logging with timestamps")->group(group);
  app.add_flag("-q,--quiet", g.quiet, "Only errors on stderr; results only on stdout")
      ->group(group)
      ->excludes(verbose);
  app.add_option("--today", g.today,
                 "Act as of this date (YYYY-MM-DD) instead of the current date: back-dated runs and tests")
      ->group(group)
      ->check([](const std::string& value) -> std::string {
        return imuse::parse_date(value) ? std::string() : "expected a date such as 2026-10-01, got \"" + value + "\"";
      });
  app.add_flag("--no-progress", g.no_progress, "Never draw a progress bar")->group(group);
  app.add_option("--log-file", g.log_file, "Also write the log, with timestamps, to this file")->group(group);
}

// The deepest subcommand the parser reached.
const CLI::App* deepest(const CLI::App& app) {
  const CLI::App* current = &app;
  while (!current->get_subcommands().empty()) {
    current = current->get_subcommands().front();
  }
  return current;
}

// "imuse-admin site add" for that subcommand.
std::string command_path(const CLI::App* app) {
  std::string path;
  for (; app != nullptr; app = app->get_parent()) {
    path = app->get_name() + (path.empty() ? "" : " ") + path;
  }
  return path;
}

// A clearer message than CLI11's when an unknown word stands where a command was expected.
std::string usage_message(const CLI::App& app, const CLI::ParseError& e) {
  const CLI::App* where = deepest(app);
  auto rest = where->remaining();
  if (rest.empty()) {
    rest = app.remaining();  // with fallthrough, an unknown word may land on the top level
  }
  if (!where->get_subcommands({}).empty() && !rest.empty() && rest.front().rfind('-', 0) != 0 &&
      where->get_subcommands().empty()) {
    return "unknown command '" + rest.front() + "' for " + command_path(where);
  }
  return e.what();
}

// The command line as the audit log and the logs keep it: the password of a --database URL
// masked, and an --iban (families mandate set) shown by its last 4 characters like everywhere.
std::vector<std::string> masked_arguments(int argc, char** argv) {
  std::vector<std::string> args;
  bool next_is_database = false;
  bool next_is_iban = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (next_is_database || arg.rfind("--database=", 0) == 0) {
      arg = imuse::mask_conninfo_password(arg);
    } else if (next_is_iban) {
      arg = imuse::sepa::mask_iban(imuse::sepa::normalize_account_id(arg));
    } else if (arg.rfind("--iban=", 0) == 0) {
      arg = "--iban=" + imuse::sepa::mask_iban(imuse::sepa::normalize_account_id(arg.substr(7)));
    }
    next_is_database = arg == "--database";
    next_is_iban = arg == "--iban";
    args.push_back(arg);
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  install_signal_handlers();
  imuse::cli::Context ctx;
  ctx.arguments = masked_arguments(argc, argv);

  CLI::App app{"imuse-admin: back office of the families' portal of music and dance schools", "imuse-admin"};
  app.fallthrough();  // global options are accepted after the command too
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("imuse-admin ") + IMUSE_ADMIN_VERSION, "Print the version and exit");
  app.footer("Exit codes: 0 ok, 1 some items rejected, 64 usage, 65 bad input data, 69 service unavailable, "
             "70 internal error, 73 cannot write output, 75 locked by another run, 78 configuration, "
             "130 interrupted.\n"
             "See imuse-admin(1) and 'imuse-admin COMMAND --help'.");
  add_global_options(app, ctx.global);
  for (const auto& group : imuse::cli::kCommandGroups) {
    auto* sub = app.add_subcommand(group.name, group.description);
    sub->require_subcommand(1);
    group.add(*sub, ctx);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string message = usage_message(app, e);
    std::cerr << "imuse-admin: " << message << "\n"
              << "Run '" << command_path(deepest(app)) << " --help' for usage.\n";
    if (std::find(ctx.arguments.begin(), ctx.arguments.end(), "--json") != ctx.arguments.end()) {
      std::cout << nlohmann::json{{"command", command_path(deepest(app))},
                                  {"exit_code", static_cast<int>(ExitCode::usage)},
                                  {"error", message}}
                       .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                << '\n';
    }
    return static_cast<int>(ExitCode::usage);
  }
  return imuse::cli::run(ctx);
}
