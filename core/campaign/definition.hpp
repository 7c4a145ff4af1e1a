#pragma once
// A re-enrolment campaign as the office describes it in YAML (config/samples/campaign.yaml):
// target year, sites, dates, portal steps, internal rules, authorisations, documents to provide
// and their conditions. Parsing checks everything that needs no database.
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "util/french.hpp"

namespace imuse {

// Which students a document type concerns. Every list that is given must match (AND); within a
// list one entry is enough (OR). Names are compared without case, accents or punctuation; the
// *_matching lists match a part of the course name ("Éveil" matches "Éveil danse").
struct DocumentCondition {
  std::vector<std::string> departments;              // a course of one of these departments
  std::vector<std::string> courses_matching;         // a course whose name contains one of these
  std::vector<std::string> except_courses_matching;  // ... and whose name contains none of these
  std::vector<std::string> sites;                    // ... at one of these sites

  // True when no list is given: the document concerns everybody.
  bool empty() const {
    return departments.empty() && courses_matching.empty() && except_courses_matching.empty() && sites.empty();
  }
};

// A course as a condition looks at it.
struct CourseFacts {
  std::string site_code;
  std::string department;  // "" when the course has none
  std::string name;
};

// True when `course` qualifies a student for a document with this condition.
bool condition_matches(const DocumentCondition& condition, const CourseFacts& course);

struct DocumentSpec {
  std::string code;   // ^[a-z0-9][a-z0-9_-]{0,63}$, unique in the campaign
  std::string label;  // as families read it in the portal
  std::string level;  // "family" or "student"
  bool mandatory = false;
  DocumentCondition condition;
  std::string where;              // "file:line:column" of the entry, for errors found later
  std::string departments_where;  // ... of its condition's departments list
};

// A question of the portal's Autorisations step (image rights...).
struct AuthorisationSpec {
  std::string code;
  std::string label;
};

struct CampaignDefinition {
  std::string file;  // where it was read from
  std::string code;
  std::string label;
  std::string school_year;  // the target year, "2027/2028"
  std::vector<std::string> sites;
  std::vector<std::string> site_where;  // "file:line:column" of each site
  Date opens_on;
  Date closes_on;
  std::vector<std::string> steps;  // in portal order
  std::string rules_text;
  std::string rules_url;
  std::vector<AuthorisationSpec> authorisations;
  std::vector<DocumentSpec> documents;
  int reminder_min_days = 7;  // default of `campaign remind --min-days`
};

// The six portal steps, in their order.
const std::vector<std::string>& campaign_steps();

// Parses and checks `root` read from `file`; DataError "file:line:column: what was expected"
// at the first problem (unknown keys included).
CampaignDefinition parse_campaign_definition(const YAML::Node& root, const std::string& file);
// Loads and parses a campaign YAML file (DataError as above, or when it cannot be read).
CampaignDefinition load_campaign_definition(const std::string& file);

// The normalised definition stored in campaigns.definition: the same campaign written with other
// comments, spellings of dates or key order gives the same JSON.
nlohmann::ordered_json definition_json(const CampaignDefinition& definition);
// A condition as stored in document_types.condition (null when it is empty).
nlohmann::ordered_json condition_json(const DocumentCondition& condition);
// The condition of a stored document_types.condition (null or an object written by condition_json).
DocumentCondition condition_from_json(const nlohmann::json& json);

// The school year before `year` ("2027/2028" -> "2026/2027"): the one whose students re-enrol.
std::string previous_school_year(const std::string& year);

}  // namespace imuse
