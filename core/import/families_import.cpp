#include "import/families_import.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <yaml-cpp/yaml.h>

#include "db/copy.hpp"
#include "import/family_fields.hpp"
#include "import/flat_import.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/interrupt.hpp"
#include "util/text.hpp"
#include "util/yaml_input.hpp"

namespace imuse {

namespace {

struct Column {
  const char* name;
  const char* type;
};

// Staging columns after file_no and line, in the order write_row() writes them.
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
    {"s_emergency_contact_name", "text"}, {"s_emergency_phone", "text"}, {"family_data", "boolean"},
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

// Writes the staging row of a checked row, in kStaging order.
void write_row(CopyWriter& copy, std::size_t file_no, std::size_t line, const FamilyRow& row) {
  const auto& v = row.values;
  const std::string last_fold = fold_key(v[3].value_or(""));
  const std::string first_fold = fold_key(v[4].value_or(""));
  const std::string email = ascii_lower(v[11].value_or(""));
  const std::string site = std::to_string(row.site_id.value_or(0));
  copy.field(std::to_string(file_no));
  copy.field(std::to_string(line));
  if (!row.family_data && !row.site_id) {
    copy.null();  // a split layout's student without a site: its family is found by reference
  } else {
    copy.field(v[0] ? "R" + site + "|" + *v[0] : "K" + site + "|" + last_fold + "|" + first_fold + "|" + email);
  }
  copy.field(row.site_id ? std::optional(site) : std::nullopt);
  copy.field(v[0]);
  copy.field(v[2]);
  copy.field(v[3]);
  copy.field(v[4]);
  for (const auto& address_line : row.address_lines) {
    copy.field(address_line);
  }
  for (std::size_t i = 6; i <= 15; ++i) {
    copy.field(v[i]);
  }
  copy.field(row.family_data ? std::optional(last_fold) : std::nullopt);
  copy.field(row.family_data ? std::optional(first_fold) : std::nullopt);
  copy.field(v[5] ? "t" : "f");
  const bool student = row.has_student && v[18] && v[19];
  if (student) {
    copy.field(fold_key(*v[18]) + "|" + *v[19]);
  } else {
    copy.null();
  }
  for (std::size_t i = 16; i <= 24; ++i) {
    copy.field(student ? v[i] : std::nullopt);
  }
  copy.field(row.family_data ? "t" : "f");
  copy.end_row();
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
    // Staging tables have no statistics when planned: the planner then overestimates, and JIT
    // compilation (hundreds of ms per statement) costs more than the queries themselves.
    tx_.exec0("SET LOCAL jit = off");
    load_sites();
    const HeaderMapping mapping =
        options_.mapping_file.empty() ? HeaderMapping{} : load_header_mapping(options_.mapping_file);
    std::string ddl = "CREATE TEMP TABLE import_rows (file_no int, line int";
    std::vector<std::string> columns{"file_no", "line"};
    for (const auto& c : kStaging) {
      ddl += std::string(", ") + c.name + " " + c.type;
      columns.emplace_back(c.name);
    }
    tx_.exec0(ddl + ") ON COMMIT DROP");
    {
      CopyWriter copy(tx_, "import_rows", columns);
      for (std::size_t f = 0; f < options_.files.size(); ++f) {
        if (is_structured(options_.files[f])) {
          read_structured_file(f, copy);
        } else {
          read_file(f, mapping, copy);
        }
      }
      copy.complete();
    }
    fail_if_rejected_and_aborting();
    if (options_.split) {
      attach_students_to_families();
    }
    stage_families();
    stage_students();
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

  void read_file(std::size_t file_no, const HeaderMapping& mapping, CopyWriter& copy) {
    const std::string& file = options_.files[file_no];
    CsvReader reader(file, options_.csv);
    const auto& header = reader.header().fields;
    const ColumnMap columns = map_columns(file, header, mapping, options_.split);
    for (const auto& unknown : columns.unknown) {
      report_.warnings.push_back(file + ": " + unknown);
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
      if (!problems.empty()) {
        reject(file_no, record.line, problems);
        continue;
      }
      write_row(copy, file_no, record.line, row);
    }
    progress_.finish();
    report_.add("rows", static_cast<std::int64_t>(rows));
  }

  static bool is_structured(const std::string& file) {
    const std::string ext = ascii_lower(std::filesystem::path(file).extension().string());
    return ext == ".yaml" || ext == ".yml" || ext == ".json";
  }

  static std::string mark_of(const std::string& file, const YAML::Node& node) {
    return yaml_position(file, node.Mark());
  }

  // YAML or JSON in the export's shape: {families: [{external_ref, ..., students: [{...}]}]}.
  // Each family x student becomes a row checked exactly like a CSV row.
  void read_structured_file(std::size_t file_no, CopyWriter& copy) {
    const std::string& file = options_.files[file_no];
    const YAML::Node root = load_yaml_input(file);
    const YAML::Node families = root.IsMap() ? yaml_child(root, "families") : root;
    if (!families.IsDefined() || !families.IsSequence()) {
      throw DataError(mark_of(file, root) + ": expected {families: [...]} as written by 'families export'");
    }
    const auto& specs = family_fields();
    std::vector<std::string> names;  // the keys, for messages
    ColumnMap columns;
    for (std::size_t i = 0; i < kFamilyFieldCount; ++i) {
      std::string name = specs[i].name;
      names.push_back(i >= 16 ? "students[]." + (name.rfind("student_", 0) == 0 ? name.substr(8) : name) : name);
      columns.field_of_column.emplace_back(i);
      present_.insert(i);
    }
    std::size_t rows = 0;
    for (std::size_t k = 0; k < families.size(); ++k) {
      const YAML::Node family = families[k];
      std::vector<Problem> problems;
      std::vector<std::string> fields(kFamilyFieldCount);
      // Never assign to a YAML::Node that already refers to a node: yaml-cpp would overwrite the
      // document's node. Optionals are reset and re-made instead.
      std::vector<std::optional<YAML::Node>> value_nodes(kFamilyFieldCount);
      auto take_value = [&](const YAML::Node& v, std::size_t i, const std::string& key) {
        if (!v.IsDefined() || v.IsNull()) {
          return;
        }
        value_nodes[i].emplace(v);
        if (!v.IsScalar()) {
          problems.push_back(Problem{mark_of(file, v), key + ": expected a single value"});
          return;
        }
        fields[i] = v.Scalar();
      };
      if (!family.IsMap()) {
        reject_node(file_no, family, {Problem{mark_of(file, family), "expected a family (a mapping)"}});
        continue;
      }
      // Keys are matched like CSV headers (case, accents and punctuation ignored).
      for (const auto& entry : family) {
        const std::string key = entry.first.Scalar();
        const auto field = find_family_field(key);
        if (field && *field < 16) {
          take_value(entry.second, *field, key);
        } else if (key != "students") {
          report_.warnings.push_back(mark_of(file, entry.first) + ": unknown key '" + key + "' was not imported");
        }
      }
      const YAML::Node students = yaml_child(family, "students");
      std::vector<YAML::Node> student_nodes;
      if (students.IsDefined() && students.IsSequence()) {
        for (std::size_t k2 = 0; k2 < students.size(); ++k2) {
          student_nodes.push_back(students[k2]);
        }
      } else if (students.IsDefined() && !students.IsNull()) {
        problems.push_back(Problem{mark_of(file, students), "students: expected a list"});
      }
      if (student_nodes.empty()) {
        student_nodes.emplace_back();  // a family without students is one row
      }
      for (const auto& student : student_nodes) {
        std::vector<Problem> row_problems = problems;
        for (std::size_t i = 16; i < kFamilyFieldCount; ++i) {
          fields[i].clear();
          value_nodes[i].reset();
        }
        if (student.IsMap()) {
          for (const auto& entry : student) {
            const std::string key = entry.first.Scalar();
            auto field = find_family_field("student_" + key);
            if (!field || *field < 16) {
              field = find_family_field(key);
            }
            if (field && *field >= 16) {
              take_value(entry.second, *field, key);
            } else {
              report_.warnings.push_back(mark_of(file, entry.first) + ": unknown key '" + key + "' was not imported");
            }
          }
        }
        const YAML::Node& where_node = student.IsMap() ? student : family;
        const std::size_t line = where_node.Mark().line + 1;
        const std::size_t first_problem = row_problems.size();
        FamilyRow row = check_family_row(file, line, names, fields, columns, site_ids_, options_.default_site,
                                         row_problems);
        // Point each problem at the YAML value it is about rather than at a CSV column.
        for (std::size_t p = first_problem; p < row_problems.size(); ++p) {
          const auto column = std::stoul(row_problems[p].item.substr(row_problems[p].item.rfind(':') + 1));
          const YAML::Node& node = column >= 1 && column <= kFamilyFieldCount && value_nodes[column - 1]
                                       ? *value_nodes[column - 1]
                                       : where_node;
          row_problems[p].item = mark_of(file, node);
        }
        ++rows;
        node_of_line_[file_no].try_emplace(line, family);
        if (!row_problems.empty()) {
          reject_node(file_no, family, std::move(row_problems));
          continue;
        }
        write_row(copy, file_no, line, row);
      }
    }
    report_.add("rows", static_cast<std::int64_t>(rows));
  }

  void reject_node(std::size_t file_no, const YAML::Node& family, std::vector<Problem> problems) {
    reject(file_no, family.Mark().line + 1, std::move(problems));
    node_of_line_[file_no].try_emplace(family.Mark().line + 1, family);
  }

  void reject(std::size_t file_no, std::size_t line, std::vector<Problem> problems) {
    rejected_lines_[file_no].insert(line);
    for (auto& p : problems) {
      report_.rejected.push_back(std::move(p));
    }
  }

  void fail_if_rejected_and_aborting() { throw_if_aborting(report_, options_.skip_bad); }


  // Split layout: each students-file row finds its family by reference, in the families file or
  // in the database; rows whose family is nowhere are refused.
  void attach_students_to_families() {
    tx_.exec0(
        "UPDATE import_rows r SET family_key = f.family_key, site_id = f.site_id "
        "FROM (SELECT external_ref, min(family_key) AS family_key, min(site_id) AS site_id "
        "      FROM import_rows WHERE family_data AND external_ref IS NOT NULL "
        "      GROUP BY external_ref HAVING count(DISTINCT family_key) = 1) f "
        "WHERE r.family_key IS NULL AND r.external_ref = f.external_ref");
    tx_.exec0(
        "UPDATE import_rows r SET family_key = 'R' || f.site_id || '|' || f.external_ref, site_id = f.site_id "
        "FROM (SELECT external_ref, min(site_id) AS site_id FROM families WHERE external_ref IS NOT NULL "
        "      GROUP BY external_ref HAVING count(*) = 1) f "
        "WHERE r.family_key IS NULL AND r.external_ref = f.external_ref");
    std::vector<std::string> lost;
    for (const auto& row : tx_.exec(
             "SELECT r.file_no, r.line, r.external_ref, r.family_key IS NULL FROM import_rows r "
             "WHERE NOT r.family_data AND (r.family_key IS NULL OR ("
             "  NOT EXISTS (SELECT 1 FROM import_rows x WHERE x.family_data AND x.family_key = r.family_key) AND "
             "  NOT EXISTS (SELECT 1 FROM families f WHERE f.site_id = r.site_id AND f.external_ref = r.external_ref))) "
             "ORDER BY r.file_no, r.line")) {
      const auto file_no = row[0].as<std::size_t>();
      const auto line = row[1].as<std::size_t>();
      const auto ref = row[2].as<std::string>();
      if (rejected_lines_[file_no].insert(line).second) {
        report_.rejected.push_back(Problem{options_.files[file_no] + ":" + std::to_string(line),
                                           "no family with Réf famille \"" + ref + "\" in the families file or the "
                                           "database" + (row[3].as<bool>() ? " (if the reference is used on several "
                                                                             "sites, give --site)" : "")});
      }
    }
    tx_.exec0(
        "DELETE FROM import_rows r WHERE NOT r.family_data AND (r.family_key IS NULL OR ("
        "  NOT EXISTS (SELECT 1 FROM import_rows x WHERE x.family_data AND x.family_key = r.family_key) AND "
        "  NOT EXISTS (SELECT 1 FROM families f WHERE f.site_id = r.site_id AND f.external_ref = r.external_ref)))");
    fail_if_rejected_and_aborting();
  }

  // "Civilité, Adresse" for the columns whose non-blank values differ within a group ("" if none);
  // min <> max says it without the sort of count(DISTINCT).
  static std::string conflicts(const std::vector<std::pair<std::string, std::string>>& label_and_expr) {
    std::string cases;
    for (const auto& [label, expr] : label_and_expr) {
      cases += ", CASE WHEN min(" + expr + ") <> max(" + expr + ") THEN '" + label + "' END";
    }
    return "array_to_string(array_remove(ARRAY[NULL::text" + cases + "], NULL), ', ')";
  }

  // One row per family of the input, in one pass: merged values, disagreeing columns, the
  // stored family it matches (by reference, else by name + first name + e-mail), and the id a
  // new family will get, given in file order so that exports list families in that order.
  void stage_families() {
    std::vector<std::pair<std::string, std::string>> checks{
        {"Réf famille", "external_ref"},
        {"Adresse", "CASE WHEN has_address THEN concat_ws(E'\\n', address_line1, address_line2, address_line3) END"}};
    std::string aggregates;
    for (const auto& c : kFamilyColumns) {
      aggregates += ", max(" + c + ") AS " + c;
      checks.emplace_back(label_of(c), c);
    }
    tx_.exec0(
        "CREATE TEMP TABLE import_families ON COMMIT DROP AS "
        "SELECT s.*, s.matched_id IS NULL AS is_new, "
        "       coalesce(s.matched_id, nextval(pg_get_serial_sequence('families', 'id'))) AS family_id "
        "FROM (SELECT g.*, coalesce(r.id, k.id) AS matched_id FROM ("
        "  SELECT family_key, max(site_id) AS site_id, min(file_no::bigint * 1000000000 + line) AS pos, "
        "         max(external_ref) AS external_ref" + aggregates + ", "
        "         bool_or(has_address) AS has_address, "
        "         max(CASE WHEN has_address THEN address_line1 END) AS address_line1, "
        "         max(CASE WHEN has_address THEN address_line2 END) AS address_line2, "
        "         max(CASE WHEN has_address THEN address_line3 END) AS address_line3, "
        "         max(last_fold) AS last_fold, max(first_fold) AS first_fold, "
        "         bool_or(family_data) AS family_data, " + conflicts(checks) + " AS conflicts "
        "  FROM import_rows GROUP BY family_key) g "
        "  LEFT JOIN families r ON g.external_ref IS NOT NULL AND r.site_id = g.site_id "
        "    AND r.external_ref = g.external_ref "
        "  LEFT JOIN LATERAL (SELECT f.id FROM families f WHERE r.id IS NULL AND g.last_fold IS NOT NULL "
        "    AND f.site_id = g.site_id "
        "    AND f.match_key = g.last_fold || '|' || g.first_fold || '|' || lower(coalesce(g.email, '')) "
        "    AND (g.external_ref IS NULL OR f.external_ref IS NULL) ORDER BY f.id LIMIT 1) k ON true "
        "  ORDER BY g.pos) s");
  }

  // One row per student of the input, with its disagreeing columns and the stored student it
  // matches (by folded first name + birth date; students written by another program have no
  // key yet: their natural key then).
  void stage_students() {
    std::vector<std::pair<std::string, std::string>> checks;
    std::string aggregates;
    for (const auto& c : kStudentColumns) {
      aggregates += ", max(r.s_" + c + ") AS " + c;
      checks.emplace_back(label_of(c), "r.s_" + c);
    }
    tx_.exec0(
        "CREATE TEMP TABLE import_students ON COMMIT DROP AS "
        "SELECT g.*, coalesce(k.id, n.id) AS student_id FROM ("
        "  SELECT f.family_id, f.family_key, f.is_new AS new_family, r.s_key, "
        "         min(r.file_no::bigint * 1000000000 + r.line) AS pos, max(r.s_birth_date) AS birth_date" +
        aggregates + ", " + conflicts(checks) + " AS conflicts "
        "  FROM import_rows r JOIN import_families f USING (family_key) "
        "  WHERE r.s_key IS NOT NULL GROUP BY f.family_id, f.family_key, f.is_new, r.s_key) g "
        "LEFT JOIN LATERAL (SELECT s.id FROM students s WHERE NOT g.new_family AND s.family_id = g.family_id "
        "  AND s.match_key = g.s_key ORDER BY s.id LIMIT 1) k ON true "
        "LEFT JOIN LATERAL (SELECT s.id FROM students s WHERE NOT g.new_family AND k.id IS NULL "
        "  AND s.family_id = g.family_id AND s.match_key IS NULL AND lower(s.first_name) = lower(g.first_name) "
        "  AND s.birth_date = g.birth_date) n ON true");
  }

  // Rows of one family (or one student) that disagree, and input families that would both
  // update the same stored family: all rows of those families are refused.
  void reject_inconsistent_families() {
    std::vector<std::string> bad_keys;
    for (const auto& row : tx_.exec(
             "WITH bad AS ("
             "  SELECT family_key, 'rows of the same family disagree on ' || conflicts AS why "
             "  FROM import_families WHERE conflicts <> '' "
             "  UNION ALL SELECT family_key, 'rows of the same student disagree on ' || conflicts "
             "  FROM import_students WHERE conflicts <> '' "
             "  UNION ALL SELECT family_key, 'these rows and others of the file all match family #' || family_id "
             "  FROM import_families WHERE NOT is_new AND family_id IN ("
             "    SELECT family_id FROM import_families WHERE NOT is_new GROUP BY family_id HAVING count(*) > 1)) "
             "SELECT b.family_key, min(b.why), (SELECT array_agg(r.file_no::bigint * 1000000000 + r.line "
             "  ORDER BY r.file_no, r.line) FROM import_rows r WHERE r.family_key = b.family_key) "
             "FROM bad b GROUP BY b.family_key")) {
      bad_keys.push_back(row[0].as<std::string>());
      reject_group(row[2].as<std::string>(), row[1].as<std::string>());
    }
    if (!bad_keys.empty()) {
      const std::string keys = pg_array(bad_keys);
      for (const char* table : {"import_rows", "import_families", "import_students"}) {
        tx_.exec_params0(std::string("DELETE FROM ") + table + " WHERE family_key = ANY($1::text[])", keys);
      }
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
      // A family reached only through a split layout's students file keeps its values.
      return "CASE WHEN i.family_data THEN i." + column + " ELSE e." + column + " END";
    }
    return "coalesce(i." + column + ", e." + column + ")";
  }

  void merge_families() {
    const auto matched = tx_.exec1("SELECT count(*) FROM import_families WHERE NOT is_new")[0].as<long>();

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
      finals += ", CASE WHEN i.has_address THEN i." + c +
                (clear_address ? " WHEN i.family_data THEN NULL" : "") + " ELSE e." + c + " END AS " + c;
      compare_old += ", e." + c;
      compare_new += ", s." + c;
      set_clause += ", " + c + " = s." + c;
      diff_values += ", ('Adresse (ligne " + std::to_string(n) + ")', e." + c + ", s." + c + ")";
    }
    const std::string first_fold = present_.count(4) > 0 && options_.clear_blanks
                                       ? "coalesce(i.first_fold, '')"  // only reached when family_data
                                       : "CASE WHEN i.first_name IS NOT NULL THEN i.first_fold "
                                         "ELSE coalesce(split_part(e.match_key, '|', 2), '') END";
    finals += ", CASE WHEN i.family_data THEN i.last_fold || '|' || " + first_fold +
              " || '|' || lower(coalesce(" + final_value("email") + ", '')) ELSE e.match_key END AS match_key";
    compare_old += ", e.match_key";
    compare_new += ", s.match_key";
    set_clause += ", match_key = s.match_key";
    const std::string source = "WITH s AS (SELECT " + finals +
                               " FROM import_families i JOIN families e ON e.id = i.family_id WHERE NOT i.is_new) ";
    const std::string differs = "(" + compare_old + ") IS DISTINCT FROM (" + compare_new + ")";

    if (options_.dry_run) {
      list_family_differences(source, diff_values);
    }
    const long changed = apply_changes(source, "families", "family_id", set_clause, differs, "not_updated");

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

  // Updates the rows of `table` that differ from their final values in the CTE `source` (alias
  // s, key s.<key>), or with --no-update only counts them under `not_updated`; returns how many.
  long apply_changes(const std::string& source, const std::string& table, const std::string& key,
                     const std::string& set_clause, const std::string& differs, const std::string& not_updated) {
    if (options_.update) {
      return tx_.exec1(source + ", u AS (UPDATE " + table + " e SET " + set_clause + " FROM s WHERE e.id = s." + key +
                       " AND " + differs + " RETURNING 1) SELECT count(*) FROM u")[0]
          .as<long>();
    }
    const long changed =
        tx_.exec1(source + "SELECT count(*) FROM s JOIN " + table + " e ON e.id = s." + key + " WHERE " + differs)[0]
            .as<long>();
    report_.add(not_updated, changed);
    return changed;
  }

  // Appends to the --dry-run table the rows of `query`: (position, who, field, current, imported).
  void add_differences(const std::string& query) {
    if (!report_.table) {
      report_.table = Table{{"location", "family", "field", "current", "imported"}, {}};
    }
    auto text = [](const pqxx::field& f) { return f.is_null() ? Cell{} : Cell{f.as<std::string>()}; };
    for (const auto& row : tx_.exec(query)) {
      report_.table->rows.push_back(
          {location(row[0].as<long long>()), row[1].as<std::string>(), row[2].as<std::string>(), text(row[3]),
           text(row[4])});
    }
  }

  // The families' changed fields, and the new families.
  void list_family_differences(const std::string& source, const std::string& diff_values) {
    add_differences(source + "SELECT s.pos, e.last_name || coalesce(' ' || e.first_name, '') || "
                             "       coalesce(' (' || e.external_ref || ')', ''), d.field, d.old, d.new "
                             "FROM s JOIN families e ON e.id = s.family_id "
                             "CROSS JOIN LATERAL (VALUES " + diff_values + ") AS d(field, old, new) "
                             "WHERE d.old IS DISTINCT FROM d.new ORDER BY s.pos");
    add_differences(
        "SELECT pos, last_name || coalesce(' ' || first_name, '') || coalesce(' (' || external_ref || ')', ''), "
        "       '(new family)', NULL, NULL "
        "FROM import_families WHERE is_new ORDER BY pos");
  }

  // Appends the students' changed fields, and the new students of known families, to the
  // differences table of --dry-run.
  void list_student_differences(const std::string& source, const std::string& diff_values) {
    add_differences(source + "SELECT s.pos, e.first_name || ' ' || e.last_name || ' (student)', d.field, d.old, d.new "
                             "FROM s JOIN students e ON e.id = s.student_id "
                             "CROSS JOIN LATERAL (VALUES " + diff_values + ") AS d(field, old, new) "
                             "WHERE d.old IS DISTINCT FROM d.new ORDER BY s.pos");
    add_differences(
        "SELECT i.pos, i.first_name || ' (student of ' || f.last_name || coalesce(' ' || f.first_name, '') || ')', "
        "       '(new student)', NULL, NULL "
        "FROM import_students i JOIN families f ON f.id = i.family_id "
        "WHERE i.student_id IS NULL AND NOT i.new_family ORDER BY i.pos");
  }

  std::string location(long long pos) const {
    const auto [file_no, line] = decode_pos(pos);
    return options_.files[file_no] + ":" + std::to_string(line);
  }

  void merge_students() {
    const auto matched = tx_.exec1("SELECT count(*) FROM import_students WHERE student_id IS NOT NULL")[0].as<long>();

    std::string finals = "i.student_id, i.pos, i.s_key AS match_key";
    std::string compare_old = "e.match_key";
    std::string compare_new = "s.match_key";
    std::string set_clause = "match_key = s.match_key";
    std::string diff_values;
    for (const auto& c : kStudentColumns) {
      const bool clear = options_.clear_blanks && present_.count(kFieldOfColumn.at("s_" + c)) > 0 &&
                         c != "first_name" && c != "last_name";
      finals += ", " + (clear ? "i." + c : "coalesce(i." + c + ", e." + c + ")") + " AS " + c;
      compare_old += ", e." + c;
      compare_new += ", s." + c;
      set_clause += ", " + c + " = s." + c;
      diff_values += std::string(diff_values.empty() ? "" : ", ") + "('" +
                     family_fields()[kFieldOfColumn.at("s_" + c)].label + "', e." + c + ", s." + c + ")";
    }
    const std::string source =
        "WITH s AS (SELECT " + finals + " FROM import_students i JOIN students e ON e.id = i.student_id) ";
    const std::string differs = "(" + compare_old + ") IS DISTINCT FROM (" + compare_new + ")";
    if (options_.dry_run) {
      list_student_differences(source, diff_values);
    }
    const long changed = apply_changes(source, "students", "student_id", set_clause, differs, "students_not_updated");
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
             "WITH shared AS (SELECT lower(btrim(email)) AS mail FROM families WHERE email IS NOT NULL "
             "                GROUP BY 1 HAVING count(*) > 1) "
             "SELECT i.pos, f.email, o.id, o.last_name || coalesce(' ' || o.first_name, '') "
             "FROM shared s JOIN families f ON lower(btrim(f.email)) = s.mail "
             "JOIN import_families i ON i.family_id = f.id "
             "JOIN families o ON o.id <> f.id AND lower(btrim(o.email)) = s.mail "
             "ORDER BY i.pos, o.id LIMIT 1000")) {
      report_.warnings.push_back(location(row[0].as<long long>()) + ": e-mail " + row[1].as<std::string>() +
                                 " is also the e-mail of family #" + row[2].as<std::string>() + " (" +
                                 row[3].as<std::string>() + "); one login identifier per e-mail address");
      report_.add("shared_emails");
    }
  }

  void write_rejects() {
    write_reject_files(
        report_, RejectFiles{options_.files, options_.rejects_file, options_.csv, options_.skip_bad, options_.dry_run},
        rejected_lines_, [&](std::size_t file_no) { return is_structured(options_.files[file_no]); },
        [&](std::size_t file_no, const std::set<std::size_t>& lines, const std::string& path) {
          std::set<int> written;  // a family's rows share its node: write it once
          std::vector<YAML::Node> entries;
          for (auto line : lines) {
            auto it = node_of_line_[file_no].find(line);
            if (it != node_of_line_[file_no].end() && written.insert(it->second.Mark().pos).second) {
              entries.push_back(it->second);
            }
          }
          write_yaml_rejects(path, "families", entries);
          report_.messages.push_back(std::to_string(entries.size()) + " rejected famil" +
                                     (entries.size() > 1 ? "ies" : "y") + " written to " + path);
        });
  }

  pqxx::transaction_base& tx_;
  const FamiliesImportOptions& options_;
  Progress& progress_;
  Report& report_;
  std::map<std::string, int> site_ids_;
  std::set<std::size_t> present_;
  RejectedRows rejected_lines_;
  std::map<std::size_t, std::map<std::size_t, YAML::Node>> node_of_line_;  // structured inputs
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
