#include "import/courses_export.hpp"

#include "families/families.hpp"
#include "import/courses_import.hpp"
#include "import/flat_export.hpp"
#include "sites/sites.hpp"
#include "util/schedule.hpp"

namespace imuse {

namespace {

// The columns of course_columns(), in its order.
constexpr const char* kColumns =
    "s.code, c.name, c.department, c.class_name, c.cycle, c.teacher, c.room, c.weekday, "
    "to_char(c.start_time, 'HH24:MI'), c.duration_minutes, c.tariff_category";

void check_site(pqxx::transaction_base& tx, const std::string& site) {
  if (!site.empty()) {
    require_site(tx, site);
  }
}

Cell text_or_null(const pqxx::field& f) {
  return f.is_null() ? Cell{} : Cell{f.as<std::string>()};
}

}  // namespace

void export_courses(pqxx::transaction_base& tx, const CoursesExportOptions& options, std::ostream& out,
                    Report& report) {
  check_site(tx, options.site);
  const auto& columns = course_columns();
  FlatExportWriter writer(out, options.format, "courses", columns);
  report.add("courses", 0);
  std::vector<std::string> cells(columns.size());
  for (const auto& row : tx.exec_params(std::string("SELECT ") + kColumns +
                                            " FROM courses c JOIN sites s ON s.id = c.site_id "
                                            "WHERE ($1 = '' OR s.code = $1) ORDER BY s.code, c.name, c.id",
                                        options.site)) {
    nlohmann::ordered_json data = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto& f = row[static_cast<int>(i)];
      const std::string name = columns[i].name;
      cells[i] = f.is_null() ? "" : f.as<std::string>();
      if (f.is_null()) {
        continue;
      }
      if (name == "weekday" || name == "duration_minutes") {
        const int n = f.as<int>();
        data[name] = n;
        cells[i] = name == "weekday" ? weekday_name(n) : format_duration(n);
      } else if (name == "start_time") {
        data[name] = cells[i];
        cells[i] = format_time_of_day(parse_time_of_day(cells[i]).value_or(0));
      } else {
        data[name] = cells[i];
      }
    }
    writer.write(cells, data);
    report.add("courses");
  }
  writer.finish();
}

void list_courses(pqxx::transaction_base& tx, const std::string& site, Report& report) {
  check_site(tx, site);
  const std::string year = school_year_of(tx.exec1("SELECT current_date::text")[0].as<std::string>());
  Table table{{"id", "site", "name", "department", "class", "cycle", "teacher", "room", "day", "time", "duration",
               "students_" + year},
              {}};
  for (const auto& r :
       tx.exec_params("SELECT c.id, " + std::string(kColumns) +
                          ", "
                          "  (SELECT count(*) FROM enrolments e WHERE e.course_id = c.id AND e.school_year = $2 "
                          "     AND e.withdrawn_on IS NULL), c.active "
                          "FROM courses c JOIN sites s ON s.id = c.site_id WHERE ($1 = '' OR s.code = $1) "
                          "ORDER BY s.code, c.name, c.id",
                      site, year)) {
    std::string name = r[2].as<std::string>();
    if (!r[13].as<bool>()) {
      name += " (inactive)";
    }
    table.rows.push_back(
        {r[0].as<std::int64_t>(), r[1].as<std::string>(), name, text_or_null(r[3]), text_or_null(r[4]),
         text_or_null(r[5]), text_or_null(r[6]), text_or_null(r[7]),
         r[8].is_null() ? Cell{} : Cell{weekday_name(r[8].as<int>())},
         r[9].is_null() ? Cell{} : Cell{format_time_of_day(parse_time_of_day(r[9].as<std::string>()).value_or(0))},
         r[10].is_null() ? Cell{} : Cell{format_duration(r[10].as<int>())}, r[12].as<std::int64_t>()});
  }
  report.add("courses", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

}  // namespace imuse
