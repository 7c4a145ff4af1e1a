#include "db/database.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <map>

#include "util/error.hpp"
#include "util/text.hpp"

namespace imuse {

namespace {

using Options = std::map<std::string, std::string>;

void read_options(PQconninfoOption* options, Options& out, bool only_missing) {
  for (auto* o = options; o != nullptr && o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0' && (!only_missing || out.count(o->keyword) == 0)) {
      out[o->keyword] = o->val;
    }
  }
}

std::string get(const Options& options, const std::string& key) {
  auto it = options.find(key);
  return it == options.end() ? std::string() : it->second;
}

}  // namespace

DatabaseTarget database_target(const Config& config) {
  const auto& setting = config.setting("database.url");
  DatabaseTarget target;
  target.conninfo = setting.value;
  target.source = "database.url from " + describe_source(setting);

  Options options;
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(target.conninfo.c_str(), &error);
  if (parsed == nullptr) {
    std::string reason = error != nullptr ? trim(error) : "out of memory";
    PQfreemem(error);
    throw ConfigError("database.url (" + describe_source(setting) + ") is not a valid PostgreSQL URL or connection string: " +
                      reason);
  }
  read_options(parsed, options, false);
  PQconninfoFree(parsed);
  if (PQconninfoOption* defaults = PQconndefaults()) {
    read_options(defaults, options, true);  // PG* variables and compiled-in defaults
    PQconninfoFree(defaults);
  }

  std::string host = get(options, "host");
  if (host.empty()) {
    host = get(options, "hostaddr");
  }
  const std::string port = get(options, "port").empty() ? "5432" : get(options, "port");
  std::string where;
  if (host.empty() || host[0] == '/' || host[0] == '@') {
    where = "through the socket in " + (host.empty() ? std::string("/var/run/postgresql") : host) + " (port " + port + ")";
  } else {
    where = "on " + host + ":" + port;
  }
  std::string user = get(options, "user");
  std::string dbname = get(options, "dbname");
  if (dbname.empty()) {
    dbname = user;
  }
  target.description = "database \"" + dbname + "\"" + (user.empty() ? "" : " as user \"" + user + "\"") + " " + where;
  return target;
}

std::string short_libpq_reason(const std::string& message) {
  // libpq: 'connection to server at "h", port 5 failed: FATAL:  database "x" does not exist\n...'
  std::string line = message.substr(0, message.find('\n'));
  if (auto pos = line.rfind(" failed: "); pos != std::string::npos) {
    line = line.substr(pos + 9);
  }
  for (const char* prefix : {"FATAL:  ", "ERROR:  ", "FATAL: "}) {
    if (line.rfind(prefix, 0) == 0) {
      line = line.substr(std::string(prefix).size());
    }
  }
  line = trim(line);
  if (!line.empty() && line[0] >= 'A' && line[0] <= 'Z' && (line.size() < 2 || !(line[1] >= 'A' && line[1] <= 'Z'))) {
    line[0] = static_cast<char>(line[0] - 'A' + 'a');
  }
  return line.empty() ? "unknown error" : line;
}

namespace {

// libpq reads these itself; the configuration only fills what the user did not set.
DatabaseTarget prepare_connection(const Config& config, const std::string& application_name) {
  const std::string timeout = config.get("database.connect_timeout");
  const bool configured = config.setting("database.connect_timeout").source != ValueSource::default_value;
  setenv("PGCONNECT_TIMEOUT", timeout.c_str(), configured ? 1 : 0);
  setenv("PGAPPNAME", application_name.c_str(), 1);
  return database_target(config);
}

}  // namespace

LibpqConnection connect_libpq(const Config& config, const std::string& application_name) {
  const DatabaseTarget target = prepare_connection(config, application_name);
  LibpqConnection c(PQconnectdb(target.conninfo.c_str()));
  if (!c || PQstatus(c.get()) != CONNECTION_OK) {
    const std::string reason = c ? PQerrorMessage(c.get()) : "out of memory";
    throw ServiceUnavailable("cannot connect to " + target.description + " (" + target.source +
                             "): " + short_libpq_reason(reason));
  }
  return c;
}

std::unique_ptr<pqxx::connection> connect_database(const Config& config, const std::string& application_name) {
  const DatabaseTarget target = prepare_connection(config, application_name);
  try {
    return std::make_unique<pqxx::connection>(target.conninfo);
  } catch (const pqxx::broken_connection& e) {
    throw ServiceUnavailable("cannot connect to " + target.description + " (" + target.source +
                             "): " + short_libpq_reason(e.what()));
  }
}

}  // namespace imuse
