#include "campaign/status.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "campaign/campaigns.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace imuse {

namespace {

// The per-student categories are disjoint: eligible = reenrolled_* + declined + pending_validation
// + rejected + not_answered, and pending_validation = the three pending_* together.
const std::array<const char*, 11> kCounts = {"eligible",        "reenrolled_administrative", "reenrolled_courses",
                                             "declined",        "pending_administrative",    "pending_courses",
                                             "pending_decline", "pending_validation",        "rejected",
                                             "not_answered",    "documents_missing"};

const char* kNoDepartment = "(sans département)";

struct Counts {
  std::map<std::string, std::int64_t> values;

  Counts() {
    for (const char* key : kCounts) {
      values[key] = 0;
    }
  }
  void add(const std::string& key, std::int64_t n = 1) { values[key] += n; }

  nlohmann::ordered_json json() const {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const char* key : kCounts) {
      j[key] = values.at(key);
    }
    return j;
  }
};

// One eligible student as status sees it.
struct StudentState {
  std::string category;  // one of the per-student keys above
  std::int64_t family_id = 0;
  std::int64_t documents_missing = 0;  // mandatory student-level documents
  std::vector<std::string> departments;
};

void count_student(Counts& counts, const StudentState& s) {
  counts.add("eligible");
  counts.add(s.category);
  if (s.category.rfind("pending_", 0) == 0) {
    counts.add("pending_validation");
  }
  counts.add("documents_missing", s.documents_missing);
}

struct SiteCounts {
  std::string name;
  std::map<std::string, Counts> departments;
  Counts totals;
  std::set<std::int64_t> families;
  std::set<std::int64_t> families_not_answered;
  std::int64_t answers_not_eligible = 0;
};

nlohmann::ordered_json totals_json(const Counts& counts, std::size_t families, std::size_t not_answered,
                                   std::int64_t not_eligible) {
  auto j = counts.json();
  j["families_eligible"] = static_cast<std::int64_t>(families);
  j["families_not_answered"] = static_cast<std::int64_t>(not_answered);
  j["answers_not_eligible"] = not_eligible;
  return j;
}

}  // namespace

nlohmann::ordered_json campaign_status(pqxx::transaction_base& tx, const StatusOptions& options) {
  const StoredCampaign c = find_campaign(tx, options.campaign, options.site);
  if (!options.site.empty() && std::find(c.sites.begin(), c.sites.end(), options.site) == c.sites.end()) {
    throw DataError("campaign " + c.code + " does not cover site " + options.site +
                    " (its sites: " + join(c.sites, ", ") + ")");
  }
  stage_eligible(tx, c);
  stage_owed_documents(tx, c);

  std::map<std::string, SiteCounts> sites;
  for (const auto& r : tx.exec_params("SELECT s.code, s.name FROM campaign_sites cs JOIN sites s ON s.id = cs.site_id "
                                      "WHERE cs.campaign_id = $1 AND ($2 = '' OR s.code = $2)",
                                      c.id, options.site)) {
    sites[r[0].as<std::string>()].name = r[1].as<std::string>();
  }
  const auto students = tx.exec_params(
      "SELECT si.code, e.family_id, "
      "  CASE WHEN r.id IS NULL THEN 'not_answered' WHEN r.state = 'rejected' THEN 'rejected' "
      "       WHEN r.state = 'pending' THEN 'pending_' || r.choice "
      "       WHEN r.choice = 'decline' THEN 'declined' ELSE 'reenrolled_' || r.choice END, "
      "  (SELECT count(*) FROM campaign_owed o WHERE o.student_id = e.student_id AND o.mandatory AND NOT EXISTS ("
      "     SELECT 1 FROM documents d WHERE d.document_type_id = o.document_type_id AND d.family_id = o.family_id "
      "     AND d.student_id = o.student_id AND d.state IN ('transmis', 'valide'))), "
      "  (SELECT array_to_string(array_agg(DISTINCT coalesce(co.department, '')), E'\\x1f') "
      "     FROM enrolments en JOIN courses co ON co.id = en.course_id "
      "     WHERE en.student_id = e.student_id AND en.school_year = $2 AND en.withdrawn_on IS NULL) "
      "FROM campaign_eligible e JOIN sites si ON si.id = e.site_id "
      "LEFT JOIN reenrolment_requests r ON r.campaign_id = $1 AND r.student_id = e.student_id "
      "WHERE ($3 = '' OR si.code = $3)",
      c.id, c.previous_year, options.site);
  for (const auto& r : students) {
    auto& site = sites[r[0].as<std::string>()];
    StudentState s;
    s.family_id = r[1].as<std::int64_t>();
    s.category = r[2].as<std::string>();
    s.documents_missing = r[3].as<std::int64_t>();
    for (auto& d : split(r[4].as<std::string>(), '\x1f')) {
      s.departments.push_back(d.empty() ? kNoDepartment : d);
    }
    count_student(site.totals, s);
    for (const auto& d : s.departments) {
      count_student(site.departments[d], s);
    }
    site.families.insert(s.family_id);
    if (s.category == "not_answered") {
      site.families_not_answered.insert(s.family_id);
    }
  }
  // Family-level documents count in the site's totals only: they belong to no department.
  for (const auto& r : tx.exec_params(
           "SELECT si.code, count(*) FROM campaign_owed o JOIN families f ON f.id = o.family_id "
           "JOIN sites si ON si.id = f.site_id WHERE o.student_id IS NULL AND o.mandatory AND NOT EXISTS ("
           "  SELECT 1 FROM documents d WHERE d.document_type_id = o.document_type_id AND d.family_id = o.family_id "
           "  AND d.student_id IS NULL AND d.state IN ('transmis', 'valide')) "
           "AND ($1 = '' OR si.code = $1) GROUP BY si.code",
           options.site)) {
    sites[r[0].as<std::string>()].totals.add("documents_missing", r[1].as<std::int64_t>());
  }
  for (const auto& r : tx.exec_params(
           "SELECT si.code, count(*) FROM reenrolment_requests r JOIN families f ON f.id = r.family_id "
           "JOIN sites si ON si.id = f.site_id WHERE r.campaign_id = $1 AND ($2 = '' OR si.code = $2) "
           "AND NOT EXISTS (SELECT 1 FROM campaign_eligible e WHERE e.student_id = r.student_id) GROUP BY si.code",
           c.id, options.site)) {
    sites[r[0].as<std::string>()].answers_not_eligible = r[1].as<std::int64_t>();
  }

  const auto dates = tx.exec_params1("SELECT opens_on::text, closes_on::text FROM campaigns WHERE id = $1", c.id);
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["campaign"] = {{"code", c.code},
                     {"label", c.label.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.label)},
                     {"school_year", c.school_year},
                     {"previous_year", c.previous_year},
                     {"state", c.state},
                     {"opens_on", dates[0].as<std::string>()},
                     {"closes_on", dates[1].as<std::string>()},
                     {"sites", c.sites}};
  out["sites"] = nlohmann::ordered_json::array();
  Counts grand;
  std::set<std::int64_t> families;
  std::set<std::int64_t> not_answered;
  std::int64_t not_eligible = 0;
  for (const auto& [code, site] : sites) {
    nlohmann::ordered_json s = nlohmann::ordered_json::object();
    s["code"] = code;
    s["name"] = site.name;
    s["departments"] = nlohmann::ordered_json::array();
    for (const auto& [name, counts] : site.departments) {
      auto d = nlohmann::ordered_json::object();
      d["name"] = name;
      d.update(counts.json());
      s["departments"].push_back(std::move(d));
    }
    s["totals"] =
        totals_json(site.totals, site.families.size(), site.families_not_answered.size(), site.answers_not_eligible);
    out["sites"].push_back(std::move(s));
    for (const char* key : kCounts) {
      grand.add(key, site.totals.values.at(key));
    }
    families.insert(site.families.begin(), site.families.end());
    not_answered.insert(site.families_not_answered.begin(), site.families_not_answered.end());
    not_eligible += site.answers_not_eligible;
  }
  out["totals"] = totals_json(grand, families.size(), not_answered.size(), not_eligible);
  return out;
}

void status_report(const nlohmann::ordered_json& status, Report& report) {
  const std::vector<std::string> shown = {"eligible",     "reenrolled_administrative", "reenrolled_courses",
                                          "declined",     "pending_validation",        "rejected",
                                          "not_answered", "documents_missing"};
  Table table;
  table.columns = {"site", "department"};
  table.columns.insert(table.columns.end(), shown.begin(), shown.end());
  auto row = [&](const std::string& site, const std::string& department, const nlohmann::ordered_json& counts) {
    std::vector<Cell> cells = {site, department};
    for (const auto& key : shown) {
      cells.emplace_back(counts.at(key).get<std::int64_t>());
    }
    table.rows.push_back(std::move(cells));
  };
  for (const auto& site : status["sites"]) {
    for (const auto& d : site["departments"]) {
      row(site["code"].get<std::string>(), d["name"].get<std::string>(), d);
    }
    row(site["code"].get<std::string>(), "(total)", site["totals"]);
  }
  row("TOTAL", "", status["totals"]);
  const auto& c = status["campaign"];
  report.messages.push_back("campaign " + c["code"].get<std::string>() + " (" + c["school_year"].get<std::string>() +
                            ", " + c["state"].get<std::string>() + "): students enrolled in " +
                            c["previous_year"].get<std::string>() +
                            "; a student in several departments counts in each, once in the totals");
  const auto& t = status["totals"];
  for (const char* key :
       {"eligible", "pending_validation", "not_answered", "families_not_answered", "documents_missing"}) {
    report.add(key, t.at(key).get<std::int64_t>());
  }
  report.table = std::move(table);
}

}  // namespace imuse
