#include "campaign/responses.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "campaign/campaigns.hpp"
#include "db/cursor.hpp"
#include "import/course_catalogue.hpp"
#include "import/flat_export.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/french.hpp"
#include "util/text.hpp"

namespace imuse {

namespace {

enum Field : std::size_t {
  kSite,
  kRef,
  kStudentId,
  kLastName,
  kFirstName,
  kBirthDate,
  kChoice,
  kCourses,
  kWishes,
  kRules,
  kSource,
  kSubmitted,
  kState
};

// Source, submitted and state are written by the export for the office and ignored on import.
const std::vector<ColumnSpec> kColumns = {
    {"site", "Site", false},
    {"external_ref", "Réf famille", false},
    {"student_id", "Élève id", false, "Id élève"},
    {"student_last_name", "Élève nom", false, "Nom"},
    {"student_first_name", "Élève prénom", false, "Prénom"},
    {"birth_date", "Date de naissance", false},
    {"choice", "Choix", true},
    {"courses", "Cours", false, "Disciplines"},
    {"wishes", "Souhaits", false, "Informations complémentaires"},
    {"rules_accepted_on", "Règlement accepté le", false, "Règlement accepté"},
    {"source", "Source", false},
    {"submitted_at", "Soumis le", false},
    {"state", "État", false},
};

// The choice as the database stores it, from the export's labels or usual spellings.
std::optional<std::string> parse_choice(const std::string& text) {
  const std::string f = fold_text(text);
  static const std::map<std::string, std::string> known = {
      {"administrative", "administrative"},
      {"reinscription administrative", "administrative"},
      {"admin", "administrative"},
      {"courses", "courses"},
      {"cours", "courses"},
      {"disciplines", "courses"},
      {"cursus", "courses"},
      {"cursus disciplines", "courses"},
      {"decline", "decline"},
      {"ne se reinscrit pas", "decline"},
      {"je ne souhaite pas reinscrire", "decline"},
      {"non reinscription", "decline"},
  };
  const auto it = known.find(f);
  return it == known.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::string choice_label(const std::string& choice) {
  if (choice == "administrative") {
    return "Réinscription administrative";
  }
  return choice == "courses" ? "Cours" : "Ne se réinscrit pas";
}

std::string state_label(const std::string& state) {
  if (state == "pending") {
    return "en attente de validation";
  }
  return state == "approved" ? "validée" : "refusée";
}

class ResponsesImport : public FlatImport {
 public:
  ResponsesImport(pqxx::transaction_base& tx, const FlatImportOptions& options, StoredCampaign campaign,
                  Progress& progress, Report& report)
      : FlatImport(tx, options, "responses", kColumns, progress, report), campaign_(std::move(campaign)) {}

  void run() {
    prepare();
    catalogue_.emplace(tx_);
    for (const char* name : {"created", "updated", "unchanged"}) {
      report_.add(name, 0);
    }
    tx_.exec0(
        "CREATE TEMP TABLE import_responses (pos bigint, site_id int, external_ref text, s_key text, "
        "first_name text, birth_date date, student_id bigint, choice text, course_ids bigint[], wishes text, "
        "rules_date date, rules_yes boolean) ON COMMIT DROP");
    {
      CopyWriter copy(tx_, "import_responses",
                      {"pos", "site_id", "external_ref", "s_key", "first_name", "birth_date", "student_id", "choice",
                       "course_ids", "wishes", "rules_date", "rules_yes"});
      read_files(copy);
      copy.complete();
    }
    stage_eligible(tx_, campaign_);
    find_students();
    compare();
    fail_if_rejected_and_aborting();
    merge();
    write_rejects();
  }

 private:
  void stage(FlatRow& row, CopyWriter& copy) override {
    const auto& cells = row.cells;
    const auto site = site_of(row, kSite);
    std::optional<long long> student_id;
    std::optional<Date> birth;
    if (!cells[kStudentId].empty()) {
      const auto& v = cells[kStudentId];
      if (v.size() > 18 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        row.problem(kStudentId, "expected the student's number as 'export-responses' writes it, got " + quoted(v));
      } else {
        student_id = std::stoll(v);
      }
    } else {
      const char* why = "give the student's id, or the family's reference with the student's first name and birth date";
      if (cells[kRef].empty()) {
        row.problem(kRef, std::string("missing: ") + why);
      }
      if (cells[kFirstName].empty()) {
        row.problem(kFirstName, std::string("missing: ") + why);
      }
      if (cells[kBirthDate].empty()) {
        row.problem(kBirthDate, std::string("missing: ") + why);
      }
    }
    if (!cells[kBirthDate].empty()) {
      birth = parse_date(cells[kBirthDate]);
      if (!birth) {
        row.problem(kBirthDate, "expected a date such as 25/12/2015 (dd/mm/yyyy), got " + quoted(cells[kBirthDate]));
      }
    }
    const auto choice = parse_choice(cells[kChoice]);
    if (!choice) {
      row.problem(kChoice,
                  "expected \"Réinscription administrative\", \"Cours\" or \"Ne se réinscrit pas\" "
                  "(or administrative, courses, decline), got " +
                      quoted(cells[kChoice]));
    }
    std::vector<long long> courses;
    if (!cells[kCourses].empty() && site) {
      for (const auto& part : split(cells[kCourses], ',')) {
        const std::string name = trim(part);
        if (name.empty()) {
          continue;
        }
        const auto lookup = catalogue_->find(*site, site_codes().at(*site), name);
        if (!lookup.id) {
          row.problem(kCourses, lookup.problem);
        } else {
          courses.push_back(*lookup.id);
        }
      }
    }
    if (choice == std::optional<std::string>("courses") && courses.empty() && row.issues.empty()) {
      row.problem(kCourses, "missing: the choice \"Cours\" needs the courses, separated by commas");
    }
    if (choice && *choice != "courses" && !courses.empty()) {
      row.problem(kCourses, "courses are given only with the choice \"Cours\" (here: " + quoted(cells[kChoice]) + ")");
    }
    std::optional<Date> rules;
    bool rules_yes = false;
    const std::string r = fold_text(cells[kRules]);
    if (r == "oui" || r == "yes" || r == "x" || r == "true") {
      rules_yes = true;
    } else if (!r.empty() && r != "non" && r != "no" && r != "false") {
      rules = parse_date(cells[kRules]);
      if (!rules) {
        row.problem(kRules,
                    "expected the date the rules were accepted (dd/mm/yyyy), oui or non, got " + quoted(cells[kRules]));
      }
    }
    if (!row.issues.empty()) {
      return;
    }
    std::sort(courses.begin(), courses.end());
    courses.erase(std::unique(courses.begin(), courses.end()), courses.end());
    std::string ids = "{";
    for (std::size_t i = 0; i < courses.size(); ++i) {
      ids += (i ? "," : "") + std::to_string(courses[i]);
    }
    copy.field(std::to_string(row.pos()));
    copy.field(std::to_string(*site));
    copy.field(cells[kRef].empty() ? std::optional<std::string>() : std::optional<std::string>(cells[kRef]));
    copy.field(birth ? fold_key(cells[kFirstName]) + "|" + birth->iso() : std::string());
    copy.field(cells[kFirstName]);
    copy.field(birth ? std::optional<std::string>(birth->iso()) : std::nullopt);
    copy.field(student_id ? std::optional<std::string>(std::to_string(*student_id)) : std::nullopt);
    copy.field(*choice);
    copy.field(ids + "}");
    copy.field(cells[kWishes].empty() ? std::optional<std::string>() : std::optional<std::string>(cells[kWishes]));
    copy.field(rules ? std::optional<std::string>(rules->iso()) : std::nullopt);
    copy.field(rules_yes ? "t" : "f");
    copy.end_row();
  }

  // Rejects each row at most once, with the first problem found.
  void reject_once(long long pos, std::size_t field, const std::string& message) {
    if (rejected_.insert(pos).second) {
      reject(pos, field, message);
    }
  }

  void find_students() {
    tx_.exec0(
        "CREATE TEMP TABLE import_responses_found ON COMMIT DROP AS "
        "SELECT i.*, f.id AS ref_family_id, "
        "  CASE WHEN i.student_id IS NOT NULL THEN (SELECT s.id FROM students s WHERE s.id = i.student_id) "
        "  ELSE coalesce((SELECT min(s.id) FROM students s WHERE s.family_id = f.id AND s.match_key = i.s_key), "
        "                (SELECT min(s.id) FROM students s WHERE s.family_id = f.id AND s.match_key IS NULL "
        "                   AND lower(s.first_name) = lower(i.first_name) AND s.birth_date = i.birth_date)) "
        "  END AS sid, NULL::bigint AS family_id, NULL::bigint AS request_id, NULL::text AS outcome "
        "FROM import_responses i LEFT JOIN families f ON f.site_id = i.site_id AND f.external_ref = i.external_ref");
    tx_.exec0("UPDATE import_responses_found i SET family_id = s.family_id FROM students s WHERE s.id = i.sid");
    for (const auto& r : tx_.exec(
             "SELECT i.pos, i.external_ref, st.code FROM import_responses_found i JOIN sites st ON st.id = i.site_id "
             "WHERE i.external_ref IS NOT NULL AND i.ref_family_id IS NULL ORDER BY i.pos")) {
      reject_once(r[0].as<long long>(), kRef,
                  "no family with reference \"" + r[1].as<std::string>() + "\" on site " + r[2].as<std::string>() +
                      " (see 'imuse-admin families list')");
    }
    for (const auto& r : tx_.exec("SELECT i.pos, i.student_id, coalesce(i.external_ref, ''), i.first_name, "
                                  "       to_char(i.birth_date, 'DD/MM/YYYY') FROM import_responses_found i "
                                  "WHERE i.sid IS NULL ORDER BY i.pos")) {
      if (!r[1].is_null()) {
        reject_once(r[0].as<long long>(), kStudentId, "no student with id " + r[1].as<std::string>());
      } else {
        reject_once(r[0].as<long long>(), kFirstName,
                    "family " + r[2].as<std::string>() + " has no student " + r[3].as<std::string>() + " born " +
                        (r[4].is_null() ? std::string("?") : r[4].as<std::string>()));
      }
    }
    for (const auto& r :
         tx_.exec("SELECT i.pos, i.sid, i.external_ref FROM import_responses_found i "
                  "WHERE i.sid IS NOT NULL AND i.ref_family_id IS NOT NULL AND i.ref_family_id <> i.family_id "
                  "ORDER BY i.pos")) {
      reject_once(r[0].as<long long>(), kStudentId,
                  "student " + r[1].as<std::string>() + " is not in family " + r[2].as<std::string>());
    }
    for (const auto& r : tx_.exec("SELECT i.pos, s.first_name || ' ' || s.last_name FROM import_responses_found i "
                                  "JOIN students s ON s.id = i.sid WHERE NOT EXISTS ("
                                  "  SELECT 1 FROM campaign_eligible e WHERE e.student_id = i.sid) ORDER BY i.pos")) {
      reject_once(r[0].as<long long>(), kFirstName,
                  r[1].as<std::string>() + " is not enrolled in " + campaign_.previous_year + " on " +
                      join(campaign_.sites, ", ") + ": not concerned by campaign " + campaign_.code);
    }
    for (const auto& r :
         tx_.exec("SELECT i.pos, (SELECT min(j.pos) FROM import_responses_found j WHERE j.sid = i.sid) "
                  "FROM import_responses_found i WHERE i.sid IS NOT NULL AND i.pos > "
                  "  (SELECT min(j.pos) FROM import_responses_found j WHERE j.sid = i.sid) ORDER BY i.pos")) {
      reject_once(r[0].as<long long>(), kFirstName,
                  "the same student already has an answer at " + location(r[1].as<long long>()));
    }
  }

  // What each row does to the stored answer; rows that would overwrite a portal or decided answer
  // are rejected.
  void compare() {
    tx_.exec_params0(
        "UPDATE import_responses_found i SET request_id = r.id, outcome = CASE "
        "  WHEN r.choice = i.choice AND coalesce(r.wishes, '') = coalesce(i.wishes, '') "
        "   AND array(SELECT rc.course_id FROM reenrolment_request_courses rc WHERE rc.request_id = r.id "
        "             ORDER BY 1) = i.course_ids "
        "   AND (to_char(r.rules_accepted_at, 'YYYY-MM-DD') IS NOT DISTINCT FROM to_char(i.rules_date, 'YYYY-MM-DD') "
        "        OR (i.rules_yes AND r.rules_accepted_at IS NOT NULL)) THEN 'unchanged' "
        "  WHEN r.source = 'paper' AND r.state IN ('pending', 'rejected') THEN 'update' ELSE 'refused' END "
        "FROM reenrolment_requests r WHERE r.campaign_id = $1 AND r.student_id = i.sid",
        campaign_.id);
    for (const auto& r : tx_.exec("SELECT i.pos, r.source, r.state, to_char(r.submitted_at, 'DD/MM/YYYY'), "
                                  "       to_char(r.decided_at, 'DD/MM/YYYY'), s.first_name "
                                  "FROM import_responses_found i JOIN reenrolment_requests r ON r.id = i.request_id "
                                  "JOIN students s ON s.id = i.sid WHERE i.outcome = 'refused' ORDER BY i.pos")) {
      const std::string state = r[2].as<std::string>();
      const std::string who = r[5].as<std::string>();
      if (state == "approved" || (state == "rejected" && r[1].as<std::string>() == "portal")) {
        reject_once(r[0].as<long long>(), kChoice,
                    "the answer for " + who + " was already " + (state == "approved" ? "approved" : "rejected") +
                        " on " + r[4].as<std::string>() + "; it cannot be replaced by a paper form");
      } else {
        reject_once(r[0].as<long long>(), kChoice,
                    who + " already answered through the portal on " + r[3].as<std::string>() +
                        " with another answer; the family changes it there, or the office decides with "
                        "'imuse-admin changes'");
      }
    }
  }

  void merge() {
    if (!rejected_.empty()) {
      std::string ids = "{";
      for (auto pos : rejected_) {
        ids += (ids.size() > 1 ? "," : "") + std::to_string(pos);
      }
      tx_.exec_params0("DELETE FROM import_responses_found WHERE pos = ANY($1::bigint[])", ids + "}");
    }
    const std::string rules =
        "CASE WHEN i.rules_date IS NOT NULL THEN i.rules_date::timestamptz "
        "     WHEN i.rules_yes THEN coalesce(%, now()) END";
    auto rules_from = [&](const std::string& existing) {
      std::string s = rules;
      s.replace(s.find('%'), 1, existing);
      return s;
    };
    const auto created = tx_.exec_params0(
                                "INSERT INTO reenrolment_requests (campaign_id, student_id, family_id, choice, wishes, "
                                "  rules_accepted_at, source) "
                                "SELECT $1, i.sid, i.family_id, i.choice, i.wishes, " +
                                    rules_from("NULL") +
                                    ", 'paper' FROM import_responses_found i WHERE i.request_id IS NULL ORDER BY i.pos",
                                campaign_.id)
                             .affected_rows();
    const auto updated = tx_.exec0(
                                "UPDATE reenrolment_requests r SET choice = i.choice, wishes = i.wishes, "
                                "  rules_accepted_at = " +
                                rules_from("r.rules_accepted_at") +
                                ", submitted_at = now(), state = 'pending', updated_at = now() "
                                "FROM import_responses_found i WHERE r.id = i.request_id AND i.outcome = 'update'")
                             .affected_rows();
    tx_.exec0(
        "DELETE FROM reenrolment_request_courses rc USING import_responses_found i "
        "WHERE rc.request_id = i.request_id AND i.outcome = 'update'");
    tx_.exec_params0(
        "INSERT INTO reenrolment_request_courses (request_id, course_id) "
        "SELECT r.id, unnest(i.course_ids) FROM import_responses_found i "
        "JOIN reenrolment_requests r ON r.campaign_id = $1 AND r.student_id = i.sid "
        "WHERE i.request_id IS NULL OR i.outcome = 'update'",
        campaign_.id);
    const auto unchanged =
        tx_.exec1("SELECT count(*) FROM import_responses_found WHERE outcome = 'unchanged'")[0].as<std::int64_t>();
    report_.add("created", static_cast<std::int64_t>(created));
    report_.add("updated", static_cast<std::int64_t>(updated));
    report_.add("unchanged", unchanged);
  }

  StoredCampaign campaign_;
  std::optional<CourseCatalogue> catalogue_;
  std::set<long long> rejected_;
};

}  // namespace

const std::vector<ColumnSpec>& response_columns() {
  return kColumns;
}

void export_responses(pqxx::transaction_base& tx, const ResponsesExportOptions& options, std::ostream& out,
                      Report& report) {
  const StoredCampaign c = find_campaign(tx, options.campaign, options.site);
  FlatExportWriter writer(out, options.format, "responses", kColumns);
  report.add("responses", 0);
  std::vector<std::string> cells(kColumns.size());
  for_each_row(
      tx,
      "SELECT si.code, f.external_ref, s.id::text, s.last_name, s.first_name, s.birth_date::text, r.choice, "
      "  (SELECT string_agg(co.name, ', ' ORDER BY co.name) FROM reenrolment_request_courses rc "
      "     JOIN courses co ON co.id = rc.course_id WHERE rc.request_id = r.id), "
      "  r.wishes, to_char(r.rules_accepted_at, 'YYYY-MM-DD'), r.source, "
      "  to_char(r.submitted_at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), r.state, to_char(r.submitted_at, 'DD/MM/YYYY "
      "HH24:MI') "
      "FROM reenrolment_requests r JOIN students s ON s.id = r.student_id JOIN families f ON f.id = r.family_id "
      "JOIN sites si ON si.id = f.site_id WHERE r.campaign_id = $1 AND ($2 = '' OR si.code = $2) "
      "ORDER BY si.code, f.external_ref NULLS LAST, f.id, s.birth_date, s.id",
      {std::to_string(c.id), options.site}, [&](const pqxx::row& row) {
        nlohmann::ordered_json data = nlohmann::ordered_json::object();
        for (std::size_t i = 0; i < kColumns.size(); ++i) {
          const auto& f = row[static_cast<int>(i)];
          cells[i] = f.is_null() ? "" : f.as<std::string>();
          if (!f.is_null()) {
            data[kColumns[i].name] =
                i == kStudentId ? nlohmann::ordered_json(f.as<long long>()) : nlohmann::ordered_json(cells[i]);
          }
        }
        // The CSV is for the office: French labels and dates, which the import reads back.
        for (std::size_t i : {std::size_t{kBirthDate}, std::size_t{kRules}}) {
          if (auto d = parse_date(cells[i])) {
            cells[i] = d->french();
          }
        }
        cells[kChoice] = choice_label(cells[kChoice]);
        cells[kState] = state_label(cells[kState]);
        cells[kSubmitted] = row[13].as<std::string>();
        writer.write(cells, data);
        report.add("responses");
      });
  writer.finish();
}

void import_responses(pqxx::transaction_base& tx, const FlatImportOptions& options, const std::string& campaign,
                      Progress& progress, Report& report) {
  StoredCampaign c = find_campaign(tx, campaign, "");
  if (c.state != "open") {
    throw DataError("campaign " + c.code + " is " + c.state + ": answers are recorded while it is open");
  }
  ResponsesImport(tx, options, std::move(c), progress, report).run();
}

}  // namespace imuse
