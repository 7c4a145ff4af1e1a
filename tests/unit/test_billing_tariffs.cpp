#include <catch2/catch.hpp>

#include "billing/tariffs.hpp"
#include "errors.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"

using namespace imuse;

namespace {

// Line numbers below count from 1 in this text.
const std::string kMinimal =
    "school_year: 2026/2027\n"                     // 1
    "sites: [CONS1]\n"                             // 2
    "quotient:\n"                                  // 3
    "  brackets:\n"                                // 4
    "    - {code: A, max: 500}\n"                  // 5
    "    - {code: B}\n"                            // 6
    "  without_quotient: B\n"                      // 7
    "categories:\n"                                // 8
    "  - name: Instrument\n"                       // 9
    "    resident: {A: 150, B: 210.40}\n"          // 10
    "    non_resident: 300\n"                      // 11
    "schedules:\n"                                 // 12
    "  1: [2026-10-15]\n"                          // 13
    "  2: [2026-10-15, 2027-02-15]\n"              // 14
    "  3: [2026-10-15, 2027-01-15, 2027-04-15]\n"  // 15
    "  9: [2026-10-05, 2026-11-05, 2026-12-05, 2027-01-05, 2027-02-05, 2027-03-05, 2027-04-05, "
    "2027-05-05, 2027-06-05]\n";  // 16

Tariffs parse(const std::string& text) {
  return parse_tariffs(YAML::Load(text), "t.yaml");
}

std::string error_of(const std::string& text) {
  return data_error_of([&] { parse(text); });
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("the sample tariff grid parses", "[billing]") {
  const auto t = load_tariffs(std::string(IMUSE_FIXTURES) + "/../../config/samples/tariffs.yaml");
  CHECK(t.school_year == "2026/2027");
  CHECK(t.sites == std::vector<std::string>{"CONS1", "MANTES"});
  REQUIRE(t.brackets.size() == 4);
  CHECK(t.without_quotient == "D");
  CHECK(t.schedules.at(9).size() == 9);
  CHECK(t.schedules.at(3)[1].iso() == "2027-01-15");
  CHECK(t.sibling_rate(1) == 0);
  CHECK(t.sibling_rate(2) == 1000);
  CHECK(t.sibling_rate(5) == 2000);
  CHECK(t.rentals.at("SALLE").per_term == 2550);
  CHECK(t.terms.size() == 3);
  REQUIRE(t.fees.size() == 1);
  CHECK(t.fees[0].amount == 1500);
}

TEST_CASE("brackets: the first whose max is at or above the quotient; none -> without_quotient", "[billing]") {
  const auto t = parse(kMinimal);
  CHECK(t.bracket_of(0) == "A");
  CHECK(t.bracket_of(500) == "A");
  CHECK(t.bracket_of(501) == "B");
  CHECK(t.bracket_of(99999) == "B");
  CHECK(t.bracket_of(std::nullopt) == "B");
}

TEST_CASE("categories match the tariff category, else the department, without case or accents", "[billing]") {
  auto t = parse(replaced(kMinimal, "name: Instrument", "name: Éveil musical"));
  CHECK(t.category_for("eveil MUSICAL", "Danse") != nullptr);
  CHECK(t.category_for("", "Éveil Musical") != nullptr);
  CHECK(t.category_for("Danse", "Éveil musical") == nullptr);  // a category, when set, wins
  CHECK(t.category_for("", "") == nullptr);
  const auto* c = t.category_for("", "Eveil musical");
  REQUIRE(c != nullptr);
  CHECK(c->resident->price("B") == 21040);
  CHECK(c->non_resident->price("A") == 30000);
}

TEST_CASE("residency by postal code or commune", "[billing]") {
  const auto t = parse(kMinimal + "residency:\n  postal_codes: [\"73200\", 1000]\n  communes: [Frontenex]\n");
  CHECK(t.resident_by_address("73200", "Ailleurs"));
  CHECK(t.resident_by_address("01000", ""));  // a postal code whose leading 0 was dropped
  CHECK(t.resident_by_address("73460", "FRONTENEX"));
  CHECK_FALSE(t.resident_by_address("73000", "Chambéry"));
}

TEST_CASE("tariff errors name file:line:column and what was expected", "[billing]") {
  CHECK(error_of(replaced(kMinimal, "quotient:", "quotients:")) ==
        "t.yaml:3:1: unknown key 'quotients' in the tariff grid (did you mean 'quotient'?); expected one of: "
        "school_year, sites, labels, quotient, residency, categories, sibling_discounts, fees, rentals, terms, "
        "schedules");
  CHECK(error_of(replaced(kMinimal, "{A: 150, B: 210.40}", "{A: 150, C: 210.40}")) ==
        "t.yaml:10:24: resident: 'C' is not a bracket (did you mean 'A'?); expected some of: A, B");
  CHECK(error_of(replaced(kMinimal, "B: 210.40", "B: 210.405")) ==
        "t.yaml:10:27: resident.B: expected an amount in euros such as 150 or 210,40, got \"210.405\"");
  CHECK(error_of(replaced(kMinimal, "  2: [2026-10-15, 2027-02-15]", "  2: [2026-10-15]")) ==
        "t.yaml:14:6: schedules.2: expected a list of exactly 2 due dates");
  CHECK(error_of(replaced(kMinimal, "  2: [2026-10-15, 2027-02-15]", "  2: [2027-02-15, 2026-10-15]")) ==
        "t.yaml:14:19: schedules.2: expected dates in increasing order, got 2026-10-15 after 2027-02-15");
  CHECK(error_of(replaced(kMinimal, "    - {code: B}", "    - {code: B, max: 400}")) ==
        "t.yaml:6:22: max: the last bracket takes every quotient above the previous one; leave its max out");
  CHECK(error_of(replaced(kMinimal, "without_quotient: B", "without_quotient: Z")) ==
        "t.yaml:7:21: without_quotient: \"Z\" is not one of the brackets (A, B)");
  CHECK(error_of(replaced(kMinimal, "school_year: 2026/2027", "school_year: 2026")) ==
        "t.yaml:1:14: school_year: expected a school year such as 2026/2027, got \"2026\"");
  CHECK(error_of(replaced(kMinimal, "  9: [", "  4: [")) ==
        "t.yaml:16:3: schedules: unknown schedule '4'; expected 1, 2, 3 (instalments) or 9 (monthly direct debits)");
  CHECK(error_of(kMinimal + "sibling_discounts: {2: 120 %}\n") ==
        "t.yaml:17:24: sibling_discounts.2: expected a percentage from 0 to 100 such as 10 or 12,5 %, got \"120 %\"");
  CHECK(error_of(kMinimal + "rentals:\n  - {code: VIOLON, term: 45}\n") ==
        "t.yaml:18:26: term: a price per term needs the list of terms (terms: [{starts_on, ends_on}, ...])");
  CHECK(error_of(kMinimal + "fees:\n  - {code: dossier, label: Frais, per: family, amount: 15}\n") ==
        "t.yaml:18:12: code: expected capital letters, digits, '_' or '-' (at most 32), got \"dossier\"");
}

TEST_CASE("an unreadable or invalid tariff file is a DataError naming it", "[billing]") {
  TempDir dir;
  CHECK_THROWS_WITH(load_tariffs((dir.path() / "none.yaml").string()),
                    Catch::Contains("cannot read tariff file") && Catch::Contains("none.yaml"));
  const auto bad = dir.write("bad.yaml", "school_year: [2026\n");
  CHECK_THROWS_WITH(load_tariffs(bad), Catch::StartsWith(bad + ":") && Catch::Contains("invalid YAML"));
}
