#pragma once
// Options shared by `courses import|export` and `enrolments import|export`, declared as
// `families import|export` declares them.
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "import/families_export.hpp"
#include "import/flat_import.hpp"
#include "util/output_file.hpp"

namespace imuse::cli {

struct FlatImportArgs {
  std::vector<std::string> files;
  std::string mapping;
  std::string encoding = "auto";
  std::string delimiter = "auto";
  std::string on_error = "abort";
  std::string rejects;
  bool clear_blanks = false;
};

// Declares FILE, --mapping, --encoding, --delimiter, --on-error and --rejects on `cmd`.
inline void add_flat_import_options(CLI::App* cmd, FlatImportArgs& o, const std::string& what) {
  cmd->add_option("FILE", o.files, "CSV files (or YAML/JSON as written by '" + what + " export')")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--mapping", o.mapping, "YAML file renaming other headers to the default ones")
      ->check(CLI::ExistingFile);
  cmd->add_option("--encoding", o.encoding, "auto (default), utf-8 or windows-1252")
      ->check(CLI::IsMember({"auto", "utf-8", "windows-1252"}));
  cmd->add_option("--delimiter", o.delimiter, "auto (default), ';', ',' or tab")
      ->check(CLI::IsMember({"auto", ";", ",", "tab", "\t", "semicolon", "comma"}));
  cmd->add_option("--on-error", o.on_error,
                  "abort (default): nothing is written; skip: import the valid rows and write the others to the "
                  "reject file (exit 1)")
      ->check(CLI::IsMember({"abort", "skip"}));
  cmd->add_option("--rejects", o.rejects, "Reject file for --on-error skip (default: next to the input, NAME.rejects.csv for NAME.csv)");
}

// The checked options; CLI::ValidationError (exit 64) for combinations that cannot work.
inline FlatImportOptions checked(const FlatImportArgs& o) {
  FlatImportOptions options;
  options.files = o.files;
  options.mapping_file = o.mapping;
  if (o.encoding == "utf-8") {
    options.csv.encoding = Encoding::utf8;
  } else if (o.encoding == "windows-1252") {
    options.csv.encoding = Encoding::windows1252;
  }
  if (o.delimiter == ";" || o.delimiter == "semicolon") {
    options.csv.delimiter = ';';
  } else if (o.delimiter == "," || o.delimiter == "comma") {
    options.csv.delimiter = ',';
  } else if (o.delimiter == "tab" || o.delimiter == "\t") {
    options.csv.delimiter = '\t';
  }
  options.skip_bad = o.on_error == "skip";
  if (!o.rejects.empty() && o.files.size() > 1) {
    throw CLI::ValidationError("--rejects",
                               "give --rejects with a single input file (each file gets its own "
                               "NAME.rejects.csv otherwise)");
  }
  options.rejects_file = o.rejects;
  if (!o.rejects.empty() &&
      std::filesystem::weakly_canonical(o.rejects) == std::filesystem::weakly_canonical(o.files.front())) {
    throw CLI::ValidationError("--rejects", "the reject file cannot be the input file");
  }
  options.clear_blanks = o.clear_blanks;
  return options;
}

struct ExportArgs {
  std::string format;
  std::string out;
};

// Declares --format and --out on `cmd`.
inline void add_export_options(CLI::App* cmd, ExportArgs& o) {
  cmd->add_option("--format", o.format, "csv (default, or from the --out extension), yaml or json")
      ->check(CLI::IsMember({"csv", "yaml", "json"}));
  cmd->add_option("--out", o.out, "Output file, written whole or not at all (default: standard output)");
}

// The format asked for, else the one of the --out extension, else CSV.
inline ExportFormat export_format(const ExportArgs& o) {
  const std::string ext = std::filesystem::path(o.out).extension().string();
  const std::string f = o.format.empty() ? (ext == ".json"                    ? "json"
                                            : ext == ".yaml" || ext == ".yml" ? "yaml"
                                                                              : "csv")
                                         : o.format;
  return f == "json" ? ExportFormat::json : f == "yaml" ? ExportFormat::yaml : ExportFormat::csv;
}

// Runs `write` on standard output, or on the --out file.
inline void write_export(const std::string& out, Report& r, const std::function<void(std::ostream&)>& write) {
  if (out.empty()) {
    write(std::cout);
    r.wrote_stdout = true;
    return;
  }
  write_file_atomically(out, write);
  r.messages.push_back("exported to " + out);
}

}  // namespace imuse::cli
