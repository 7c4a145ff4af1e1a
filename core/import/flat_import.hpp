#pragma once
// The frame of the imports whose files hold one item per row (`courses import`, `enrolments
// import`), with the conventions of `families import`: default French headers matched without
// case, accents, spaces and punctuation; `--mapping` files; CSV, or YAML/JSON in the export's
// shape; good rows streamed through COPY into a staging table; bad rows reported as
// "<file>:<line>:<column>" with `--on-error abort` (DataError, nothing written) or `skip`
// (rejected rows copied byte for byte to a reject file).
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "db/copy.hpp"
#include "util/csv.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse {

// Rejected rows of an import: input file number -> its rejected row (line) numbers.
using RejectedRows = std::map<std::size_t, std::set<std::size_t>>;

struct ColumnSpec {
  const char* name;             // key in YAML/JSON and mapping files, e.g. "start_time"
  const char* label;            // default CSV header, e.g. "Heure"
  bool required;                // a CSV header must have this column
  const char* alias = nullptr;  // another header accepted without a mapping, e.g. "Début"
};

struct FlatImportOptions {
  std::vector<std::string> files;
  std::string mapping_file;  // "" = default headers only
  CsvOptions csv;
  std::string default_site;   // for rows without a "Site" cell
  bool skip_bad = false;      // --on-error skip
  std::string rejects_file;   // "" = <file>.rejects.csv (.rejects.yaml) beside each input
  bool clear_blanks = false;  // a blank cell of a column in the file erases the stored value
  bool dry_run = false;       // list the differences in the report; write no reject file
};

constexpr std::size_t kWholeRow = static_cast<std::size_t>(-1);

// One input row, its cells by field (in ColumnSpec order) rather than by CSV column.
struct FlatRow {
  struct Issue {
    std::size_t field;  // the field it is about (located at its cell), or kWholeRow
    std::string message;
    bool labelled;  // message prefixed with the column's header
  };
  std::size_t file_no = 0;
  std::size_t row_no = 0;          // CSV: physical line; YAML/JSON: the entry's number (1-based)
  std::vector<std::string> cells;  // trimmed, formula quote removed; "" = blank or no such column
  std::vector<Issue> issues;

  // A problem with one cell: "<file>:<line>:<column>: \"<header>\": <message>".
  void problem(std::size_t field, std::string message) { issues.push_back({field, std::move(message), true}); }
  // A problem with the row, located at `field`'s cell when the file has that column.
  void row_problem(std::string message, std::size_t field = kWholeRow) {
    issues.push_back({field, std::move(message), false});
  }
  // file_no and row_no in one number, the `pos` column of staging tables.
  long long pos() const { return static_cast<long long>(file_no) * 1000000000LL + static_cast<long long>(row_no); }
};

class FlatImport {
 public:
  FlatImport(pqxx::transaction_base& tx, const FlatImportOptions& options, std::string items,
             std::vector<ColumnSpec> columns, Progress& progress, Report& report);
  virtual ~FlatImport() = default;
  FlatImport(const FlatImport&) = delete;
  FlatImport& operator=(const FlatImport&) = delete;

 protected:
  // Loads the sites and checks the default site and the mapping file (JIT off for staging queries).
  void prepare();
  // Reads every file into `copy`, calling stage() for each row; rows left with issues are rejected.
  void read_files(CopyWriter& copy);
  // Checks a row and, when it has no issue, writes its staging row.
  virtual void stage(FlatRow& row, CopyWriter& copy) = 0;
  // The usual run of a staged import: prepare(), every file's accepted rows COPYed into the
  // temporary table `table` (columns as {name, SQL type}), then `match` (checks against the
  // database, which reject()), then `record` unless the rejections abort the run, then the
  // reject files.
  void run_staged(const std::string& table, const std::vector<std::pair<std::string, std::string>>& columns,
                  const std::function<void()>& match, const std::function<void()>& record);

  // The site of the row: its `site_field` cell, else the default site; an issue otherwise.
  std::optional<int> site_of(FlatRow& row, std::size_t site_field);
  // A problem found after staging (an unknown reference...) about `field` of the row at `pos`.
  void reject(long long pos, std::size_t field, const std::string& message, bool labelled = true);
  // Puts the rejections in file order, then: DataError listing them, unless --on-error skip.
  void fail_if_rejected_and_aborting();
  // Counts the rejected rows and, with --on-error skip, writes them to the reject files.
  void write_rejects();
  // "<file>:<line>" of a staged row, for dry-run tables and messages.
  std::string location(long long pos) const;
  // Bit `field` is set when the file of `file_no` has that column (YAML/JSON: every field).
  unsigned present_mask(std::size_t file_no) const { return present_.at(file_no); }
  const std::map<int, std::string>& site_codes() const { return site_codes_; }

  pqxx::transaction_base& tx_;
  const FlatImportOptions& options_;
  Progress& progress_;
  Report& report_;

 private:
  struct FileColumns {
    std::vector<std::optional<std::size_t>> field_of_column;
    std::vector<std::size_t> column_of_field;  // SIZE_MAX: not in the file
    std::vector<std::string> header;           // each column's header as written
  };
  void load_mapping();
  // The field a header or field name stands for, compared without case, accents and punctuation.
  std::optional<std::size_t> find_field(const std::string& text) const;
  void read_csv(std::size_t file_no, CopyWriter& copy);
  void read_structured(std::size_t file_no, CopyWriter& copy);
  FileColumns map_header(const std::string& file, const std::vector<std::string>& header);
  void finish_row(FlatRow& row, CopyWriter& copy);
  std::string where(std::size_t file_no, std::size_t row_no, std::size_t field) const;
  std::string label(std::size_t file_no, std::size_t field) const;
  void add_rejection(std::size_t file_no, std::size_t row_no, std::size_t field, Problem problem);

  std::string items_;  // "courses": YAML/JSON key, and "courses file" in messages
  std::vector<ColumnSpec> columns_;
  std::map<std::string, std::size_t> renames_;  // --mapping: folded header -> field
  std::vector<std::string> ignored_;            // --mapping: folded headers to ignore
  std::map<std::string, int> site_ids_;
  std::map<int, std::string> site_codes_;
  std::map<std::size_t, FileColumns> csv_columns_;          // by file_no
  std::map<std::size_t, std::vector<YAML::Node>> entries_;  // YAML/JSON inputs, by file_no
  std::map<std::size_t, unsigned> present_;
  RejectedRows rejected_rows_;
  std::vector<std::tuple<std::size_t, std::size_t, std::size_t>> rejection_order_;  // of report_.rejected
};

// A cell's text in quotes for a message, shortened past 60 characters.
std::string quoted(const std::string& text);

// Where and whether reject files are written: the import's --on-error, --rejects, --dry-run.
struct RejectFiles {
  const std::vector<std::string>& inputs;
  const std::string& rejects_file;  // --rejects FILE, "" = next to each input
  const CsvOptions& csv;
  bool skip_bad;
  bool dry_run;
};

// Under --on-error abort, a DataError listing the report's problems (the first 50) when there
// are any; nothing otherwise.
void throw_if_aborting(const Report& report, bool skip_bad);

// Adds the "rejected_rows" count to `report` and, under --on-error skip (not --dry-run), writes
// one reject file per input with rejected rows: the CSV records as they were read, or, for a
// YAML/JSON input (`structured`), what `write_structured(file_no, rows, path)` writes.
void write_reject_files(Report& report, const RejectFiles& files, const RejectedRows& rejected,
                        const std::function<bool(std::size_t)>& structured,
                        const std::function<void(std::size_t, const std::set<std::size_t>&, const std::string&)>&
                            write_structured);

// The reject file of a YAML/JSON input: --rejects FILE, else INPUT.rejects.yaml.
std::string structured_rejects_path(const std::string& input, const std::string& rejects_file);

// Writes `{key: [entries...]}` as YAML to `path` (OutputError when it cannot be written).
void write_yaml_rejects(const std::string& path, const std::string& key, const std::vector<YAML::Node>& entries);

// Copies the header and the records of `input` that start on one of `lines`, byte for byte
// (same encoding, same line endings), to `path`. OutputError when it cannot be written.
void write_csv_rejects(const std::string& input, const CsvOptions& csv, const std::set<std::size_t>& lines,
                       const std::string& path);

}  // namespace imuse
