#include "db/migrations.hpp"

#include <cstdint>
#include <cstdio>
#include <map>

#include "util/error.hpp"
#include "util/interrupt.hpp"

namespace imuse {

namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "  version integer PRIMARY KEY,"
    "  name text NOT NULL,"
    "  checksum text NOT NULL,"
    "  applied_at timestamptz NOT NULL DEFAULT now(),"
    "  applied_by text NOT NULL)";

bool table_exists(pqxx::transaction_base& tx) {
  return !tx.exec1("SELECT to_regclass('schema_migrations') IS NULL")[0].as<bool>();
}

struct Applied {
  std::string name;
  std::string checksum;
  std::string applied_at;
  std::string applied_by;
};

std::map<int, Applied> applied_migrations(pqxx::transaction_base& tx) {
  std::map<int, Applied> applied;
  if (!table_exists(tx)) {
    return applied;
  }
  for (const auto& row : tx.exec(
           "SELECT version, name, checksum, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS'), applied_by "
           "FROM schema_migrations ORDER BY version")) {
    applied[row[0].as<int>()] = Applied{row[1].as<std::string>(), row[2].as<std::string>(),
                                        row[3].as<std::string>(), row[4].as<std::string>()};
  }
  return applied;
}

std::string version_text(int version) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d", version);
  return buf;
}

}  // namespace

std::string migration_checksum(std::string_view sql) {
  // FNV-1a, 64 bits: enough to notice that an applied migration was edited.
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : sql) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

std::vector<MigrationState> migration_status(pqxx::transaction_base& tx) {
  auto applied = applied_migrations(tx);
  std::vector<MigrationState> states;
  for (const auto& m : compiled_migrations()) {
    MigrationState s{m.version, std::string(m.name), "pending", "", ""};
    if (auto it = applied.find(m.version); it != applied.end()) {
      s.state = it->second.checksum == migration_checksum(m.sql) ? "applied" : "modified";
      s.applied_at = it->second.applied_at;
      s.applied_by = it->second.applied_by;
      applied.erase(it);
    }
    states.push_back(std::move(s));
  }
  for (const auto& [version, a] : applied) {
    states.push_back(MigrationState{version, a.name, "unknown", a.applied_at, a.applied_by});
  }
  return states;
}

int apply_migrations(pqxx::transaction_base& tx, const std::string& actor, Progress& progress, Report& report) {
  tx.exec0(kCreateTable);
  const auto states = migration_status(tx);
  std::vector<const Migration*> pending;
  for (const auto& s : states) {
    if (s.state == "modified") {
      throw ConfigError("migration " + version_text(s.version) + "_" + s.name +
                        " was applied to this database with a different text than this binary's: "
                        "the binary and the database do not belong together");
    }
    if (s.state == "unknown") {
      throw ConfigError("this database has migration " + version_text(s.version) + "_" + s.name +
                        ", which this binary does not know: use a newer imuse-admin");
    }
  }
  for (const auto& m : compiled_migrations()) {
    for (const auto& s : states) {
      if (s.version == m.version && s.state == "pending") {
        pending.push_back(&m);
      }
    }
  }
  progress.start("migrating", pending.size());
  for (const Migration* m : pending) {
    check_interrupted();
    tx.exec0(std::string(m->sql));
    tx.exec_params0("INSERT INTO schema_migrations (version, name, checksum, applied_by) VALUES ($1, $2, $3, $4)",
                    m->version, std::string(m->name), migration_checksum(m->sql), actor);
    report.messages.push_back("applied " + version_text(m->version) + "_" + std::string(m->name));
    progress.advance();
  }
  progress.finish();
  report.add("applied", static_cast<std::int64_t>(pending.size()));
  report.add("already_applied", static_cast<std::int64_t>(states.size() - pending.size()));
  if (pending.empty()) {
    report.messages.emplace_back("the database schema is up to date");
  }
  return static_cast<int>(pending.size());
}

void require_current_schema(pqxx::transaction_base& tx, const std::string& database) {
  int pending = 0;
  for (const auto& s : migration_status(tx)) {
    if (s.state == "pending") {
      ++pending;
    } else if (s.state == "unknown") {
      throw ConfigError(database + " has migration " + version_text(s.version) +
                               ", which this binary does not know: use a newer imuse-admin");
    } else if (s.state == "modified") {
      throw ConfigError(database + ": migration " + version_text(s.version) +
                        " differs from this binary's; the binary and the database do not belong together");
    }
  }
  if (pending > 0) {
    throw ServiceUnavailable(database + " is not migrated (" + std::to_string(pending) +
                             " pending migration" + (pending > 1 ? "s" : "") +
                             "); run 'imuse-admin db migrate' first");
  }
}

}  // namespace imuse
