#include "import/family_fields.hpp"

#include <yaml-cpp/yaml.h>

#include "util/csv.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/french.hpp"
#include "util/text.hpp"
#include "util/yaml_input.hpp"

namespace imuse {

namespace {

using L = FieldLevel;
using K = FieldKind;

const std::array<FieldSpec, kFamilyFieldCount> kFields = {{
    {"external_ref", "Réf famille", L::family, K::reference},
    {"site", "Site", L::family, K::site},
    {"civility", "Civilité", L::family, K::civility},
    {"last_name", "Nom", L::family, K::text},
    {"first_name", "Prénom", L::family, K::text},
    {"address", "Adresse", L::family, K::address},
    {"postal_code", "Code postal", L::family, K::postal_code},
    {"city", "Ville", L::family, K::text},
    {"phone_home", "Tél domicile", L::family, K::phone},
    {"phone_mobile", "Mobile", L::family, K::phone},
    {"phone_work", "Tél pro", L::family, K::phone},
    {"email", "E-mail", L::family, K::email},
    {"marital_status", "Situation familiale", L::family, K::text},
    {"socio_professional_code", "Code socio-professionnel", L::family, K::text},
    {"profession", "Profession", L::family, K::text},
    {"family_quotient", "Quotient familial", L::family, K::quotient},
    {"student_civility", "Élève civilité", L::student, K::civility},
    {"student_last_name", "Élève nom", L::student, K::text},
    {"student_first_name", "Élève prénom", L::student, K::text},
    {"birth_date", "Date de naissance", L::student, K::date},
    {"birth_place", "Lieu de naissance", L::student, K::text},
    {"school", "Établissement scolaire", L::student, K::text},
    {"school_level", "Niveau scolaire", L::student, K::text},
    {"emergency_contact_name", "Personne à prévenir", L::student, K::text},
    {"emergency_phone", "Tél urgence", L::student, K::phone},
}};

constexpr std::size_t kLastName = 3;
constexpr std::size_t kStudentFirstName = 18;
constexpr std::size_t kBirthDate = 19;

std::string where(const std::string& file, std::size_t line, std::size_t column) {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string quoted(const std::string& s) {
  std::string shown = s.size() > 60 ? s.substr(0, 57) + "..." : s;
  return "\"" + shown + "\"";
}

std::string expected_text(FieldKind kind) {
  switch (kind) {
    case K::civility:
      return "M., Mme or another usual civility";
    case K::postal_code:
      return "a 5-digit postal code";
    case K::phone:
      return "a phone number such as 06 12 34 56 78 or +33 6 12 34 56 78";
    case K::email:
      return "an e-mail address";
    case K::quotient:
      return "a whole number of euros";
    case K::date:
      return "a date such as 25/12/2015 (dd/mm/yyyy)";
    default:
      return "text";
  }
}

// A cell's text: trimmed, with the quote that an export put before a formula-like value removed.
std::string cell_text(const std::string& raw) { return std::string(trim_blank(unneutralise_formula(raw))); }

bool has_control_character(const std::string& s, bool allow_newlines) {
  for (unsigned char c : s) {
    if (c < 0x20 && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t'))) {
      return true;
    }
  }
  return false;
}

// Up to three non-empty lines; extra lines are joined to the third so nothing is lost.
std::array<std::optional<std::string>, 3> split_address(const std::string& text) {
  std::array<std::optional<std::string>, 3> lines;
  std::size_t n = 0;
  for (auto& part : split(text, '\n')) {
    std::string line(trim_blank(part));
    if (line.empty()) {
      continue;
    }
    if (n < 3) {
      lines[n++] = line;
    } else {
      *lines[2] += ", " + line;
    }
  }
  return lines;
}

}  // namespace

const std::array<FieldSpec, kFamilyFieldCount>& family_fields() { return kFields; }

std::optional<std::size_t> find_family_field(const std::string& name_or_label) {
  const std::string key = fold_key(name_or_label);
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    if (key == fold_key(kFields[i].label) || key == fold_key(kFields[i].name)) {
      return i;
    }
  }
  return std::nullopt;
}

HeaderMapping load_header_mapping(const std::string& path) {
  const YAML::Node root = load_yaml_input(path, "mapping file ");
  auto at = [&](const YAML::Node& n) { return yaml_position(path, n.Mark()); };
  HeaderMapping mapping;
  if (root.IsNull()) {
    return mapping;
  }
  if (!root.IsMap()) {
    throw DataError(at(root) + ": expected a mapping with 'columns:' and/or 'ignore:'");
  }
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    if (key == "columns") {
      if (!entry.second.IsMap()) {
        throw DataError(at(entry.second) + ": columns: expected a mapping \"Their header\": \"Nom\"");
      }
      for (const auto& rename : entry.second) {
        const auto field = find_family_field(rename.second.Scalar());
        if (!rename.second.IsScalar() || !field) {
          throw DataError(at(rename.second) + ": \"" + rename.second.Scalar() +
                          "\" is not a column of the families file (expected a default header such as "
                          "\"Nom\" or a field name such as last_name)");
        }
        mapping.renames[fold_key(rename.first.Scalar())] = *field;
      }
    } else if (key == "ignore") {
      if (!entry.second.IsSequence()) {
        throw DataError(at(entry.second) + ": ignore: expected a list of headers");
      }
      for (const auto& header : entry.second) {
        mapping.ignored.push_back(fold_key(header.Scalar()));
      }
    } else {
      throw DataError(at(entry.first) + ": unknown key '" + key + "' (expected columns or ignore)");
    }
  }
  return mapping;
}

ColumnMap map_columns(const std::string& file, const std::vector<std::string>& header, const HeaderMapping& mapping,
                      bool split) {
  ColumnMap map;
  std::vector<std::optional<std::size_t>> column_of_field(kFields.size());
  auto field_of = [&](const std::string& text) -> std::optional<std::size_t> {
    if (auto it = mapping.renames.find(fold_key(text)); it != mapping.renames.end()) {
      return it->second;
    }
    return find_family_field(text);
  };
  if (split) {
    map.role = FileRole::families;
    for (const auto& h : header) {
      if (field_of(cell_text(h)) == kBirthDate) {
        map.role = FileRole::students;
      }
    }
  }
  for (std::size_t c = 0; c < header.size(); ++c) {
    const std::string text = cell_text(header[c]);
    const std::string key = fold_key(text);
    std::optional<std::size_t> field = field_of(text);
    if (map.role == FileRole::students && field && *field >= 2 && *field <= 4) {
      field = *field + 14;  // Civilité, Nom, Prénom of a students file: the student's
    } else if (map.role == FileRole::students && field && *field > 1 && *field < 16) {
      map.unknown.push_back("column " + std::to_string(c + 1) + " \"" + text +
                            "\" is a family column: a students file does not change families, so it was not imported");
      map.field_of_column.emplace_back();
      continue;
    }
    if (!field) {
      const bool ignored = key.empty() || std::find(mapping.ignored.begin(), mapping.ignored.end(), key) !=
                                              mapping.ignored.end();
      if (!ignored) {
        map.unknown.push_back("column " + std::to_string(c + 1) + " \"" + text +
                              "\" is not a known column and was not imported (rename it with --mapping, or list it "
                              "under 'ignore:')");
      }
      map.field_of_column.emplace_back();
      continue;
    }
    if (column_of_field[*field]) {
      throw DataError(file + ":1:" + std::to_string(c + 1) + ": column \"" + text + "\" repeats column " +
                      std::to_string(*column_of_field[*field] + 1) + " (both are " + kFields[*field].label + ")");
    }
    column_of_field[*field] = c;
    map.field_of_column.push_back(field);
  }
  std::vector<std::string> missing;
  const bool any_student = std::any_of(column_of_field.begin() + 16, column_of_field.end(),
                                       [](const auto& c) { return c.has_value(); });
  if (map.role == FileRole::families && any_student) {
    throw DataError(file + ":1: the families file of a split layout has student columns (use --layout rows)");
  }
  if (map.role == FileRole::students && !column_of_field[0]) {
    missing.emplace_back(kFields[0].label);
  }
  if (map.role != FileRole::students && !column_of_field[kLastName]) {
    missing.emplace_back(kFields[kLastName].label);
  }
  if (any_student || map.role == FileRole::students) {
    for (std::size_t required : {kStudentFirstName, kBirthDate}) {
      if (!column_of_field[required]) {
        missing.emplace_back(kFields[required].label);
      }
    }
  }
  if (!missing.empty()) {
    throw DataError(file + ":1: required column" + (missing.size() > 1 ? "s " : " ") + join(missing, ", ") +
                    " not found in the header (a --mapping file can rename other headers)");
  }
  return map;
}

FamilyRow check_family_row(const std::string& file, std::size_t line, const std::vector<std::string>& header,
                           const std::vector<std::string>& fields, const ColumnMap& columns,
                           const std::map<std::string, int>& site_ids, const std::string& default_site,
                           std::vector<Problem>& problems) {
  FamilyRow row;
  auto problem = [&](std::size_t column, const std::string& message) {
    const std::string name = column < header.size() ? cell_text(header[column]) : "?";
    problems.push_back(Problem{where(file, line, column + 1), "\"" + name + "\": " + message});
  };
  if (fields.size() > columns.field_of_column.size()) {
    bool extra_data = false;
    for (std::size_t c = columns.field_of_column.size(); c < fields.size(); ++c) {
      extra_data = extra_data || !is_blank(fields[c]);
    }
    if (extra_data) {
      problems.push_back(Problem{where(file, line, columns.field_of_column.size() + 1),
                                 "the row has " + std::to_string(fields.size()) + " cells but the header only " +
                                     std::to_string(columns.field_of_column.size())});
    }
  }
  std::array<std::size_t, kFamilyFieldCount> column_of{};
  column_of.fill(SIZE_MAX);
  for (std::size_t c = 0; c < columns.field_of_column.size() && c < fields.size(); ++c) {
    const auto field = columns.field_of_column[c];
    if (!field) {
      continue;
    }
    column_of[*field] = c;
    const FieldSpec& spec = kFields[*field];
    const std::string text = cell_text(fields[c]);
    if (text.empty()) {
      continue;
    }
    if (has_control_character(text, spec.kind == K::address)) {
      problem(c, "contains a control character");
      continue;
    }
    if (spec.level == L::student) {
      row.has_student = true;
    }
    std::optional<std::string> value;
    switch (spec.kind) {
      case K::civility:
        value = normalize_civility(text);
        break;
      case K::postal_code:
        value = normalize_postal_code(text);
        break;
      case K::phone:
        value = normalize_phone(text);
        break;
      case K::email:
        value = normalize_email(text);
        break;
      case K::quotient:
        if (auto n = parse_euros_integer(text)) {
          value = std::to_string(*n);
        }
        break;
      case K::date:
        if (auto d = parse_date(text)) {
          value = d->iso();
        }
        break;
      case K::address:
        row.address_lines = split_address(text);
        value = text;
        break;
      case K::site:
        if (auto code = site_ids.find(ascii_upper(text)); code != site_ids.end()) {
          row.site_id = code->second;
          value = code->first;
        } else {
          problem(c, "unknown site " + quoted(text) + " (see 'imuse-admin site list')");
          continue;
        }
        break;
      default:
        value = text;
        break;
    }
    if (!value || value->empty()) {
      problem(c, "expected " + expected_text(spec.kind) + ", got " + quoted(text));
      continue;
    }
    row.values[*field] = std::move(value);
  }
  row.family_data = columns.role != FileRole::students;
  if (!row.family_data) {
    row.has_student = true;
    if (!row.values[0]) {
      problem(column_of[0], "missing: a student row needs the \"Réf famille\" of its family");
    }
  } else if (!row.values[kLastName]) {
    problem(column_of[kLastName], "missing: every row needs the family's name");
  }
  const bool site_given = column_of[1] != SIZE_MAX && column_of[1] < fields.size() && !is_blank(fields[column_of[1]]);
  if (!row.site_id && !site_given && !row.family_data) {
    if (auto code = site_ids.find(default_site); code != site_ids.end()) {
      row.site_id = code->second;  // else the family's site is found from its reference
      row.values[1] = code->first;
    }
  } else if (!row.site_id && !site_given) {
    if (auto code = site_ids.find(default_site); code != site_ids.end()) {
      row.site_id = code->second;
      row.values[1] = code->first;
    } else {
      problems.push_back(Problem{where(file, line, column_of[1] == SIZE_MAX ? 1 : column_of[1] + 1),
                                 "no site: the row has no \"Site\" and no --site was given"});
    }
  }
  if (row.has_student) {
    if (!row.values[kStudentFirstName] && column_of[kStudentFirstName] != SIZE_MAX) {
      problem(column_of[kStudentFirstName], "missing: a student needs a first name");
    }
    if (!row.values[kBirthDate] && column_of[kBirthDate] != SIZE_MAX &&
        is_blank(fields.size() > column_of[kBirthDate] ? fields[column_of[kBirthDate]] : "")) {
      problem(column_of[kBirthDate], "missing: a student needs a birth date");
    }
  }
  return row;
}

}  // namespace imuse
