#include <catch2/catch.hpp>

#include "util/report.hpp"

using namespace imuse;

TEST_CASE("counters keep their first-use order and accumulate", "[report]") {
  Report r;
  r.add("created", 0);
  r.add("unchanged");
  r.add("created", 2);
  REQUIRE(r.counts.size() == 2);
  CHECK(r.counts[0].first == "created");
  CHECK(r.count("created") == 2);
  CHECK(r.count("unchanged") == 1);
  CHECK(r.count("absent") == 0);
}

TEST_CASE("a report with rejected items exits 1, or its own status", "[report]") {
  Report r;
  CHECK(r.exit_code() == 0);
  r.rejected.push_back({"f.yaml:3:5", "bad"});
  CHECK(r.exit_code() == 1);
  r.status_if_rejected = 78;
  CHECK(r.exit_code() == 78);
}

TEST_CASE("cells render as text", "[report]") {
  CHECK(cell_text(Cell{}).empty());
  CHECK(cell_text(Cell{std::int64_t{42}}) == "42");
  CHECK(cell_text(Cell{true}) == "yes");
  CHECK(cell_text(Cell{std::string("é")}) == "é");
}
