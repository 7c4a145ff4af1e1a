#include "import/enrolments_export.hpp"

#include "db/cursor.hpp"
#include "import/enrolments_import.hpp"
#include "import/flat_export.hpp"
#include "sites/sites.hpp"
#include "util/french.hpp"

namespace imuse {

void export_enrolments(pqxx::transaction_base& tx, const EnrolmentsExportOptions& options, std::ostream& out,
                       Report& report) {
  if (!options.site.empty()) {
    require_site(tx, options.site);
  }
  const auto& columns = enrolment_columns();
  FlatExportWriter writer(out, options.format, "enrolments", columns);
  report.add("enrolments", 0);
  std::int64_t without_ref = 0;
  std::vector<std::string> cells(columns.size());
  // In the order of enrolment_columns().
  for_each_row(tx,
           "SELECT f.external_ref, s.code, st.last_name, st.first_name, st.birth_date::text, c.name, e.school_year "
           "FROM enrolments e JOIN students st ON st.id = e.student_id JOIN families f ON f.id = st.family_id "
           "JOIN sites s ON s.id = f.site_id JOIN courses c ON c.id = e.course_id "
           "WHERE e.withdrawn_on IS NULL AND ($1 = '' OR s.code = $1) AND ($2 = '' OR e.school_year = $2) "
           "ORDER BY s.code, f.external_ref NULLS LAST, f.id, st.birth_date, st.first_name, st.id, e.school_year, "
           "  c.name, c.id",
           {options.site, options.school_year}, [&](const pqxx::row& row) {
    nlohmann::ordered_json data = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto& f = row[static_cast<int>(i)];
      cells[i] = f.is_null() ? "" : f.as<std::string>();
      if (!f.is_null()) {
        data[columns[i].name] = cells[i];
      }
    }
    if (auto birth = parse_date(cells[4])) {
      cells[4] = birth->french();
    }
    without_ref += row[0].is_null() ? 1 : 0;
    writer.write(cells, data);
    report.add("enrolments");
  });
  writer.finish();
  if (without_ref > 0) {
    report.warnings.push_back(std::to_string(without_ref) +
                              " exported enrolment(s) belong to families without a "
                              "reference (Réf famille): 'enrolments import' cannot find those students");
  }
}

}  // namespace imuse
