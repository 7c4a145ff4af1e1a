#include "import/flat_import.hpp"

#include "util/yaml_input.hpp"

#include <algorithm>
#include <filesystem>

#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/interrupt.hpp"
#include "util/text.hpp"

namespace imuse {

namespace {

// A cell's text: trimmed, with the quote that an export put before a formula-like value removed.
std::string cell_text(const std::string& raw) {
  return std::string(trim_blank(unneutralise_formula(raw)));
}

bool has_control_character(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

bool is_structured(const std::string& file) {
  const std::string ext = ascii_lower(std::filesystem::path(file).extension().string());
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

std::string mark_of(const std::string& file, const YAML::Node& node) {
  return file + ":" + std::to_string(node.Mark().line + 1) + ":" + std::to_string(node.Mark().column + 1);
}

// The value of `key` in a mapping, without yaml-cpp's operator[] (which can add null entries
// that would then show up in a reject file).
}  // namespace

FlatImport::FlatImport(pqxx::transaction_base& tx, const FlatImportOptions& options, std::string items,
                       std::vector<ColumnSpec> columns, Progress& progress, Report& report)
    : tx_(tx),
      options_(options),
      progress_(progress),
      report_(report),
      items_(std::move(items)),
      columns_(std::move(columns)) {}

void FlatImport::prepare() {
  // Staging tables have no statistics when planned; JIT compilation would cost more than the queries.
  tx_.exec0("SET LOCAL jit = off");
  for (const auto& row : tx_.exec("SELECT code, id FROM sites")) {
    site_ids_[row[0].as<std::string>()] = row[1].as<int>();
    site_codes_[row[1].as<int>()] = row[0].as<std::string>();
  }
  if (!options_.default_site.empty() && site_ids_.count(options_.default_site) == 0) {
    throw DataError("site " + options_.default_site + " does not exist (see 'imuse-admin site list')");
  }
  if (!options_.mapping_file.empty()) {
    load_mapping();
  }
}

// `columns: {"Their header": "Cours" or "name", ...}` and `ignore: [...]`, as for families.
void FlatImport::load_mapping() {
  const std::string& path = options_.mapping_file;
  const YAML::Node root = load_yaml_input(path, "mapping file ");
  if (root.IsNull()) {
    return;
  }
  if (!root.IsMap()) {
    throw DataError(mark_of(path, root) + ": expected a mapping with 'columns:' and/or 'ignore:'");
  }
  const ColumnSpec& example =
      *std::find_if(columns_.begin(), columns_.end(), [](const ColumnSpec& c) { return c.required; });
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    if (key == "columns" && entry.second.IsMap()) {
      for (const auto& rename : entry.second) {
        const auto field = rename.second.IsScalar() ? find_field(rename.second.Scalar()) : std::nullopt;
        if (!field) {
          throw DataError(mark_of(path, rename.second) + ": \"" + rename.second.Scalar() +
                          "\" is not a column of the " + items_ + " file (expected a default header such as \"" +
                          example.label + "\" or a field name such as " + example.name + ")");
        }
        renames_[fold_key(rename.first.Scalar())] = *field;
      }
    } else if (key == "ignore" && entry.second.IsSequence()) {
      for (const auto& header : entry.second) {
        ignored_.push_back(fold_key(header.Scalar()));
      }
    } else if (key == "columns" || key == "ignore") {
      throw DataError(mark_of(path, entry.second) + ": " + key +
                      (key == "columns"
                           ? ": expected a mapping \"Their header\": \"" + std::string(example.label) + "\""
                           : ": expected a list of headers"));
    } else {
      throw DataError(mark_of(path, entry.first) + ": unknown key '" + key + "' (expected columns or ignore)");
    }
  }
}

std::optional<std::size_t> FlatImport::find_field(const std::string& text) const {
  const std::string key = fold_key(text);
  for (std::size_t i = 0; i < columns_.size() && !key.empty(); ++i) {
    const ColumnSpec& c = columns_[i];
    if (key == fold_key(c.label) || key == fold_key(c.name) || (c.alias != nullptr && key == fold_key(c.alias))) {
      return i;
    }
  }
  return std::nullopt;
}

FlatImport::FileColumns FlatImport::map_header(const std::string& file, const std::vector<std::string>& header) {
  FileColumns map;
  map.column_of_field.assign(columns_.size(), SIZE_MAX);
  for (std::size_t c = 0; c < header.size(); ++c) {
    const std::string text = cell_text(header[c]);
    const std::string key = fold_key(text);
    map.header.push_back(text);
    const auto renamed = renames_.find(key);
    const std::optional<std::size_t> field = renamed != renames_.end() ? renamed->second : find_field(text);
    if (!field) {
      if (!key.empty() && std::find(ignored_.begin(), ignored_.end(), key) == ignored_.end()) {
        report_.warnings.push_back(file + ": column " + std::to_string(c + 1) + " \"" + text +
                                   "\" is not a known column and was not imported "
                                   "(rename it with --mapping, or list it under 'ignore:')");
      }
      map.field_of_column.emplace_back();
      continue;
    }
    if (map.column_of_field[*field] != SIZE_MAX) {
      throw DataError(file + ":1:" + std::to_string(c + 1) + ": column \"" + text + "\" repeats column " +
                      std::to_string(map.column_of_field[*field] + 1) + " (both are " + columns_[*field].label + ")");
    }
    map.column_of_field[*field] = c;
    map.field_of_column.push_back(field);
  }
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].required && map.column_of_field[i] == SIZE_MAX) {
      missing.emplace_back(columns_[i].label);
    }
  }
  if (!missing.empty()) {
    throw DataError(file + ":1: required column" + (missing.size() > 1 ? "s " : " ") + join(missing, ", ") +
                    " not found in the header (a --mapping file can rename other headers)");
  }
  return map;
}

void FlatImport::read_files(CopyWriter& copy) {
  for (std::size_t f = 0; f < options_.files.size(); ++f) {
    if (is_structured(options_.files[f])) {
      read_structured(f, copy);
    } else {
      read_csv(f, copy);
    }
  }
}

void FlatImport::read_csv(std::size_t file_no, CopyWriter& copy) {
  const std::string& file = options_.files[file_no];
  CsvReader reader(file, options_.csv);
  const FileColumns& columns = csv_columns_[file_no] = map_header(file, reader.header().fields);
  unsigned mask = 0;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    mask |= columns.column_of_field[i] != SIZE_MAX ? 1U << i : 0U;
  }
  present_[file_no] = mask;
  progress_.start("reading " + std::filesystem::path(file).filename().string(), 0);
  CsvRecord record;
  FlatRow row;
  std::size_t rows = 0;
  while (reader.next(record)) {
    if ((++rows & 1023) == 0) {
      check_interrupted();
      progress_.advance(1024);
    }
    row.file_no = file_no;
    row.row_no = record.line;
    row.issues.clear();
    row.cells.assign(columns_.size(), std::string());
    const std::size_t width = columns.field_of_column.size();
    for (std::size_t c = 0; c < record.fields.size(); ++c) {
      if (c >= width) {
        if (!is_blank(record.fields[c])) {
          row.row_problem("the row has " + std::to_string(record.fields.size()) + " cells but the header only " +
                          std::to_string(width));
          break;
        }
        continue;
      }
      if (columns.field_of_column[c]) {
        row.cells[*columns.field_of_column[c]] = cell_text(record.fields[c]);
      }
    }
    finish_row(row, copy);
  }
  progress_.finish();
  report_.add("rows", static_cast<std::int64_t>(rows));
}

// YAML or JSON in the export's shape, {<items>: [{name: value, ...}, ...]}, or a bare list.
void FlatImport::read_structured(std::size_t file_no, CopyWriter& copy) {
  const std::string& file = options_.files[file_no];
  const YAML::Node root = load_yaml_input(file);
  const YAML::Node list = root.IsMap() ? yaml_child(root, items_) : root;
  if (!list.IsDefined() || !list.IsSequence()) {
    throw DataError(mark_of(file, root) + ": expected {" + items_ + ": [...]} as written by '" + items_ + " export'");
  }
  present_[file_no] = (1U << columns_.size()) - 1;
  auto& entries = entries_[file_no];
  FlatRow row;
  for (std::size_t k = 0; k < list.size(); ++k) {
    entries.push_back(list[k]);
    const YAML::Node& entry = entries.back();
    row.file_no = file_no;
    row.row_no = k + 1;
    row.issues.clear();
    row.cells.assign(columns_.size(), std::string());
    if (!entry.IsMap()) {
      row.row_problem("expected an entry of the " + items_ + " list (a mapping)");
      finish_row(row, copy);
      continue;
    }
    for (const auto& item : entry) {
      const std::string key = item.first.Scalar();
      const auto it =
          std::find_if(columns_.begin(), columns_.end(), [&](const ColumnSpec& c) { return key == c.name; });
      if (it == columns_.end()) {
        report_.warnings.push_back(mark_of(file, item.first) + ": unknown key '" + key + "' was not imported");
        continue;
      }
      const auto field = static_cast<std::size_t>(it - columns_.begin());
      if (item.second.IsScalar()) {
        row.cells[field] = std::string(trim_blank(item.second.Scalar()));
      } else if (!item.second.IsNull()) {
        row.problem(field, "expected a single value");
      }
    }
    finish_row(row, copy);
  }
  report_.add("rows", static_cast<std::int64_t>(list.size()));
}

void FlatImport::finish_row(FlatRow& row, CopyWriter& copy) {
  for (std::size_t i = 0; i < row.cells.size(); ++i) {
    if (has_control_character(row.cells[i])) {
      row.problem(i, "contains a control character");
      row.cells[i].clear();
    }
  }
  if (row.issues.empty()) {
    stage(row, copy);
  }
  if (row.issues.empty()) {
    return;
  }
  for (const auto& issue : row.issues) {
    const std::string prefix = issue.labelled ? "\"" + label(row.file_no, issue.field) + "\": " : "";
    add_rejection(row.file_no, row.row_no, issue.field,
                  Problem{where(row.file_no, row.row_no, issue.field), prefix + issue.message});
  }
}

std::optional<int> FlatImport::site_of(FlatRow& row, std::size_t site_field) {
  const std::string& text = row.cells[site_field];
  if (!text.empty()) {
    if (auto it = site_ids_.find(ascii_upper(text)); it != site_ids_.end()) {
      return it->second;
    }
    row.problem(site_field, "unknown site \"" + text + "\" (see 'imuse-admin site list')");
    return std::nullopt;
  }
  if (auto it = site_ids_.find(options_.default_site); it != site_ids_.end()) {
    return it->second;
  }
  row.row_problem("no site: the row has no \"Site\" and no --site was given", site_field);
  return std::nullopt;
}

std::string FlatImport::where(std::size_t file_no, std::size_t row_no, std::size_t field) const {
  const std::string& file = options_.files[file_no];
  if (auto it = entries_.find(file_no); it != entries_.end()) {
    const YAML::Node& entry = it->second.at(row_no - 1);
    if (field == kWholeRow || !entry.IsMap()) {
      return mark_of(file, entry);
    }
    const YAML::Node value = yaml_child(entry, columns_[field].name);
    return mark_of(file, value.IsDefined() ? value : entry);
  }
  const auto& columns = csv_columns_.at(file_no);
  const std::size_t column = field == kWholeRow ? SIZE_MAX : columns.column_of_field[field];
  return file + ":" + std::to_string(row_no) + ":" + std::to_string(column == SIZE_MAX ? 1 : column + 1);
}

std::string FlatImport::label(std::size_t file_no, std::size_t field) const {
  if (field == kWholeRow) {
    return "";
  }
  if (auto it = csv_columns_.find(file_no); it != csv_columns_.end() && it->second.column_of_field[field] != SIZE_MAX) {
    return it->second.header[it->second.column_of_field[field]];
  }
  return entries_.count(file_no) > 0 ? columns_[field].name : columns_[field].label;
}

std::string FlatImport::location(long long pos) const {
  const auto file_no = static_cast<std::size_t>(pos / 1000000000LL);
  const auto row_no = static_cast<std::size_t>(pos % 1000000000LL);
  if (auto it = entries_.find(file_no); it != entries_.end()) {
    return options_.files[file_no] + ":" + std::to_string(it->second.at(row_no - 1).Mark().line + 1);
  }
  return options_.files[file_no] + ":" + std::to_string(row_no);
}

void FlatImport::run_staged(const std::string& table, const std::vector<std::pair<std::string, std::string>>& columns,
                            const std::function<void()>& match, const std::function<void()>& record) {
  prepare();
  std::string ddl = "CREATE TEMP TABLE " + table + " (";
  std::vector<std::string> names;
  for (const auto& [name, type] : columns) {
    ddl += (names.empty() ? "" : ", ") + name + " " + type;
    names.push_back(name);
  }
  tx_.exec0(ddl + ") ON COMMIT DROP");
  {
    CopyWriter copy(tx_, table, names);
    read_files(copy);
    copy.complete();
  }
  match();
  fail_if_rejected_and_aborting();
  record();
  write_rejects();
}

}  // namespace imuse
