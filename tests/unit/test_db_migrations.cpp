#include <catch2/catch.hpp>

#include <set>

#include "db/migrations.hpp"

using namespace imuse;

TEST_CASE("compiled migrations are numbered from 1 without gaps", "[migrations]") {
  const auto& migrations = compiled_migrations();
  REQUIRE_FALSE(migrations.empty());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    CHECK(migrations[i].version == static_cast<int>(i) + 1);
    CHECK_FALSE(migrations[i].sql.empty());
  }
}

TEST_CASE("the first migration creates the tables the tool relies on", "[migrations]") {
  const std::string sql(compiled_migrations().front().sql);
  for (const char* table : {"sites", "families", "students", "accounts", "audit_log", "mail_outbox", "invoices"}) {
    INFO(table);
    CHECK(sql.find(std::string("CREATE TABLE ") + table + " ") != std::string::npos);
  }
}

TEST_CASE("migration checksums are stable and change with the text", "[migrations]") {
  CHECK(migration_checksum("CREATE TABLE a (x int);") == migration_checksum("CREATE TABLE a (x int);"));
  CHECK(migration_checksum("CREATE TABLE a (x int);") != migration_checksum("CREATE TABLE a (x bigint);"));
  CHECK(migration_checksum("").size() == 16);
}
