#include "import/families_export.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <yaml-cpp/yaml.h>

#include "db/cursor.hpp"
#include "import/family_fields.hpp"
#include "sites/sites.hpp"
#include "util/csv.hpp"
#include "util/error.hpp"
#include "util/french.hpp"

namespace imuse {

namespace {

// The family and student columns, in the order of family_fields() (address as one text).
constexpr const char* kQuery =
    "SELECT f.id, f.external_ref, s.code, f.civility, f.last_name, f.first_name, "
    "       concat_ws(E'\\n', f.address_line1, f.address_line2, f.address_line3), f.postal_code, f.city, "
    "       f.phone_home, f.phone_mobile, f.phone_work, f.email, f.marital_status, f.socio_professional_code, "
    "       f.profession, f.family_quotient, "
    "       st.civility, st.last_name, st.first_name, st.birth_date, st.birth_place, st.school, st.school_level, "
    "       st.emergency_contact_name, st.emergency_phone "
    "FROM families f JOIN sites s ON s.id = f.site_id "
    "LEFT JOIN students st ON st.family_id = f.id "
    "WHERE ($1 = '' OR s.code = $1) "
    "ORDER BY s.code, f.external_ref NULLS LAST, f.id, st.birth_date, st.first_name, st.id";

std::string civility_text(const std::string& stored) { return stored == "MME" ? "Mme" : stored == "M" ? "M." : stored; }

// A stored value as the export writes it for field `i` (CSV: the French forms offices read).
std::string csv_value(std::size_t field, const pqxx::field& f) {
  if (f.is_null()) {
    return "";
  }
  const std::string v = f.as<std::string>();
  switch (family_fields()[field].kind) {
    case FieldKind::civility:
      return civility_text(v);
    case FieldKind::phone:
      return format_phone(v);
    case FieldKind::date:
      if (auto d = parse_date(v)) {
        return d->french();
      }
      return v;
    default:
      return v;
  }
}

// A stored value for YAML/JSON: the database's own forms (E.164, ISO dates, M/MME).
std::optional<std::string> data_value(const pqxx::field& f) {
  if (f.is_null()) {
    return std::nullopt;
  }
  return f.as<std::string>();
}

constexpr std::size_t kFirstStudentField = 16;

// Writes the rows as CSV, one row per student (or per family without students).
class CsvExport {
 public:
  CsvExport(std::ostream& out, Report& report) : writer_(out), report_(report), cells_(kFamilyFieldCount) {
    writer_.write_bom();
    std::vector<std::string> header;
    for (const auto& spec : family_fields()) {
      header.emplace_back(spec.label);
    }
    writer_.write_row(header);
  }

  void row(const pqxx::row& row) {
    for (std::size_t i = 0; i < kFamilyFieldCount; ++i) {
      cells_[i] = csv_value(i, row[static_cast<int>(i) + 1]);
    }
    writer_.write_row(cells_);
    const auto id = row[0].as<long long>();
    if (id != last_family_) {
      report_.add("families");
      last_family_ = id;
    }
    if (!row[static_cast<int>(kFirstStudentField) + 3].is_null()) {
      report_.add("students");
    }
  }

 private:
  CsvWriter writer_;
  Report& report_;
  std::vector<std::string> cells_;
  long long last_family_ = -1;
};

// Groups the rows into one object per family with its students, for the structured formats.
class FamilyGroups {
 public:
  using Emit = std::function<void(const nlohmann::ordered_json&)>;
  FamilyGroups(Report& report, Emit emit) : report_(report), emit_(std::move(emit)) {}

  void row(const pqxx::row& row) {
    const auto id = row[0].as<long long>();
    if (id != last_family_) {
      finish();
      last_family_ = id;
      report_.add("families");
      family_ = nlohmann::ordered_json::object();
      for (std::size_t i = 0; i < kFirstStudentField; ++i) {
        if (auto v = data_value(row[static_cast<int>(i) + 1])) {
          family_[family_fields()[i].name] = family_fields()[i].kind == FieldKind::quotient
                                                 ? nlohmann::ordered_json(std::stoi(*v))
                                                 : nlohmann::ordered_json(*v);
        }
      }
      family_["students"] = nlohmann::ordered_json::array();
    }
    if (row[static_cast<int>(kFirstStudentField) + 3].is_null()) {
      return;
    }
    report_.add("students");
    nlohmann::ordered_json student = nlohmann::ordered_json::object();
    for (std::size_t i = kFirstStudentField; i < kFamilyFieldCount; ++i) {
      if (auto v = data_value(row[static_cast<int>(i) + 1])) {
        std::string name = family_fields()[i].name;
        if (name.rfind("student_", 0) == 0) {
          name = name.substr(8);
        }
        student[name] = *v;
      }
    }
    family_["students"].push_back(std::move(student));
  }

  // Emits the family in progress, if any.
  void finish() {
    if (!family_.is_null()) {
      emit_(family_);
      family_ = nullptr;
    }
  }

 private:
  Report& report_;
  Emit emit_;
  nlohmann::ordered_json family_;
  long long last_family_ = -1;
};

void emit_yaml(YAML::Emitter& out, const nlohmann::ordered_json& value) {
  if (value.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, item] : value.items()) {
      out << YAML::Key << key << YAML::Value;
      emit_yaml(out, item);
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& item : value) {
      emit_yaml(out, item);
    }
    out << YAML::EndSeq;
  } else if (value.is_number_integer()) {
    out << value.get<long long>();
  } else {
    out << YAML::DoubleQuoted << value.get<std::string>();
  }
}

}  // namespace

void export_families(pqxx::transaction_base& tx, const FamiliesExportOptions& options, std::ostream& out,
                     Report& report) {
  if (!options.site.empty()) {
    require_site(tx, options.site);
  }
  report.add("families", 0);
  report.add("students", 0);
  const std::vector<std::string> params{options.site};
  switch (options.format) {
    case ExportFormat::csv: {
      CsvExport csv(out, report);
      for_each_row(tx, kQuery, params, [&](const pqxx::row& row) { csv.row(row); });
      break;
    }
    case ExportFormat::json: {
      out << "{\"families\": [";
      bool first = true;
      FamilyGroups groups(report, [&](const nlohmann::ordered_json& family) {
        out << (first ? "\n  " : ",\n  ") << family.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        first = false;
      });
      for_each_row(tx, kQuery, params, [&](const pqxx::row& row) { groups.row(row); });
      groups.finish();
      out << (first ? "]}\n" : "\n]}\n");
      break;
    }
    case ExportFormat::yaml: {
      YAML::Emitter emitter(out);
      emitter << YAML::BeginMap << YAML::Key << "families" << YAML::Value << YAML::BeginSeq;
      FamilyGroups groups(report, [&](const nlohmann::ordered_json& family) { emit_yaml(emitter, family); });
      for_each_row(tx, kQuery, params, [&](const pqxx::row& row) { groups.row(row); });
      groups.finish();
      emitter << YAML::EndSeq << YAML::EndMap;
      out << '\n';
      break;
    }
  }
}

}  // namespace imuse
