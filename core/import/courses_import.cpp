#include "import/courses_import.hpp"

#include <optional>

#include "import/course_catalogue.hpp"
#include "util/fold.hpp"
#include "util/schedule.hpp"
#include "util/text.hpp"

namespace imuse {

namespace {

enum Field : std::size_t {
  kSite,
  kName,
  kDepartment,
  kClass,
  kCycle,
  kTeacher,
  kRoom,
  kWeekday,
  kStart,
  kDuration,
  kTariff
};

// The aliases are the portal's labels (docs/schema.md), which files exported from it carry.
const std::vector<ColumnSpec> kColumns = {
    {"site", "Site", false},
    {"name", "Cours", true},
    {"department", "Département", false},
    {"class_name", "Classe", false},
    {"cycle", "Cycle", false},
    {"teacher", "Professeur", false, "Enseignant"},
    {"room", "Salle", false},
    {"weekday", "Jour", false},
    {"start_time", "Heure", false, "Début"},
    {"duration_minutes", "Durée", false},
    {"tariff_category", "Catégorie tarifaire", false},
};

struct Value {
  const char* column;  // in courses and in the staging table
  const char* type;
  std::size_t field;
};

// The stored values, fields kName … kTariff in order.
const std::vector<Value> kValues = {
    {"name", "text", kName},
    {"department", "text", kDepartment},
    {"class_name", "text", kClass},
    {"cycle", "text", kCycle},
    {"teacher", "text", kTeacher},
    {"room", "text", kRoom},
    {"weekday", "int", kWeekday},
    {"start_time", "time", kStart},
    {"duration_minutes", "int", kDuration},
    {"tariff_category", "text", kTariff},
};

std::string text_of(const std::string& alias, const Value& v) {
  const std::string column = alias + "." + v.column;
  return v.field == kStart ? "to_char(" + column + ", 'HH24:MI')" : column + "::text";
}

// A stored value as the export writes it, for the dry-run table.
std::string shown(std::size_t field, const std::string& value) {
  if (field == kWeekday) {
    return weekday_name(std::stoi(value));
  }
  if (field == kStart) {
    return format_time_of_day(parse_time_of_day(value).value_or(0));
  }
  return field == kDuration ? format_duration(std::stoi(value)) : value;
}

std::vector<long long> int_array(const std::string& pg) {  // "{1,2}" as PostgreSQL writes it
  std::vector<long long> values;
  for (const auto& part : split(pg.substr(1, pg.size() - 2), ',')) {
    if (!part.empty() && part != "NULL") {
      values.push_back(std::stoll(part));
    }
  }
  return values;
}

class CoursesImport : public FlatImport {
 public:
  CoursesImport(pqxx::transaction_base& tx, const FlatImportOptions& options, Progress& progress, Report& report)
      : FlatImport(tx, options, "courses", kColumns, progress, report) {}

  void run() {
    prepare();
    catalogue_.emplace(tx_);
    std::string ddl =
        "CREATE TEMP TABLE import_courses (pos bigint, site_id int, course_key text, course_id bigint, "
        "present int";
    std::vector<std::string> columns{"pos", "site_id", "course_key", "course_id", "present"};
    for (const auto& v : kValues) {
      ddl += std::string(", ") + v.column + " " + v.type;
      columns.emplace_back(v.column);
    }
    tx_.exec0(ddl + ") ON COMMIT DROP");
    {
      CopyWriter copy(tx_, "import_courses", columns);
      read_files(copy);
      copy.complete();
    }
    reject_disagreements();
    fail_if_rejected_and_aborting();
    merge();
    write_rejects();
  }

 private:
  void stage(FlatRow& row, CopyWriter& copy) override {
    const auto& cells = row.cells;
    const auto site = site_of(row, kSite);
    if (cells[kName].empty()) {
      row.problem(kName, "missing: every row needs the course's name");
    } else if (fold_key(cells[kName]).empty()) {
      row.problem(kName, "expected a course name with letters or digits, got " + quoted(cells[kName]));
    }
    auto parsed = [&](std::size_t field, auto parse, const char* expected) -> std::optional<int> {
      if (cells[field].empty()) {
        return std::nullopt;
      }
      const auto value = parse(cells[field]);
      if (!value) {
        row.problem(field, std::string("expected ") + expected + ", got " + quoted(cells[field]));
      }
      return value;
    };
    const auto weekday = parsed(kWeekday, parse_weekday, "a weekday such as lundi, Mer. or 1 (Monday) to 7 (Sunday)");
    const auto start = parsed(kStart, parse_time_of_day, "a time such as 14:30, 14h30 or 9h");
    const auto duration =
        parsed(kDuration, parse_duration_minutes, "a duration of 1 to 1440 minutes such as 45, 90 min, 1h30 or 1h");
    std::optional<long long> course_id;
    if (site && row.issues.empty()) {
      const auto lookup = catalogue_->find(*site, site_codes().at(*site), cells[kName]);
      if (!lookup.id && lookup.matches > 1) {
        row.problem(kName, lookup.problem);
      }
      course_id = lookup.id;
    }
    if (!row.issues.empty()) {
      return;
    }
    auto text = [&](std::size_t field) {
      return cells[field].empty() ? std::nullopt : std::optional<std::string>(cells[field]);
    };
    auto number = [](const std::optional<int>& n) {
      return n ? std::optional<std::string>(std::to_string(*n)) : std::nullopt;
    };
    copy.field(std::to_string(row.pos()));
    copy.field(std::to_string(*site));
    copy.field(fold_key(cells[kName]));
    copy.field(course_id ? std::optional<std::string>(std::to_string(*course_id)) : std::nullopt);
    copy.field(std::to_string(present_mask(row.file_no)));
    for (std::size_t f = kName; f <= kRoom; ++f) {
      copy.field(text(f));
    }
    copy.field(number(weekday));
    copy.field(start ? std::optional<std::string>(iso_time_of_day(*start)) : std::nullopt);
    copy.field(number(duration));
    copy.field(text(kTariff));
    copy.end_row();
  }

  // Rows of one course that disagree (a course listed twice with two rooms): all are refused.
  void reject_disagreements() {
    std::string checks;
    std::string any;
    for (const auto& v : kValues) {
      const std::string differ = "min(" + std::string(v.column) + ") <> max(" + v.column + ")";
      checks += ", CASE WHEN " + differ + " THEN " + std::to_string(v.field) + " END";
      any += (any.empty() ? "" : " OR ") + differ;
    }
    std::vector<long long> bad;
    for (const auto& row : tx_.exec("SELECT ARRAY[NULL::int" + checks +
                                    "], array_agg(pos ORDER BY pos) "
                                    "FROM import_courses GROUP BY site_id, course_key HAVING " +
                                    any)) {
      const auto fields = int_array(row[0].as<std::string>());
      const auto positions = int_array(row[1].as<std::string>());
      std::vector<std::string> labels;
      for (auto f : fields) {
        labels.emplace_back(kColumns[static_cast<std::size_t>(f)].label);
      }
      // "lines 2, 7" within one file, else each row's "file:line".
      const bool one_file = positions.front() / 1000000000LL == positions.back() / 1000000000LL;
      std::vector<std::string> where;
      for (auto pos : positions) {
        const std::string at = location(pos);
        where.push_back(one_file ? at.substr(at.rfind(':') + 1) : at);
      }
      const std::string rows = (one_file ? "lines " : "") + join(where, ", ");
      for (auto pos : positions) {
        reject(pos, static_cast<std::size_t>(fields.front()),
               "rows of the same course disagree on " + join(labels, ", ") + " (" + rows + ")", false);
        bad.push_back(pos);
      }
    }
    if (!bad.empty()) {
      std::vector<std::string> text;
      for (auto pos : bad) {
        text.push_back(std::to_string(pos));
      }
      tx_.exec_params0("DELETE FROM import_courses WHERE pos = ANY($1::bigint[])", "{" + join(text, ",") + "}");
    }
  }

  // The value a matched course ends with: the file's, or the stored one for a blank cell
  // (unless --clear-blanks and the file has that column). The name is always the file's.
  std::string final_value(const Value& v) const {
    const std::string c = v.column;
    if (v.field == kName) {
      return "i.name";
    }
    if (options_.clear_blanks) {
      return "CASE WHEN i.present & " + std::to_string(1U << v.field) + " <> 0 THEN i." + c + " ELSE e." + c + " END";
    }
    return "coalesce(i." + c + ", e." + c + ")";
  }

  void merge() {
    std::string aggregates;
    for (const auto& v : kValues) {
      aggregates += std::string(", max(") + v.column + ") AS " + v.column;
    }
    tx_.exec0(
        "CREATE TEMP TABLE import_course_items ON COMMIT DROP AS "
        "SELECT site_id, course_key, min(pos) AS pos, max(course_id) AS course_id, bit_or(present) AS present" +
        aggregates + " FROM import_courses GROUP BY site_id, course_key");
    const auto matched =
        tx_.exec1("SELECT count(*) FROM import_course_items WHERE course_id IS NOT NULL")[0].as<std::int64_t>();
    std::string finals = "i.course_id, i.pos";
    std::string set_clause;
    std::string old_values;
    std::string new_values;
    std::string diff_values;
    for (const auto& v : kValues) {
      const std::string c = v.column;
      finals += ", " + final_value(v) + " AS " + c;
      set_clause += (set_clause.empty() ? "" : ", ") + c + " = s." + c;
      old_values += (old_values.empty() ? "e." : ", e.") + c;
      new_values += (new_values.empty() ? "s." : ", s.") + c;
      diff_values += (diff_values.empty() ? "(" : ", (") + std::to_string(v.field) + ", " + text_of("e", v) + ", " +
                     text_of("s", v) + ")";
    }
    const std::string source =
        "WITH s AS (SELECT " + finals + " FROM import_course_items i JOIN courses e ON e.id = i.course_id) ";
    const std::string differs = "(" + old_values + ") IS DISTINCT FROM (" + new_values + ")";
    if (options_.dry_run) {
      list_differences(source, diff_values);
    }
    const auto updated =
        tx_.exec1(source + ", u AS (UPDATE courses e SET " + set_clause + " FROM s WHERE e.id = s.course_id AND " +
                  differs + " RETURNING 1) SELECT count(*) FROM u")[0]
            .as<std::int64_t>();
    std::string columns = "site_id";
    for (const auto& v : kValues) {
      columns += std::string(", ") + v.column;
    }
    const auto created = tx_.exec0("INSERT INTO courses (" + columns + ") SELECT " + columns +
                                   " FROM import_course_items WHERE course_id IS NULL ORDER BY pos")
                             .affected_rows();
    report_.add("created", static_cast<std::int64_t>(created));
    report_.add("updated", updated);
    report_.add("unchanged", matched - updated);
  }

  void list_differences(const std::string& source, const std::string& diff_values) {
    Table table{{"location", "course", "field", "current", "imported"}, {}};
    auto value = [](const pqxx::field& f, std::size_t field) {
      return f.is_null() ? Cell{} : Cell{shown(field, f.as<std::string>())};
    };
    for (const auto& row : tx_.exec(source +
                                    "SELECT s.pos, st.code || ' ' || e.name, d.field, d.old, d.new "
                                    "FROM s JOIN courses e ON e.id = s.course_id JOIN sites st ON st.id = e.site_id "
                                    "CROSS JOIN LATERAL (VALUES " +
                                    diff_values +
                                    ") AS d(field, old, new) "
                                    "WHERE d.old IS DISTINCT FROM d.new ORDER BY s.pos, d.field")) {
      const auto field = row[2].as<std::size_t>();
      table.rows.push_back({location(row[0].as<long long>()), row[1].as<std::string>(), kColumns[field].label,
                            value(row[3], field), value(row[4], field)});
    }
    for (const auto& row : tx_.exec("SELECT i.pos, st.code || ' ' || i.name FROM import_course_items i "
                                    "JOIN sites st ON st.id = i.site_id WHERE i.course_id IS NULL ORDER BY i.pos")) {
      table.rows.push_back(
          {location(row[0].as<long long>()), row[1].as<std::string>(), "(new course)", Cell{}, Cell{}});
    }
    report_.table = std::move(table);
  }

  std::optional<CourseCatalogue> catalogue_;
};

}  // namespace

const std::vector<ColumnSpec>& course_columns() {
  return kColumns;
}

void import_courses(pqxx::transaction_base& tx, const FlatImportOptions& options, Progress& progress, Report& report) {
  CoursesImport(tx, options, progress, report).run();
}

}  // namespace imuse
