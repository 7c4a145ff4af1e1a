#pragma once
// Opening the PostgreSQL connection, with failures turned into one clear sentence.
#include <memory>
#include <string>

#include <libpq-fe.h>
#include <pqxx/pqxx>

#include "config/config.hpp"

namespace imuse {

// What the tool will try to connect to, for messages and `config show`.
struct DatabaseTarget {
  std::string conninfo;     // as configured ("" = libpq defaults / PG* variables)
  std::string description;  // database "imuse" as user "imuse" on 127.0.0.1:5432
  std::string source;       // where the setting came from
};

// Parses and describes the configured database; throws ConfigError when malformed.
DatabaseTarget database_target(const Config& config);
// Connects; throws ServiceUnavailable naming what was tried and the reason.
std::unique_ptr<pqxx::connection> connect_database(const Config& config, const std::string& application_name);
// A plain libpq connection to the same database, for what libpqxx 6.4 cannot do (results in
// binary format). Same settings, same errors as connect_database.
struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using LibpqConnection = std::unique_ptr<PGconn, PgConnDeleter>;
LibpqConnection connect_libpq(const Config& config, const std::string& application_name);
// The useful part of a libpq error message ("connection refused", "database "x" does not exist").
std::string short_libpq_reason(const std::string& message);

}  // namespace imuse
