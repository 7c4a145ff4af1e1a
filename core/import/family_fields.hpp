#pragma once
// The columns of a families file (layout "rows": one row per student, family columns repeated),
// their default French headers, and the checking of one row.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/report.hpp"

namespace imuse {

enum class FieldLevel { family, student };
enum class FieldKind { text, reference, site, civility, address, postal_code, phone, email, quotient, date };

struct FieldSpec {
  const char* name;   // key in YAML/JSON and mapping files, e.g. "phone_mobile"
  const char* label;  // default CSV header, the portal's label, e.g. "Mobile"
  FieldLevel level;
  FieldKind kind;
};

constexpr std::size_t kFamilyFieldCount = 25;
// Every field, in the order of the default headers (and of the exports).
const std::array<FieldSpec, kFamilyFieldCount>& family_fields();
// Index of a field by name or header, compared without case, accents, spaces and punctuation.
std::optional<std::size_t> find_family_field(const std::string& name_or_label);

// What a file holds: layout "rows" (families and their students), or one of the two files of
// layout "split" (families; students joined to their family by "Réf famille").
enum class FileRole { rows, families, students };

// Which field each CSV column feeds (nullopt: not imported), after a mapping file's renames.
struct ColumnMap {
  FileRole role = FileRole::rows;
  std::vector<std::optional<std::size_t>> field_of_column;
  std::vector<std::string> unknown;  // sentences about headers that were not imported
};

// A mapping file: `columns: {"Their header": "Nom" or "last_name", ...}`, `ignore: [...]`.
struct HeaderMapping {
  std::map<std::string, std::size_t> renames;  // folded source header -> field
  std::vector<std::string> ignored;            // folded headers to ignore silently
};
// Reads a mapping file; DataError naming file, line and column when it is wrong.
HeaderMapping load_header_mapping(const std::string& path);
// Maps a header row; DataError when a required column is missing or a field appears twice.
// With `split`, a file with a "Date de naissance" column is the students file: there "Civilité",
// "Nom" and "Prénom" are the student's, and family columns other than the reference are ignored.
ColumnMap map_columns(const std::string& file, const std::vector<std::string>& header, const HeaderMapping& mapping,
                      bool split = false);

// One checked row, normalised to what the database stores (nullopt = blank cell).
struct FamilyRow {
  std::array<std::optional<std::string>, kFamilyFieldCount> values;
  std::array<std::optional<std::string>, 3> address_lines;  // the "Adresse" cell split into lines
  std::optional<int> site_id;
  bool has_student = false;
  bool family_data = true;  // false for a row of a split layout's students file
};

// Checks and normalises one CSV record. Problems are appended to `problems` with the item
// "<file>:<line>:<column>" and a message naming the header and what was expected.
FamilyRow check_family_row(const std::string& file, std::size_t line, const std::vector<std::string>& header,
                           const std::vector<std::string>& fields, const ColumnMap& columns,
                           const std::map<std::string, int>& site_ids, const std::string& default_site,
                           std::vector<Problem>& problems);

}  // namespace imuse
