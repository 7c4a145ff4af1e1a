#include "import/enrolments_import.hpp"

#include <optional>

#include "import/course_catalogue.hpp"
#include "util/fold.hpp"
#include "util/french.hpp"
#include "util/schedule.hpp"

namespace imuse {

namespace {

enum Field : std::size_t { kRef, kSite, kLastName, kFirstName, kBirthDate, kCourse, kYear };

// An enrolments file has no family name: there "Nom" and "Prénom" can only be the student's.
const std::vector<ColumnSpec> kColumns = {
    {"external_ref", "Réf famille", true},
    {"site", "Site", false},
    {"student_last_name", "Élève nom", false, "Nom"},
    {"student_first_name", "Élève prénom", true, "Prénom"},
    {"birth_date", "Date de naissance", true},
    {"course", "Cours", true},
    {"school_year", "Année scolaire", true},
};

class EnrolmentsImport : public FlatImport {
 public:
  EnrolmentsImport(pqxx::transaction_base& tx, const FlatImportOptions& options, Progress& progress, Report& report)
      : FlatImport(tx, options, "enrolments", kColumns, progress, report) {}

  void run() {
    prepare();
    catalogue_.emplace(tx_);
    tx_.exec0(
        "CREATE TEMP TABLE import_enrolments (pos bigint, site_id int, external_ref text, s_key text, "
        "first_name text, birth_date date, course_id bigint, school_year text) "
        "ON COMMIT DROP");
    {
      CopyWriter copy(
          tx_, "import_enrolments",
          {"pos", "site_id", "external_ref", "s_key", "first_name", "birth_date", "course_id", "school_year"});
      read_files(copy);
      copy.complete();
    }
    find_students();
    fail_if_rejected_and_aborting();
    merge();
    write_rejects();
  }

 private:
  void stage(FlatRow& row, CopyWriter& copy) override {
    const auto& cells = row.cells;
    const auto site = site_of(row, kSite);
    auto required = [&](std::size_t field, const char* why) {
      if (cells[field].empty()) {
        row.problem(field, std::string("missing: ") + why);
        return false;
      }
      return true;
    };
    required(kRef, "the student is found through the family's reference");
    required(kFirstName, "the student is found through the first name and the birth date");
    std::optional<Date> birth;
    if (required(kBirthDate, "the student is found through the first name and the birth date")) {
      birth = parse_date(cells[kBirthDate]);
      if (!birth) {
        row.problem(kBirthDate, "expected a date such as 25/12/2015 (dd/mm/yyyy), got " + quoted(cells[kBirthDate]));
      }
    }
    std::optional<long long> course_id;
    if (required(kCourse, "every row needs the course") && site) {
      const auto lookup = catalogue_->find(*site, site_codes().at(*site), cells[kCourse]);
      if (!lookup.id) {
        row.problem(kCourse, lookup.problem);
      }
      course_id = lookup.id;
    }
    std::optional<std::string> year;
    if (required(kYear, "every row needs the school year")) {
      year = parse_school_year(cells[kYear]);
      if (!year) {
        row.problem(kYear,
                    "expected a school year such as 2026/2027 (or 2026-2027, 2026/27), got " + quoted(cells[kYear]));
      }
    }
    if (!row.issues.empty()) {
      return;
    }
    copy.field(std::to_string(row.pos()));
    copy.field(std::to_string(*site));
    copy.field(cells[kRef]);
    copy.field(fold_key(cells[kFirstName]) + "|" + birth->iso());
    copy.field(cells[kFirstName]);
    copy.field(birth->iso());
    copy.field(std::to_string(*course_id));
    copy.field(*year);
    copy.end_row();
  }

  // Families by reference, then their students by match key (or, for students another program
  // wrote without one, by first name and birth date), in one pass: rows that find none are rejected.
  void find_students() {
    tx_.exec0(
        "CREATE TEMP TABLE import_enrolments_found ON COMMIT DROP AS "
        "SELECT i.pos, i.site_id, i.external_ref, i.first_name, i.birth_date, i.course_id, i.school_year, "
        "  f.id AS family_id, "
        "  coalesce((SELECT min(s.id) FROM students s WHERE s.family_id = f.id AND s.match_key = i.s_key), "
        "           (SELECT min(s.id) FROM students s WHERE s.family_id = f.id AND s.match_key IS NULL "
        "              AND lower(s.first_name) = lower(i.first_name) AND s.birth_date = i.birth_date)) AS student_id "
        "FROM import_enrolments i LEFT JOIN families f ON f.site_id = i.site_id AND f.external_ref = i.external_ref");
    for (const auto& row : tx_.exec(
             "SELECT i.pos, i.external_ref, st.code FROM import_enrolments_found i JOIN sites st ON st.id = i.site_id "
             "WHERE i.family_id IS NULL ORDER BY i.pos")) {
      reject(row[0].as<long long>(), kRef,
             "no family with reference \"" + row[1].as<std::string>() + "\" on site " + row[2].as<std::string>() +
                 " (see 'imuse-admin families list')");
    }
    for (const auto& row : tx_.exec(
             "SELECT i.pos, i.external_ref, i.first_name, to_char(i.birth_date, 'DD/MM/YYYY'), "
             "  (SELECT string_agg(s.first_name || ' ' || to_char(s.birth_date, 'DD/MM/YYYY'), ', ' "
             "          ORDER BY s.birth_date, s.first_name) FROM students s WHERE s.family_id = i.family_id) "
             "FROM import_enrolments_found i WHERE i.family_id IS NOT NULL AND i.student_id IS NULL ORDER BY i.pos")) {
      reject(row[0].as<long long>(), kFirstName,
             "family " + row[1].as<std::string>() + " has no student " + row[2].as<std::string>() + " born " +
                 row[3].as<std::string>() +
                 (row[4].is_null() ? " (it has no students)" : " (its students: " + row[4].as<std::string>() + ")"));
    }
  }

  void merge() {
    // One item per enrolment, at its first row: the same enrolment listed twice counts once.
    tx_.exec0(
        "CREATE TEMP TABLE import_enrolment_items ON COMMIT DROP AS "
        "SELECT DISTINCT ON (i.student_id, i.course_id, i.school_year) i.student_id, i.course_id, i.school_year, "
        "       i.pos, e.id AS enrolment_id, e.withdrawn_on "
        "FROM import_enrolments_found i LEFT JOIN enrolments e ON e.student_id = i.student_id "
        "  AND e.course_id = i.course_id AND e.school_year = i.school_year "
        "WHERE i.student_id IS NOT NULL ORDER BY i.student_id, i.course_id, i.school_year, i.pos");
    if (options_.dry_run) {
      list_changes();
    }
    const auto matched =
        tx_.exec1("SELECT count(*) FROM import_enrolment_items WHERE enrolment_id IS NOT NULL")[0].as<std::int64_t>();
    // Listed again, a withdrawn enrolment is an enrolment again: the file says the student attends.
    const auto reinstated = tx_.exec0(
                                   "UPDATE enrolments e SET withdrawn_on = NULL FROM import_enrolment_items i "
                                   "WHERE e.id = i.enrolment_id AND e.withdrawn_on IS NOT NULL")
                                .affected_rows();
    const auto created = tx_.exec0(
                                "INSERT INTO enrolments (student_id, course_id, school_year, source) "
                                "SELECT student_id, course_id, school_year, 'import' FROM import_enrolment_items "
                                "WHERE enrolment_id IS NULL ORDER BY pos")
                             .affected_rows();
    report_.add("created", static_cast<std::int64_t>(created));
    report_.add("reinstated", static_cast<std::int64_t>(reinstated));
    report_.add("unchanged", matched - static_cast<std::int64_t>(reinstated));
  }

  void list_changes() {
    Table table{{"location", "student", "course", "school_year", "change"}, {}};
    for (const auto& row :
         tx_.exec("SELECT i.pos, s.first_name || ' ' || s.last_name || coalesce(' (' || f.external_ref || ')', ''), "
                  "       st.code || ' ' || c.name, i.school_year, "
                  "       CASE WHEN i.enrolment_id IS NULL THEN '(new enrolment)' "
                  "            ELSE 'reinstated (withdrawn on ' || to_char(i.withdrawn_on, 'DD/MM/YYYY') || ')' END "
                  "FROM import_enrolment_items i JOIN students s ON s.id = i.student_id "
                  "JOIN families f ON f.id = s.family_id JOIN courses c ON c.id = i.course_id "
                  "JOIN sites st ON st.id = c.site_id "
                  "WHERE i.enrolment_id IS NULL OR i.withdrawn_on IS NOT NULL ORDER BY i.pos")) {
      table.rows.push_back({location(row[0].as<long long>()), row[1].as<std::string>(), row[2].as<std::string>(),
                            row[3].as<std::string>(), row[4].as<std::string>()});
    }
    report_.table = std::move(table);
  }

  std::optional<CourseCatalogue> catalogue_;
};

}  // namespace

const std::vector<ColumnSpec>& enrolment_columns() {
  return kColumns;
}

void import_enrolments(pqxx::transaction_base& tx, const FlatImportOptions& options, Progress& progress,
                       Report& report) {
  EnrolmentsImport(tx, options, progress, report).run();
}

}  // namespace imuse
