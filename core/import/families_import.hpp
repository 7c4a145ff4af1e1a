#pragma once
// `families import`: CSV files of families and students into the database, in one transaction,
// through COPY into a staging table and set-based SQL.
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "util/csv.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse {

struct FamiliesImportOptions {
  std::vector<std::string> files;
  std::string mapping_file;  // "" = default headers only
  bool split = false;        // layout "split": families files and students files joined by "Réf famille"
  CsvOptions csv;
  std::string default_site;  // for rows without a "Site" cell
  bool skip_bad = false;     // --on-error skip: import the valid rows, write the others to a reject file
  std::string rejects_file;  // "" = <file>.rejects.csv beside each input
  bool update = true;        // --no-update: leave existing families and students as they are
  bool clear_blanks = false; // a blank cell erases the stored value
  bool dry_run = false;      // list field-level differences in the report; write no reject file
};

// Imports the files. Bad rows: DataError listing them (nothing written) unless `skip_bad`, in
// which case they become rejected items and are copied to the reject file.
void import_families(pqxx::transaction_base& tx, const FamiliesImportOptions& options, Progress& progress,
                     Report& report);
// The default reject file of an input: "dir/name.csv" -> "dir/name.rejects.csv".
std::string default_rejects_path(const std::string& input);

}  // namespace imuse
