// Re-enrolment answers (réinscriptions): approving one creates the target year's enrolments.
#include "changes/decision.hpp"
#include "util/text.hpp"

namespace imuse::changes {

namespace {

// A request with its campaign: the target year and the year whose courses an administrative
// re-enrolment carries over (the one before the target year).
struct Request {
  std::string choice;
  std::optional<std::string> wishes;
  std::string campaign;
  std::string target_year;
  std::string previous_year;
  std::int64_t student_id = 0;
  std::optional<std::string> rules_accepted;
  std::string source;
  std::string authorisations;
};

Request load_request(pqxx::transaction_base& tx, std::int64_t id) {
  const auto r = tx.exec_params1(
      "SELECT r.choice, r.wishes, c.code, c.school_year, "
      "       (substr(c.school_year, 1, 4)::int - 1) || '/' || substr(c.school_year, 1, 4), r.student_id, "
      "       to_char(r.rules_accepted_at, 'DD/MM/YYYY HH24:MI'), r.source, r.authorisations::text "
      "FROM reenrolment_requests r JOIN campaigns c ON c.id = r.campaign_id WHERE r.id = $1",
      id);
  return Request{r[0].as<std::string>(), optional_text(r[1]),    r[2].as<std::string>(), r[3].as<std::string>(),
                 r[4].as<std::string>(), r[5].as<std::int64_t>(), optional_text(r[6]),    r[7].as<std::string>(),
                 r[8].as<std::string>()};
}

// The courses the approval enrols the student in: the ticked ones, the previous year's for an
// administrative re-enrolment, none for a decline. (course id, name), by name.
std::vector<std::pair<std::int64_t, std::string>> courses_of(pqxx::transaction_base& tx, std::int64_t request_id,
                                                             const Request& r) {
  pqxx::result rows;
  if (r.choice == "courses") {
    rows = tx.exec_params(
        "SELECT c.id, c.name FROM reenrolment_request_courses rc JOIN courses c ON c.id = rc.course_id "
        "WHERE rc.request_id = $1 ORDER BY c.name",
        request_id);
  } else if (r.choice == "administrative") {
    rows = tx.exec_params(
        "SELECT DISTINCT c.id, c.name FROM enrolments e JOIN courses c ON c.id = e.course_id "
        "WHERE e.student_id = $1 AND e.school_year = $2 AND e.withdrawn_on IS NULL ORDER BY c.name",
        r.student_id, r.previous_year);
  }
  std::vector<std::pair<std::int64_t, std::string>> courses;
  for (const auto& row : rows) {
    courses.emplace_back(row[0].as<std::int64_t>(), row[1].as<std::string>());
  }
  return courses;
}

nlohmann::json variables_of(const Request& r, const std::vector<std::pair<std::int64_t, std::string>>& courses) {
  nlohmann::json names = nlohmann::json::array();
  for (const auto& c : courses) {
    names.push_back({{"name", c.second}});
  }
  return {{"reenrolment",
           {{"choice", r.choice},
            {"administrative", r.choice == "administrative"},
            {"by_courses", r.choice == "courses"},
            {"declined", r.choice == "decline"},
            {"school_year", r.target_year},
            {"previous_year", r.previous_year},
            {"campaign", r.campaign},
            {"wishes", r.wishes.value_or("")},
            {"courses", names},
            {"has_courses", !courses.empty()}}}};
}

std::string id_array(const std::vector<std::pair<std::int64_t, std::string>>& courses) {
  std::string out = "{";
  for (std::size_t i = 0; i < courses.size(); ++i) {
    out += (i ? "," : "") + std::to_string(courses[i].first);
  }
  return out + "}";
}

}  // namespace

nlohmann::json reenrolment_variables(pqxx::transaction_base& tx, const ChangeRow& change) {
  const Request r = load_request(tx, change.request_id.value_or(0));
  return variables_of(r, courses_of(tx, change.request_id.value_or(0), r));
}

std::optional<Decision> approve_reenrolment(DecisionContext& ctx, const ChangeRow& change) {
  const std::int64_t request_id = change.request_id.value_or(0);
  const Request r = load_request(ctx.tx, request_id);
  const auto courses = courses_of(ctx.tx, request_id, r);
  std::vector<std::int64_t> created;
  for (const auto& row : ctx.tx.exec_params(
           "INSERT INTO enrolments (student_id, course_id, school_year, source, reenrolment_request_id) "
           "SELECT $1, c, $2, 'reenrolment', $3 FROM unnest($4::bigint[]) c "
           "ON CONFLICT (student_id, course_id, school_year) DO NOTHING RETURNING course_id",
           r.student_id, r.target_year, request_id, id_array(courses))) {
    created.push_back(row[0].as<std::int64_t>());
  }
  ctx.report.add("enrolments_created", static_cast<std::int64_t>(created.size()));
  if (r.choice != "decline" && courses.empty()) {
    ctx.report.warnings.push_back(
        change.label + ": " +
        (r.choice == "courses" ? std::string("no course was ticked")
                               : "the student has no course in " + r.previous_year + " to carry over") +
        "; approved without enrolment: enrol the student by hand (enrolments import)");
  }
  for (const auto& row : ctx.tx.exec_params(
           "SELECT name FROM courses WHERE id = ANY($1::bigint[]) AND NOT active ORDER BY name", id_array(courses))) {
    ctx.report.warnings.push_back(change.label + ": course \"" + row[0].as<std::string>() +
                                  "\" is no longer active in the catalogue; the student was enrolled in it anyway");
  }
  Decision d;
  d.mail_template = "reenrolment_confirmed";
  d.variables = variables_of(r, courses);
  d.audit_new = {{"choice", r.choice},
                 {"school_year", r.target_year},
                 {"enrolled_course_ids", created},
                 {"already_enrolled", courses.size() - created.size()}};
  return d;
}

void show_reenrolment(pqxx::transaction_base& tx, const ChangeRow& change, Report& report) {
  const std::int64_t request_id = change.request_id.value_or(0);
  const Request r = load_request(tx, request_id);
  const std::string choice = r.choice == "decline"          ? "decline (does not wish to re-enrol)"
                             : r.choice == "administrative" ? "administrative re-enrolment (same courses as " +
                                                                  r.previous_year + ")"
                                                            : "courses (the ticked courses below)";
  report.details.emplace_back("campaign", r.campaign + " (re-enrolment for " + r.target_year + ")");
  report.details.emplace_back("choice", choice);
  report.details.emplace_back("wishes", r.wishes ? Cell{*r.wishes} : Cell{});
  report.details.emplace_back("rules_accepted", r.rules_accepted ? Cell{*r.rules_accepted} : Cell{});
  report.details.emplace_back("authorisations", r.authorisations);
  report.details.emplace_back("source", r.source);
  Table table{{"course_id", "course", "department", "teacher", "already_enrolled_" + r.target_year}, {}};
  for (const auto& row : tx.exec_params(
           "SELECT c.id, c.name, c.department, c.teacher, EXISTS (SELECT 1 FROM enrolments e WHERE e.student_id = $2 "
           "       AND e.course_id = c.id AND e.school_year = $3) "
           "FROM courses c WHERE c.id = ANY($1::bigint[]) ORDER BY c.name",
           id_array(courses_of(tx, request_id, r)), r.student_id, r.target_year)) {
    table.rows.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), text_cell(row[2]), text_cell(row[3]),
                          row[4].as<bool>()});
  }
  report.add("courses", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

}  // namespace imuse::changes
