#pragma once
// The writer of the exports whose items are one row each (`courses export`, `enrolments
// export`): CSV with the import's default headers (BOM, ';', CRLF, formulas neutralised), or
// YAML/JSON {<items>: [...]} in the database's own forms, streamed item by item.
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "import/families_export.hpp"
#include "import/flat_import.hpp"

namespace YAML {
class Emitter;
}

namespace imuse {

class FlatExportWriter {
 public:
  // Starts the export: the CSV header (the columns' labels) or the opening of the list.
  FlatExportWriter(std::ostream& out, ExportFormat format, std::string items, const std::vector<ColumnSpec>& columns);
  ~FlatExportWriter();
  FlatExportWriter(const FlatExportWriter&) = delete;
  FlatExportWriter& operator=(const FlatExportWriter&) = delete;

  // One item: its CSV cells in column order, and its structured form (null values left out).
  void write(const std::vector<std::string>& cells, const nlohmann::ordered_json& data);
  // Ends the list (YAML, JSON).
  void finish();

 private:
  std::ostream& out_;
  ExportFormat format_;
  std::string items_;
  std::unique_ptr<CsvWriter> csv_;
  std::unique_ptr<YAML::Emitter> yaml_;
  bool first_ = true;
};

}  // namespace imuse
