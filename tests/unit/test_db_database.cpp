#include <catch2/catch.hpp>

#include "db/database.hpp"
#include "util/error.hpp"

using namespace imuse;

namespace {
Config with_url(const std::string& url) {
  ConfigInputs in;
  in.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  in.search_path = {"/nonexistent.yaml"};
  in.database_url = url;
  return load_config(in);
}
}  // namespace

TEST_CASE("libpq messages are cut down to their reason", "[db]") {
  CHECK(short_libpq_reason("connection to server at \"127.0.0.1\", port 5999 failed: Connection refused\n"
                           "\tIs the server running on that host and accepting TCP/IP connections?\n") ==
        "connection refused");
  CHECK(short_libpq_reason("connection to server on socket \"/tmp/.s.PGSQL.1\" failed: FATAL:  database \"nope\" "
                           "does not exist\n") == "database \"nope\" does not exist");
  CHECK(short_libpq_reason("could not translate host name \"db.invalid\" to address: Name or service not known\n") ==
        "could not translate host name \"db.invalid\" to address: Name or service not known");
  CHECK(short_libpq_reason("") == "unknown error");
}

TEST_CASE("the database target names database, user, host and source", "[db]") {
  const auto t = database_target(with_url("postgresql://imuse@127.0.0.1:5999/school"));
  CHECK(t.description == "database \"school\" as user \"imuse\" on 127.0.0.1:5999");
  CHECK(t.source == "database.url from command line --database");
  const auto s = database_target(with_url("host=/run/pg port=5433 dbname=x user=u"));
  CHECK(s.description == "database \"x\" as user \"u\" through the socket in /run/pg (port 5433)");
}

TEST_CASE("a malformed database URL is a configuration error", "[db]") {
  CHECK_THROWS_AS(database_target(with_url("postgresql://[::1")), ConfigError);
  CHECK_THROWS_AS(database_target(with_url("host=x bogus=1")), ConfigError);
}
