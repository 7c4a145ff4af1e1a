#pragma once
// `enrolments import`: students enrolled in courses for a school year, from CSV (or the export's
// YAML/JSON). The student is found by the family's reference (families.external_ref on the
// row's site) and students.match_key (folded first name | birth date); the course by (site,
// folded name). Past years are the students' history.
#include <pqxx/pqxx>
#include <vector>

#include "import/flat_import.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse {

// The columns of an enrolments file, in the order of the default headers and of the exports.
const std::vector<ColumnSpec>& enrolment_columns();

// Creates the enrolments of the file that are not in the database (source 'import') and
// reinstates listed ones that were withdrawn; never deletes. Counters rows, created, reinstated,
// unchanged, rejected_rows. A row naming an unknown family, student or course is rejected.
void import_enrolments(pqxx::transaction_base& tx, const FlatImportOptions& options, Progress& progress,
                       Report& report);

}  // namespace imuse
