#pragma once
// `courses export` and `courses list`: the course catalogue as CSV (the import's headers), YAML
// or JSON, in a stable order so that export -> import -> export gives identical files.
#include <ostream>
#include <pqxx/pqxx>
#include <string>

#include "import/families_export.hpp"
#include "util/report.hpp"

namespace imuse {

struct CoursesExportOptions {
  ExportFormat format = ExportFormat::csv;
  std::string site;  // "" = every site
};

// Writes the catalogue to `out` (inactive courses included: past enrolments name them); counts
// the courses in `report`. DataError for an unknown site.
void export_courses(pqxx::transaction_base& tx, const CoursesExportOptions& options, std::ostream& out, Report& report);
// Fills the report's table with the courses of `site` ("" = every site) and their number of
// students enrolled in the school year in progress.
void list_courses(pqxx::transaction_base& tx, const std::string& site, Report& report);

}  // namespace imuse
