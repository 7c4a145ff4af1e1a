#include <catch2/catch.hpp>

#include "campaign/definition.hpp"
#include "errors.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"

using namespace imuse;

namespace {

const std::string kMinimal =
    "code: R2027\n"
    "school_year: 2027/2028\n"
    "sites: [CONS1, mantes]\n"
    "opens_on: 2027-04-01\n"
    "closes_on: 31/05/2027\n"
    "rules: {url: https://example.fr/reglement.pdf}\n";

CampaignDefinition parse(const std::string& text) {
  return parse_campaign_definition(YAML::Load(text), "c.yaml");
}

// The DataError message of parsing `text`, or "" when it parses.
std::string error_of(const std::string& text) {
  return data_error_of([&] { parse(text); });
}

}  // namespace

TEST_CASE("the sample campaign parses with its documents and conditions", "[campaign]") {
  const auto d = load_campaign_definition(std::string(IMUSE_FIXTURES) + "/../../config/samples/campaign.yaml");
  CHECK(d.code == "REINSCRIPTIONS-2027");
  CHECK(d.school_year == "2027/2028");
  CHECK(d.sites == std::vector<std::string>{"CONS1", "MANTES"});
  CHECK(d.opens_on.iso() == "2027-04-01");
  CHECK(d.steps.size() == 6);
  REQUIRE(d.documents.size() == 4);
  CHECK(d.documents[2].code == "certificat-medical");
  CHECK(d.documents[2].level == "student");
  CHECK(d.documents[2].mandatory);
  CHECK(d.documents[2].condition.departments == std::vector<std::string>{"Danse"});
  CHECK(d.documents[3].mandatory == false);
  CHECK(d.authorisations.size() == 2);
  CHECK(previous_school_year(d.school_year) == "2026/2027");
}

TEST_CASE("a minimal campaign gets every step and normalised values", "[campaign]") {
  const auto d = parse(kMinimal);
  CHECK(d.sites == std::vector<std::string>{"CONS1", "MANTES"});
  CHECK(d.closes_on.iso() == "2027-05-31");
  CHECK(d.steps.front() == "contact_details");
  CHECK(d.steps.back() == "finalisation");
  CHECK(d.reminder_min_days == 7);
}

TEST_CASE("the stored definition does not depend on spelling or key order", "[campaign]") {
  const auto a = parse(kMinimal);
  const auto b = parse(
      "rules: {url: https://example.fr/reglement.pdf}\n"
      "closes_on: 2027-05-31\n"
      "opens_on: 01/04/2027\n"
      "sites: [cons1, MANTES]\n"
      "school_year: 2027-28\n"
      "code: R2027\n"
      "steps: [finalisation, summary, courses, documents, authorisations, contact_details]\n");
  CHECK(definition_json(a).dump() == definition_json(b).dump());
  CHECK(definition_json(a)["opens_on"] == "2027-04-01");
}

TEST_CASE("errors give file, line and column and what was expected", "[campaign]") {
  CHECK(error_of(kMinimal + "colour: blue\n") ==
        "c.yaml:7:1: unknown key 'colour' in the campaign; expected one of: code, label, school_year, sites, "
        "opens_on, closes_on, steps, rules, authorisations, documents, notifications");
  CHECK_THAT(error_of(kMinimal + "document: []\n"), Catch::Contains("(did you mean 'documents'?)"));
  CHECK_THAT(error_of("school_year: 2027/2028\n"), Catch::StartsWith("c.yaml:1:1: missing 'code'"));
  CHECK_THAT(error_of("code: R\nschool_year: 2027\n"),
             Catch::StartsWith("c.yaml:2:14: school_year: expected the target school year such as 2027/2028"));
  CHECK_THAT(error_of(kMinimal + "steps: [courses, paiement]\n"),
             Catch::StartsWith("c.yaml:7:8: steps: unknown step 'paiement'"));
  CHECK_THAT(error_of("code: R\nschool_year: 2027/2028\nsites: [CONS1]\nopens_on: 2027-05-01\ncloses_on: 2027-04-01\n"),
             Catch::StartsWith("c.yaml:5:12: closes_on: expected a date on or after opens_on (2027-05-01)"));
  CHECK_THAT(error_of("code: R\nschool_year: 2027/2028\nsites: [CONS1]\nopens_on: 2029-04-01\ncloses_on: 2029-05-01\n"),
             Catch::Contains("is far from the school year 2027/2028"));
  CHECK_THAT(error_of("code: R\nschool_year: 2027/2028\nsites: [CONS1]\nopens_on: 2027-04-01\ncloses_on: 2027-05-01\n"),
             Catch::Contains("missing 'rules'"));
  CHECK_THAT(error_of("code: R\nschool_year: 2027/2028\nsites: [CONS1, CONS1]\n"),
             Catch::StartsWith("c.yaml:3:16: sites: CONS1 is listed twice"));
  CHECK_THAT(error_of("code: 'a b'\n"), Catch::StartsWith("c.yaml:1:7: code: expected letters, digits"));
}

TEST_CASE("documents are checked: code, level, mandatory, condition keys", "[campaign]") {
  const std::string head = kMinimal + "documents:\n";
  CHECK_THAT(error_of(head + "  - {code: Certif, label: C, level: student}\n"),
             Catch::StartsWith("c.yaml:8:12: code: expected lower-case letters"));
  CHECK_THAT(error_of(head + "  - {code: c, label: C, level: eleve}\n"),
             Catch::StartsWith("c.yaml:8:32: level: expected family (one per family) or student"));
  CHECK_THAT(error_of(head + "  - {code: c, label: C, level: student, mandatory: peut-etre}\n"),
             Catch::Contains("mandatory: expected true or false"));
  CHECK_THAT(error_of(head + "  - {code: c, label: C, level: student}\n  - {code: c, label: D, level: family}\n"),
             Catch::StartsWith("c.yaml:9:12: code: document 'c' is listed twice"));
  CHECK_THAT(error_of(head + "  - {code: c, label: C, level: student, condition: {department: [Danse]}}\n"),
             Catch::Contains("unknown key 'department' in the condition (did you mean 'departments'?)"));
  CHECK_THAT(error_of(head + "  - {code: c, label: C, level: student, condition: {sites: [ARLYSERE]}}\n"),
             Catch::Contains("\"ARLYSERE\" is not one of the campaign's sites (CONS1, MANTES)"));
  CHECK_THAT(error_of(head + "  - {code: c, label: C, level: student, condition: {}}\n"),
             Catch::Contains("condition: expected at least one of"));
  CHECK_THAT(error_of(head + "  - {code: c, label: C, level: student, condition: {departments: []}}\n"),
             Catch::Contains("departments: expected a non-empty list such as [Danse]"));
  const auto d =
      parse(head + "  - {code: c, label: C, level: student, mandatory: oui, condition: {departments: Danse}}\n");
  CHECK(d.documents[0].mandatory);
  CHECK(d.documents[0].condition.departments == std::vector<std::string>{"Danse"});
  CHECK(d.documents[0].departments_where == "c.yaml:8:82");
}

TEST_CASE("conditions: department, except and only course names, sites", "[campaign]") {
  DocumentCondition dance;
  dance.departments = {"Danse"};
  dance.except_courses_matching = {"Éveil", "Initiation"};
  CHECK(condition_matches(dance, {"CONS1", "Danse", "Danse classique 1C2"}));
  CHECK(condition_matches(dance, {"CONS1", "DANSE", "Danse contemporaine"}));
  CHECK_FALSE(condition_matches(dance, {"CONS1", "Danse", "Eveil danse"}));
  CHECK_FALSE(condition_matches(dance, {"CONS1", "Danse", "Initiation-danse 4 ans"}));
  CHECK_FALSE(condition_matches(dance, {"CONS1", "Formation Musicale", "FM 1C1 A"}));
  CHECK_FALSE(condition_matches(dance, {"CONS1", "", "Danse libre"}));
  // Whole words: "Eveillé" is not "Éveil".
  CHECK(condition_matches(dance, {"CONS1", "Danse", "Danse éveillée"}));

  DocumentCondition cardio;
  cardio.courses_matching = {"cardio"};
  cardio.sites = {"MANTES"};
  CHECK(condition_matches(cardio, {"MANTES", "Pratiques collectives", "Cardio-danse adultes"}));
  CHECK_FALSE(condition_matches(cardio, {"CONS1", "Pratiques collectives", "Cardio-danse adultes"}));
  CHECK(condition_matches(DocumentCondition{}, {"CONS1", "", "Tout cours"}));
}

TEST_CASE("conditions survive their JSON form", "[campaign]") {
  DocumentCondition c;
  c.departments = {"Danse"};
  c.except_courses_matching = {"Éveil"};
  const auto json = condition_json(c);
  CHECK(json.dump() == R"({"departments":["Danse"],"except_courses_matching":["Éveil"]})");
  const auto back = condition_from_json(nlohmann::json::parse(json.dump()));
  CHECK(back.departments == c.departments);
  CHECK(back.except_courses_matching == c.except_courses_matching);
  CHECK(condition_json(DocumentCondition{}).is_null());
  CHECK(condition_from_json(nullptr).empty());
}

TEST_CASE("a missing or broken campaign file is a data error with its position", "[campaign]") {
  TempDir dir;
  CHECK_THROWS_AS(load_campaign_definition((dir.path() / "none.yaml").string()), DataError);
  const auto bad = dir.write("bad.yaml", "code: [unclosed\n");
  CHECK_THROWS_WITH(load_campaign_definition(bad), Catch::StartsWith(bad + ":"));
}
