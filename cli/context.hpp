#pragma once
// What a command declares, and what cli/ hands it when it runs.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "config/config.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse::cli {

// Options accepted before or after any command.
struct GlobalOptions {
  std::string config_file;
  std::string database_url;
  std::string site;
  std::string log_file;
  bool json = false;
  bool dry_run = false;
  bool verbose = false;
  bool quiet = false;
  bool no_progress = false;
  bool wait = false;
  std::string today;  // --today YYYY-MM-DD: the date the run acts as of ("" = the current date)
};

// What a command needs opened before it runs; cli/ opens only that. `connection`: the command
// gets the database connection and commits as it goes (many small transactions, e.g. `mail
// flush`); a mutating one holds a session-level lock for the whole run, writes its audit row
// at the end, and must honour --dry-run itself.
enum class Needs { nothing, config, database, connection };

// Handed to a running command.
struct Session {
  const Config& config;
  const GlobalOptions& global;
  Progress& progress;
  pqxx::work* tx = nullptr;  // set for Needs::database
  std::string actor;
  pqxx::connection* connection = nullptr;  // set for Needs::connection
};

// The command selected on the command line.
struct Action {
  std::string name;  // "site add": also the advisory-lock name and the audit-log command
  Needs needs = Needs::nothing;
  bool mutating = false;      // takes the command lock, writes the audit log, honours --dry-run
  bool check_schema = true;   // refuse to run on a database that is not migrated
  std::function<void(Session&, Report&)> run;
  bool open_log_file = true;  // false for config commands, which must be able to report a bad logging.file
};

class Context {
 public:
  GlobalOptions global;
  std::vector<std::string> arguments;  // the command line, passwords masked
  std::optional<Action> action;

  // Called from a subcommand's callback to select what runs after parsing.
  void select(Action a) { action = std::move(a); }
  // The configuration inputs named by the global options.
  ConfigInputs config_inputs() const;
};

}  // namespace imuse::cli
