#pragma once
// `families export`: families and students as CSV (the import's default headers), YAML or JSON,
// in a stable order so that export -> import -> export gives identical files.
#include <optional>
#include <ostream>
#include <string>

#include <pqxx/pqxx>

#include "util/report.hpp"

namespace imuse {

enum class ExportFormat { csv, yaml, json };

struct FamiliesExportOptions {
  ExportFormat format = ExportFormat::csv;
  std::string site;  // "" = every site
};

// Writes the export to `out`; counts families and students in `report`.
void export_families(pqxx::transaction_base& tx, const FamiliesExportOptions& options, std::ostream& out,
                     Report& report);

}  // namespace imuse
