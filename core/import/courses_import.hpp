#pragma once
// `courses import`: the course catalogue of the sites, from CSV (or the export's YAML/JSON),
// matched on (site, name as folded by fold_key), in one transaction through a staging table.
#include <pqxx/pqxx>
#include <vector>

#include "import/flat_import.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse {

// The columns of a courses file, in the order of the default headers and of the exports.
const std::vector<ColumnSpec>& course_columns();

// Creates the new courses and updates the changed ones; counters rows, created, updated,
// unchanged, rejected_rows. Bad rows: DataError listing them (nothing written) unless
// options.skip_bad. With options.dry_run, the report's table lists every field that would change.
void import_courses(pqxx::transaction_base& tx, const FlatImportOptions& options, Progress& progress, Report& report);

}  // namespace imuse
