#include <algorithm>
#include <filesystem>
#include <fstream>

#include "import/families_import.hpp"
#include "import/flat_import.hpp"
#include "util/error.hpp"

// The rejected rows of the one-item-per-row imports: their problems in file order, the
// DataError of --on-error abort, and the reject files of --on-error skip.

namespace imuse {

void FlatImport::add_rejection(std::size_t file_no, std::size_t row_no, std::size_t field, Problem problem) {
  rejected_rows_[file_no].insert(row_no);
  std::size_t column = field;  // YAML/JSON: the order of the fields is good enough within an entry
  if (auto it = csv_columns_.find(file_no); it != csv_columns_.end()) {
    column = field == kWholeRow ? 0 : it->second.column_of_field[field];
  }
  rejection_order_.emplace_back(file_no, row_no, column);
  report_.rejected.push_back(std::move(problem));
}

void FlatImport::reject(long long pos, std::size_t field, const std::string& message, bool labelled) {
  const auto file_no = static_cast<std::size_t>(pos / 1000000000LL);
  const auto row_no = static_cast<std::size_t>(pos % 1000000000LL);
  add_rejection(
      file_no, row_no, field,
      Problem{where(file_no, row_no, field), (labelled ? "\"" + label(file_no, field) + "\": " : "") + message});
}

void FlatImport::fail_if_rejected_and_aborting() {
  // Rows are checked in two passes (each cell, then references in the database): sort by place.
  std::vector<std::size_t> order(report_.rejected.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return rejection_order_[a] < rejection_order_[b]; });
  std::vector<Problem> sorted;
  decltype(rejection_order_) sorted_order;
  for (auto i : order) {
    sorted.push_back(std::move(report_.rejected[i]));
    sorted_order.push_back(rejection_order_[i]);
  }
  report_.rejected = std::move(sorted);
  rejection_order_ = std::move(sorted_order);
  throw_if_aborting(report_, options_.skip_bad);
}

void FlatImport::write_rejects() {
  write_reject_files(
      report_, RejectFiles{options_.files, options_.rejects_file, options_.csv, options_.skip_bad, options_.dry_run},
      rejected_rows_, [&](std::size_t file_no) { return entries_.count(file_no) > 0; },
      [&](std::size_t file_no, const std::set<std::size_t>& rows, const std::string& path) {
        std::vector<YAML::Node> entries;
        for (auto row_no : rows) {
          entries.push_back(entries_.at(file_no).at(row_no - 1));
        }
        write_yaml_rejects(path, items_, entries);
        report_.messages.push_back(std::to_string(rows.size()) + " rejected entr" + (rows.size() > 1 ? "ies" : "y") +
                                   " written to " + path);
      });
}

void throw_if_aborting(const Report& report, bool skip_bad) {
  if (skip_bad || report.rejected.empty()) {
    return;
  }
  const std::size_t n = report.rejected.size();
  std::string message = std::to_string(n) + " problem" + (n > 1 ? "s" : "") +
                        " in the input; nothing was imported (--on-error skip imports the valid rows):";
  std::size_t shown = 0;
  for (const auto& p : report.rejected) {
    if (++shown > 50) {
      message += "\n  ... and " + std::to_string(n - 50) + " more";
      break;
    }
    message += "\n  " + p.item + ": " + p.message;
  }
  throw DataError(message);
}

void write_reject_files(Report& report, const RejectFiles& files, const RejectedRows& rejected,
                        const std::function<bool(std::size_t)>& structured,
                        const std::function<void(std::size_t, const std::set<std::size_t>&, const std::string&)>&
                            write_structured) {
  report.add("rejected_rows", 0);
  for (const auto& [file_no, rows] : rejected) {
    report.add("rejected_rows", static_cast<std::int64_t>(rows.size()));
  }
  if (!files.skip_bad || rejected.empty()) {
    return;
  }
  if (files.dry_run) {
    report.messages.emplace_back("dry run: no reject file written");
    return;
  }
  for (const auto& [file_no, rows] : rejected) {
    const std::string& input = files.inputs[file_no];
    if (structured(file_no)) {
      write_structured(file_no, rows, structured_rejects_path(input, files.rejects_file));
      continue;
    }
    const std::string path = files.rejects_file.empty() ? default_rejects_path(input) : files.rejects_file;
    write_csv_rejects(input, files.csv, rows, path);
    report.messages.push_back(std::to_string(rows.size()) + " rejected row(s) written to " + path);
  }
}

std::string structured_rejects_path(const std::string& input, const std::string& rejects_file) {
  if (!rejects_file.empty()) {
    return rejects_file;
  }
  const std::filesystem::path p(input);
  return (p.parent_path() / (p.stem().string() + ".rejects.yaml")).string();
}

void write_yaml_rejects(const std::string& path, const std::string& key, const std::vector<YAML::Node>& entries) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& entry : entries) {
    out << entry;
  }
  out << YAML::EndSeq << YAML::EndMap;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << out.c_str() << '\n';
  file.close();
  if (!file) {
    throw OutputError("cannot write the reject file " + path);
  }
}

std::string quoted(const std::string& text) {
  if (text.size() <= 60) {
    return "\"" + text + "\"";
  }
  std::size_t cut = 57;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;  // never in the middle of a UTF-8 sequence
  }
  return "\"" + text.substr(0, cut) + "...\"";
}

void write_csv_rejects(const std::string& input, const CsvOptions& csv, const std::set<std::size_t>& lines,
                       const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw OutputError("cannot write the reject file " + path);
  }
  CsvReader reader(input, csv);
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
}

}  // namespace imuse
