#pragma once
// Families' answers of a campaign (reenrolment_requests): `campaign export-responses` writes one
// row per student answer; `campaign import-responses` records paper forms in the same shape.
#include <ostream>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "import/families_export.hpp"
#include "import/flat_import.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse {

struct ResponsesExportOptions {
  std::string campaign;  // "" = the only open campaign
  std::string site;      // "" = every site
  ExportFormat format = ExportFormat::csv;
};

// The columns of both commands: CSV headers, and keys of the YAML/JSON forms.
const std::vector<ColumnSpec>& response_columns();

// Writes the campaign's answers to `out` (CSV with French headers that import-responses reads
// back, or {responses: [...]} in YAML/JSON).
void export_responses(pqxx::transaction_base& tx, const ResponsesExportOptions& options, std::ostream& out,
                      Report& report);
// Records paper answers (source 'paper') in the open campaign `campaign` ("" = the only open
// one): new ones are created, identical ones left alone, changed paper answers still pending
// updated; a row that would overwrite a portal answer or a decided one is rejected.
void import_responses(pqxx::transaction_base& tx, const FlatImportOptions& options, const std::string& campaign,
                      Progress& progress, Report& report);

}  // namespace imuse
