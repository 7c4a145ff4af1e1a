#pragma once
// Numbered SQL migrations compiled into the binary, applied by `db migrate`.
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// The migrations in this binary, by increasing version (generated at build time).
const std::vector<Migration>& compiled_migrations();
// A stable fingerprint of a migration's text (detects edits of applied migrations).
std::string migration_checksum(std::string_view sql);

struct MigrationState {
  int version = 0;
  std::string name;
  std::string state;  // applied, pending, modified (applied text differs), unknown (newer binary)
  std::string applied_at;
  std::string applied_by;
};

// Applied and pending migrations; works on an empty database.
std::vector<MigrationState> migration_status(pqxx::transaction_base& tx);
// Applies the pending migrations in `tx` (the caller holds the migrate lock); returns how many.
int apply_migrations(pqxx::transaction_base& tx, const std::string& actor, Progress& progress, Report& report);
// Throws ServiceUnavailable when the database is not at this binary's schema version.
void require_current_schema(pqxx::transaction_base& tx, const std::string& database);

}  // namespace imuse
