#include <catch2/catch.hpp>

#include "sites/sites.hpp"

using namespace imuse;

TEST_CASE("site codes are upper-cased and checked", "[sites]") {
  CHECK(normalize_site_code(" cons1 ") == std::optional<std::string>("CONS1"));
  CHECK(normalize_site_code("ECOLE_ARLYSERE-2") == std::optional<std::string>("ECOLE_ARLYSERE-2"));
  CHECK_FALSE(normalize_site_code(""));
  CHECK_FALSE(normalize_site_code("-X"));
  CHECK_FALSE(normalize_site_code("a b"));
  CHECK_FALSE(normalize_site_code(std::string(33, 'A')));
}

TEST_CASE("a site needs a name and an http(s) portal URL", "[sites]") {
  CHECK(site_problem(Site{"CONS1", "Conservatoire 1", "https://x.fr/portail"}).empty());
  CHECK(site_problem(Site{"CONS1", " ", "https://x.fr/"}) == "name: expected a non-empty name");
  CHECK(site_problem(Site{"CONS1", "C", "x.fr"}) == "portal_url \"x.fr\": expected an http:// or https:// URL");
  CHECK_THAT(site_problem(Site{"bad code", "C", "https://x.fr/"}), Catch::StartsWith("code \"bad code\""));
}
