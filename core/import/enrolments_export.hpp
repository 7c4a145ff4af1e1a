#pragma once
// `enrolments export`: the enrolments (withdrawn ones left out) as CSV with the import's headers,
// YAML or JSON, in a stable order so that export -> import -> export gives identical files.
#include <ostream>
#include <pqxx/pqxx>
#include <string>

#include "import/families_export.hpp"
#include "util/report.hpp"

namespace imuse {

struct EnrolmentsExportOptions {
  ExportFormat format = ExportFormat::csv;
  std::string site;         // "" = every site (the family's site)
  std::string school_year;  // "" = every year; else "YYYY/YYYY+1"
};

// Writes the enrolments to `out`, counting them in `report`; warns about those whose family has
// no reference, which the import cannot find again. DataError for an unknown site.
void export_enrolments(pqxx::transaction_base& tx, const EnrolmentsExportOptions& options, std::ostream& out,
                       Report& report);

}  // namespace imuse
