#include "import/families_import.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "import/family_fields.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/interrupt.hpp"
#include "util/text.hpp"

namespace imuse {

namespace {

// Staging records travel as one COPY field: values separated by US, NULL written as RS.
constexpr char kSep = '\x1f';
constexpr char kNull = '\x1e';

struct Column {
  const char* name;
  const char* type;
};

// Staging columns after file_no and line, in encoding order.
const std::vector<Column> kStaging = {
    {"family_key", "text"},   {"site_id", "int"},           {"external_ref", "text"},
    {"civility", "text"},     {"last_name", "text"},        {"first_name", "text"},
    {"address_line1", "text"}, {"address_line2", "text"},   {"address_line3", "text"},
    {"postal_code", "text"},  {"city", "text"},             {"phone_home", "text"},
    {"phone_mobile", "text"}, {"phone_work", "text"},       {"email", "text"},
    {"marital_status", "text"}, {"socio_professional_code", "text"}, {"profession", "text"},
    {"family_quotient", "int"}, {"last_fold", "text"},      {"first_fold", "text"},
    {"has_address", "boolean"}, {"s_key", "text"},          {"s_civility", "text"},
    {"s_last_name", "text"},  {"s_first_name", "text"},     {"s_birth_date", "date"},
    {"s_birth_place", "text"}, {"s_school", "text"},        {"s_school_level", "text"},
    {"s_emergency_contact_name", "text"}, {"s_emergency_phone", "text"},
};

// Family columns compared, merged and updated; address lines are handled as one group.
const std::vector<std::string> kFamilyColumns = {
    "civility", "last_name", "first_name", "postal_code", "city", "phone_home", "phone_mobile", "phone_work",
    "email", "marital_status", "socio_professional_code", "profession", "family_quotient"};
const std::vector<std::string> kStudentColumns = {"civility",  "last_name",    "first_name",
                                                  "birth_place", "school",     "school_level",
                                                  "emergency_contact_name", "emergency_phone"};

// Field index (in family_fields()) of each staging value column.
const std::map<std::string, std::size_t> kFieldOfColumn = {
    {"external_ref", 0}, {"civility", 2}, {"last_name", 3}, {"first_name", 4}, {"postal_code", 6}, {"city", 7},
    {"phone_home", 8}, {"phone_mobile", 9}, {"phone_work", 10}, {"email", 11}, {"marital_status", 12},
    {"socio_professional_code", 13}, {"profession", 14}, {"family_quotient", 15}, {"s_civility", 16},
    {"s_last_name", 17}, {"s_first_name", 18}, {"s_birth_date", 19}, {"s_birth_place", 20}, {"s_school", 21},
    {"s_school_level", 22}, {"s_emergency_contact_name", 23}, {"s_emergency_phone", 24}};

std::string label_of(const std::string& column) {
  if (column.rfind("address_line", 0) == 0 || column == "address") {
    return "Adresse";
  }
  auto it = kFieldOfColumn.find(column);
  if (it == kFieldOfColumn.end()) {
    it = kFieldOfColumn.find("s_" + column);
  }
  return it == kFieldOfColumn.end() ? column : family_fields()[it->second].label;
}

void append(std::string& rec, const std::optional<std::string>& value) {
  if (!rec.empty()) {
    rec += kSep;
  }
  if (value) {
    rec += *value;
  } else {
    rec += kNull;
  }
}

// The staging record of a checked row.
std::string encode(const FamilyRow& row) {
  const auto& v = row.values;
  const std::string last_fold = fold_key(v[3].value_or(""));
  const std::string first_fold = fold_key(v[4].value_or(""));
  const std::string email = ascii_lower(v[11].value_or(""));
  const std::string site = std::to_string(row.site_id.value_or(0));
  const std::string family_key = v[0] ? "R" + site + "|" + *v[0] : "K" + site + "|" + last_fold + "|" + first_fold + "|" + email;
  std::string rec;
  append(rec, family_key);
  append(rec, site);
  append(rec, v[0]);
  append(rec, v[2]);
  append(rec, v[3]);
  append(rec, v[4]);
  for (const auto& line : row.address_lines) {
    append(rec, line);
  }
  for (std::size_t i = 6; i <= 15; ++i) {
    append(rec, v[i]);
  }
  append(rec, last_fold);
  append(rec, first_fold);
  append(rec, std::string(v[5] ? "t" : "f"));
  std::optional<std::string> student_key;
  if (row.has_student && v[18] && v[19]) {
    student_key = fold_key(*v[18]) + "|" + *v[19];
  }
  append(rec, student_key);
  for (std::size_t i = 16; i <= 24; ++i) {
    append(rec, student_key ? v[i] : std::nullopt);
  }
  return rec;
}

bool clean_for_copy(const FamilyRow& row) {
  for (const auto& v : row.values) {
    if (v && (v->find(kSep) != std::string::npos || v->find(kNull) != std::string::npos)) {
      return false;
    }
  }
  return true;
}

struct Position {
  std::size_t file_no;
  std::size_t line;
};
Position decode_pos(long long pos) {
  return Position{static_cast<std::size_t>(pos / 1000000000LL), static_cast<std::size_t>(pos % 1000000000LL)};
}

class Importer {
 public:
  Importer(pqxx::transaction_base& tx, const FamiliesImportOptions& options, Progress& progress, Report& report)
      : tx_(tx), options_(options), progress_(progress), report_(report) {}

  void run() {
    load_sites();
    const HeaderMapping mapping =
        options_.mapping_file.empty() ? HeaderMapping{} : load_header_mapping(options_.mapping_file);
    tx_.exec0("CREATE TEMP TABLE import_lines (file_no int, line int, rec text) ON COMMIT DROP");
    {
      pqxx::stream_to stream(tx_, "import_lines", std::vector<std::string>{"file_no", "line", "rec"});
      for (std::size_t f = 0; f < options_.files.size(); ++f) {
        read_file(f, mapping, stream);
      }
      stream.complete();
    }
    fail_if_rejected_and_aborting();
    build_rows();
    reject_inconsistent_families();
    fail_if_rejected_and_aborting();
    merge_families();
    merge_students();
    warn_shared_emails();
    write_rejects();
  }

 private:
  void load_sites() {
    for (const auto& row : tx_.exec("SELECT code, id FROM sites")) {
      site_ids_[row[0].as<std::string>()] = row[1].as<int>();
    }
    if (!options_.default_site.empty() && site_ids_.count(options_.default_site) == 0) {
      throw DataError("site " + options_.default_site + " does not exist (see 'imuse-admin site list')");
    }
  }

  void read_file(std::size_t file_no, const HeaderMapping& mapping, pqxx::stream_to& stream) {
    const std::string& file = options_.files[file_no];
    CsvReader reader(file, options_.csv);
    const auto& header = reader.header().fields;
    const ColumnMap columns = map_columns(file, header, mapping);
    for (const auto& unknown : columns.unknown) {
      report_.warnings.push_back(file + ": " + unknown + " is not a known column and was not imported "
                                 "(rename it with --mapping, or list it under 'ignore:')");
    }
    for (std::size_t c = 0; c < columns.field_of_column.size(); ++c) {
      if (columns.field_of_column[c]) {
        present_.insert(*columns.field_of_column[c]);
      }
    }
    progress_.start("reading " + std::filesystem::path(file).filename().string(), 0);
    CsvRecord record;
    std::size_t rows = 0;
    while (reader.next(record)) {
      if ((++rows & 1023) == 0) {
        check_interrupted();
        progress_.advance(1024);
      }
      std::vector<Problem> problems;
      FamilyRow row = check_family_row(file, record.line, header, record.fields, columns, site_ids_,
                                       options_.default_site, problems);
      if (problems.empty() && !clean_for_copy(row)) {
        problems.push_back(Problem{file + ":" + std::to_string(record.line), "contains a control character"});
      }
      if (!problems.empty()) {
        reject(file_no, record.line, problems);
        continue;
      }
      stream << std::make_tuple(static_cast<int>(file_no), static_cast<int>(record.line), encode(row));
    }
    progress_.finish();
    report_.add("rows", static_cast<std::int64_t>(rows));
  }

  void reject(std::size_t file_no, std::size_t line, std::vector<Problem> problems) {
    rejected_lines_[file_no].insert(line);
    for (auto& p : problems) {
      report_.rejected.push_back(std::move(p));
    }
  }

  void fail_if_rejected_and_aborting() {
    if (options_.skip_bad || report_.rejected.empty()) {
      return;
    }
    std::string message = std::to_string(report_.rejected.size()) + " problem" +
                          (report_.rejected.size() > 1 ? "s" : "") + " in the input; nothing was imported " +
                          "(--on-error skip imports the valid rows):";
    std::size_t shown = 0;
    for (const auto& p : report_.rejected) {
      if (++shown > 50) {
        message += "\n  ... and " + std::to_string(report_.rejected.size() - 50) + " more";
        break;
      }
      message += "\n  " + p.item + ": " + p.message;
    }
    throw DataError(message);
  }

  void build_rows() {
    std::string select = "SELECT file_no, line";
    for (std::size_t i = 0; i < kStaging.size(); ++i) {
      select += ", a[" + std::to_string(i + 1) + "]::" + kStaging[i].type + " AS " + kStaging[i].name;
    }
    tx_.exec0("CREATE TEMP TABLE import_rows ON COMMIT DROP AS " + select +
              " FROM (SELECT file_no, line, string_to_array(rec, E'\\x1f', E'\\x1e') AS a FROM import_lines) s");
    tx_.exec0("DROP TABLE import_lines");
  }

  // Rows of one family (or one student) that disagree: all rows of that family are refused.
  void reject_inconsistent_families() {
    std::string family_checks;
    std::string any;
    auto add_check = [&](const std::string& label, const std::string& expr) {
      family_checks += ", CASE WHEN count(DISTINCT " + expr + ") > 1 THEN '" + label + "' END";
      any += (any.empty() ? "" : " OR ") + std::string("count(DISTINCT ") + expr + ") > 1";
    };
    add_check("Réf famille", "external_ref");
    add_check("Adresse", "CASE WHEN has_address THEN concat_ws(E'\\n', address_line1, address_line2, address_line3) END");
    for (const auto& c : kFamilyColumns) {
      add_check(label_of(c), c);
    }
    const std::string sql =
        "SELECT family_key, array_to_string(array_remove(ARRAY[NULL" + family_checks +
        "], NULL), ', '), array_agg(file_no::bigint * 1000000000 + line ORDER BY file_no, line) "
        "FROM import_rows GROUP BY family_key HAVING " + any;
    std::vector<std::string> bad_keys;
    for (const auto& row : tx_.exec(sql)) {
      bad_keys.push_back(row[0].as<std::string>());
      reject_group(row[2].as<std::string>(), "rows of the same family disagree on " + row[1].as<std::string>());
    }
    std::string student_checks;
    std::string student_any;
    for (const auto& c : kStudentColumns) {
      student_checks += ", CASE WHEN count(DISTINCT s_" + c + ") > 1 THEN '" + label_of(c) + "' END";
      student_any += (student_any.empty() ? "" : " OR ") + std::string("count(DISTINCT s_") + c + ") > 1";
    }
    for (const auto& row : tx_.exec(
             "SELECT family_key, array_to_string(array_remove(ARRAY[NULL" + student_checks +
             "], NULL), ', '), (SELECT array_agg(file_no::bigint * 1000000000 + line ORDER BY file_no, line) "
             "  FROM import_rows r2 WHERE r2.family_key = r.family_key) "
             "FROM import_rows r WHERE s_key IS NOT NULL GROUP BY family_key, s_key HAVING " + student_any)) {
      bad_keys.push_back(row[0].as<std::string>());
      reject_group(row[2].as<std::string>(), "rows of the same student disagree on " + row[1].as<std::string>());
    }
    if (!bad_keys.empty()) {
      tx_.exec_params0("DELETE FROM import_rows WHERE family_key = ANY($1::text[])", pg_array(bad_keys));
    }
  }

  void reject_group(const std::string& positions_array, const std::string& message) {
    std::vector<long long> positions;
    for (const auto& p : split(positions_array.substr(1, positions_array.size() - 2), ',')) {
      positions.push_back(std::stoll(p));
    }
    std::string lines;
    for (auto pos : positions) {
      lines += (lines.empty() ? "" : ", ") + std::to_string(decode_pos(pos).line);
    }
    for (auto pos : positions) {
      const auto [file_no, line] = decode_pos(pos);
      if (rejected_lines_[file_no].insert(line).second) {
        report_.rejected.push_back(Problem{options_.files[file_no] + ":" + std::to_string(line),
                                           message + " (lines " + lines + ")"});
      }
    }
  }

  static std::string pg_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
      out += (i ? ",\"" : "\"");
      for (char c : values[i]) {
        if (c == '"' || c == '\\') {
          out += '\\';
        }
        out += c;
      }
      out += '"';
    }
    return out + "}";
  }

  // An expression for the value a family column takes: the file's, or the stored one when the
  // cell is blank (unless --clear-blanks and the column is in the file).
  std::string final_value(const std::string& column) const {
    const auto field = kFieldOfColumn.at(column);
    if (options_.clear_blanks && present_.count(field) > 0 && column != "last_name") {
      return "i." + column;
    }
    return "coalesce(i." + column + ", e." + column + ")";
  }

  void merge_families() {
    std::string aggregates;
    for (const auto& c : kFamilyColumns) {
      aggregates += ", max(" + c + ") AS " + c;
    }
    tx_.exec0(
        "CREATE TEMP TABLE import_families ON COMMIT DROP AS "
        "SELECT family_key, max(site_id) AS site_id, min(file_no::bigint * 1000000000 + line) AS pos, "
        "       max(external_ref) AS external_ref" + aggregates + ", "
        "       bool_or(has_address) AS has_address, "
        "       max(CASE WHEN has_address THEN address_line1 END) AS address_line1, "
        "       max(CASE WHEN has_address THEN address_line2 END) AS address_line2, "
        "       max(CASE WHEN has_address THEN address_line3 END) AS address_line3, "
        "       max(last_fold) AS last_fold, max(first_fold) AS first_fold, "
        "       NULL::bigint AS family_id, false AS is_new "
        "FROM import_rows GROUP BY family_key");
    // Match: by reference first, then by name + first name + e-mail.
    tx_.exec0(
        "UPDATE import_families i SET family_id = f.id FROM families f "
        "WHERE i.external_ref IS NOT NULL AND f.site_id = i.site_id AND f.external_ref = i.external_ref");
    tx_.exec0(
        "UPDATE import_families i SET family_id = m.id "
        "FROM (SELECT DISTINCT ON (site_id, match_key) id, site_id, match_key, external_ref FROM families "
        "      WHERE match_key IS NOT NULL ORDER BY site_id, match_key, id) m "
        "WHERE i.family_id IS NULL AND m.site_id = i.site_id "
        "  AND m.match_key = i.last_fold || '|' || i.first_fold || '|' || lower(coalesce(i.email, '')) "
        "  AND (i.external_ref IS NULL OR m.external_ref IS NULL)");
    const auto matched = tx_.exec1("SELECT count(*) FROM import_families WHERE family_id IS NOT NULL")[0].as<long>();

    // The values each matched family ends with.
    std::string finals = "i.family_id, i.pos, coalesce(i.external_ref, e.external_ref) AS external_ref";
    std::string compare_old = "e.external_ref";
    std::string compare_new = "s.external_ref";
    std::string set_clause = "external_ref = s.external_ref";
    std::string diff_values = "('Réf famille', e.external_ref, s.external_ref)";
    for (const auto& c : kFamilyColumns) {
      finals += ", " + final_value(c) + " AS " + c;
      compare_old += ", e." + c;
      compare_new += ", s." + c;
      set_clause += ", " + c + " = s." + c;
      diff_values += ", ('" + label_of(c) + "', e." + c + "::text, s." + c + "::text)";
    }
    const bool clear_address = options_.clear_blanks && present_.count(5) > 0;
    for (int n = 1; n <= 3; ++n) {
      const std::string c = "address_line" + std::to_string(n);
      finals += ", CASE WHEN i.has_address THEN i." + c + (clear_address ? " ELSE NULL" : " ELSE e." + c) +
                " END AS " + c;
      compare_old += ", e." + c;
      compare_new += ", s." + c;
      set_clause += ", " + c + " = s." + c;
      diff_values += ", ('Adresse (ligne " + std::to_string(n) + ")', e." + c + ", s." + c + ")";
    }
    const std::string first_fold = present_.count(4) > 0 && options_.clear_blanks
                                       ? "coalesce(i.first_fold, '')"
                                       : "CASE WHEN i.first_name IS NOT NULL THEN i.first_fold "
                                         "ELSE coalesce(split_part(e.match_key, '|', 2), '') END";
    finals += ", i.last_fold || '|' || " + first_fold + " || '|' || lower(coalesce(" + final_value("email") +
              ", '')) AS match_key";
    compare_old += ", e.match_key";
    compare_new += ", s.match_key";
    set_clause += ", match_key = s.match_key";
    const std::string source = "WITH s AS (SELECT " + finals +
                               " FROM import_families i JOIN families e ON e.id = i.family_id) ";
    const std::string differs = "(" + compare_old + ") IS DISTINCT FROM (" + compare_new + ")";

    if (options_.list_differences) {
      list_family_differences(source, diff_values);
    }
    long changed = 0;
    if (options_.update) {
      changed = tx_.exec1(source + ", u AS (UPDATE families e SET " + set_clause +
                          " FROM s WHERE e.id = s.family_id AND " + differs + " RETURNING 1) SELECT count(*) FROM u")[0]
                    .as<long>();
    } else {
      changed = tx_.exec1(source + "SELECT count(*) FROM s JOIN families e ON e.id = s.family_id WHERE " + differs)[0]
                    .as<long>();
      report_.add("not_updated", changed);
    }

    // New families get their ids in file order, so that exports list them in the same order.
    tx_.exec0(
        "UPDATE import_families i SET family_id = n.id, is_new = true "
        "FROM (SELECT family_key, nextval(pg_get_serial_sequence('families', 'id')) AS id "
        "      FROM (SELECT family_key FROM import_families WHERE family_id IS NULL ORDER BY pos) o) n "
        "WHERE i.family_key = n.family_key");
    const auto created = tx_.exec0(
        "INSERT INTO families (id, site_id, external_ref, civility, last_name, first_name, address_line1, "
        "  address_line2, address_line3, postal_code, city, phone_home, phone_mobile, phone_work, email, "
        "  marital_status, socio_professional_code, profession, family_quotient, match_key) "
        "OVERRIDING SYSTEM VALUE "
        "SELECT family_id, site_id, external_ref, civility, last_name, first_name, address_line1, address_line2, "
        "  address_line3, postal_code, city, phone_home, phone_mobile, phone_work, email, marital_status, "
        "  socio_professional_code, profession, family_quotient, "
        "  last_fold || '|' || first_fold || '|' || lower(coalesce(email, '')) "
        "FROM import_families WHERE is_new ORDER BY family_id")
                             .affected_rows();
    report_.add("created", static_cast<std::int64_t>(created));
    report_.add("updated", options_.update ? changed : 0);
    report_.add("unchanged", matched - changed);
  }

  void list_family_differences(const std::string& source, const std::string& diff_values) {
    Table table{{"location", "family", "field", "current", "imported"}, {}};
    for (const auto& row : tx_.exec(
             source + "SELECT s.pos, e.last_name || coalesce(' ' || e.first_name, '') || "
                      "       coalesce(' (' || e.external_ref || ')', ''), d.field, d.old, d.new "
                      "FROM s JOIN families e ON e.id = s.family_id "
                      "CROSS JOIN LATERAL (VALUES " + diff_values + ") AS d(field, old, new) "
                      "WHERE d.old IS DISTINCT FROM d.new ORDER BY s.pos")) {
      table.rows.push_back({location(row[0].as<long long>()), row[1].as<std::string>(), row[2].as<std::string>(),
                            row[3].is_null() ? Cell{} : Cell{row[3].as<std::string>()},
                            row[4].is_null() ? Cell{} : Cell{row[4].as<std::string>()}});
    }
    for (const auto& row : tx_.exec(
             "SELECT pos, last_name || coalesce(' ' || first_name, '') || coalesce(' (' || external_ref || ')', '') "
             "FROM import_families WHERE family_id IS NULL ORDER BY pos")) {
      table.rows.push_back({location(row[0].as<long long>()), row[1].as<std::string>(), "(new family)", Cell{}, Cell{}});
    }
    report_.table = std::move(table);
  }

  std::string location(long long pos) const {
    const auto [file_no, line] = decode_pos(pos);
    return options_.files[file_no] + ":" + std::to_string(line);
  }

  void merge_students() {
    std::string aggregates;
    for (const auto& c : kStudentColumns) {
      aggregates += ", max(r.s_" + c + ") AS " + c;
    }
    tx_.exec0(
        "CREATE TEMP TABLE import_students ON COMMIT DROP AS "
        "SELECT i.family_id, r.s_key, min(r.file_no::bigint * 1000000000 + r.line) AS pos, "
        "       max(r.s_birth_date) AS birth_date" + aggregates + ", NULL::bigint AS student_id "
        "FROM import_rows r JOIN import_families i USING (family_key) "
        "WHERE r.s_key IS NOT NULL GROUP BY i.family_id, r.s_key");
    tx_.exec0(
        "UPDATE import_students i SET student_id = s.id FROM students s "
        "WHERE s.family_id = i.family_id AND s.match_key = i.s_key");
    tx_.exec0(  // students written by another program have no key yet: their natural key
        "UPDATE import_students i SET student_id = s.id FROM students s "
        "WHERE i.student_id IS NULL AND s.family_id = i.family_id AND s.match_key IS NULL "
        "  AND lower(s.first_name) = lower(i.first_name) AND s.birth_date = i.birth_date");
    const auto matched = tx_.exec1("SELECT count(*) FROM import_students WHERE student_id IS NOT NULL")[0].as<long>();

    std::string finals = "i.student_id, i.s_key AS match_key";
    std::string compare_old = "e.match_key";
    std::string compare_new = "s.match_key";
    std::string set_clause = "match_key = s.match_key";
    for (const auto& c : kStudentColumns) {
      const bool clear = options_.clear_blanks && present_.count(kFieldOfColumn.at("s_" + c)) > 0 &&
                         c != "first_name" && c != "last_name";
      finals += ", " + (clear ? "i." + c : "coalesce(i." + c + ", e." + c + ")") + " AS " + c;
      compare_old += ", e." + c;
      compare_new += ", s." + c;
      set_clause += ", " + c + " = s." + c;
    }
    const std::string source =
        "WITH s AS (SELECT " + finals + " FROM import_students i JOIN students e ON e.id = i.student_id) ";
    const std::string differs = "(" + compare_old + ") IS DISTINCT FROM (" + compare_new + ")";
    long changed = 0;
    if (options_.update) {
      changed = tx_.exec1(source + ", u AS (UPDATE students e SET " + set_clause + " FROM s WHERE e.id = s.student_id AND " +
                          differs + " RETURNING 1) SELECT count(*) FROM u")[0]
                    .as<long>();
    } else {
      changed = tx_.exec1(source + "SELECT count(*) FROM s JOIN students e ON e.id = s.student_id WHERE " + differs)[0]
                    .as<long>();
    }
    const auto created = tx_.exec0(
        "INSERT INTO students (family_id, civility, last_name, first_name, birth_date, birth_place, school, "
        "  school_level, emergency_contact_name, emergency_phone, match_key) "
        "SELECT i.family_id, i.civility, coalesce(i.last_name, f.last_name), i.first_name, i.birth_date, "
        "  i.birth_place, i.school, i.school_level, i.emergency_contact_name, i.emergency_phone, i.s_key "
        "FROM import_students i JOIN families f ON f.id = i.family_id "
        "WHERE i.student_id IS NULL ORDER BY i.pos")
                             .affected_rows();
    report_.add("students_created", static_cast<std::int64_t>(created));
    report_.add("students_updated", options_.update ? changed : 0);
    report_.add("students_unchanged", matched - changed);
  }

  // One login identifier per e-mail address: say which imported families share theirs.
  void warn_shared_emails() {
    for (const auto& row : tx_.exec(
             "SELECT i.pos, f.email, o.id, o.last_name || coalesce(' ' || o.first_name, '') "
             "FROM import_families i JOIN families f ON f.id = i.family_id "
             "JOIN families o ON o.id <> f.id AND lower(btrim(o.email)) = lower(btrim(f.email)) "
             "WHERE f.email IS NOT NULL ORDER BY i.pos, o.id LIMIT 1000")) {
      report_.warnings.push_back(location(row[0].as<long long>()) + ": e-mail " + row[1].as<std::string>() +
                                 " is also the e-mail of family #" + row[2].as<std::string>() + " (" +
                                 row[3].as<std::string>() + "); one login identifier per e-mail address");
      report_.add("shared_emails");
    }
  }

  void write_rejects() {
    report_.add("rejected_rows", 0);
    for (const auto& [file_no, lines] : rejected_lines_) {
      report_.add("rejected_rows", static_cast<std::int64_t>(lines.size()));
    }
    if (!options_.skip_bad || rejected_lines_.empty()) {
      return;
    }
    for (const auto& [file_no, lines] : rejected_lines_) {
      const std::string& input = options_.files[file_no];
      const std::string path = options_.rejects_file.empty() ? default_rejects_path(input) : options_.rejects_file;
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      if (!out) {
        throw OutputError("cannot write the reject file " + path);
      }
      CsvReader reader(input, options_.csv);
      out << reader.header().raw;
      CsvRecord record;
      while (reader.next(record)) {
        if (lines.count(record.line) > 0) {
          out << record.raw;
        }
      }
      out.close();
      if (!out) {
        throw OutputError("cannot write the reject file " + path);
      }
      report_.messages.push_back(std::to_string(lines.size()) + " rejected row(s) written to " + path);
    }
  }

  pqxx::transaction_base& tx_;
  const FamiliesImportOptions& options_;
  Progress& progress_;
  Report& report_;
  std::map<std::string, int> site_ids_;
  std::set<std::size_t> present_;
  std::map<std::size_t, std::set<std::size_t>> rejected_lines_;
};

}  // namespace

std::string default_rejects_path(const std::string& input) {
  const std::filesystem::path p(input);
  return (p.parent_path() / (p.stem().string() + ".rejects" + (p.has_extension() ? p.extension().string() : ".csv")))
      .string();
}

void import_families(pqxx::transaction_base& tx, const FamiliesImportOptions& options, Progress& progress,
                     Report& report) {
  Importer(tx, options, progress, report).run();
}

}  // namespace imuse
