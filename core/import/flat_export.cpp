#include "import/flat_export.hpp"

#include <yaml-cpp/yaml.h>

namespace imuse {

FlatExportWriter::FlatExportWriter(std::ostream& out, ExportFormat format, std::string items,
                                   const std::vector<ColumnSpec>& columns)
    : out_(out), format_(format), items_(std::move(items)) {
  switch (format_) {
    case ExportFormat::csv: {
      csv_ = std::make_unique<CsvWriter>(out_);
      csv_->write_bom();
      std::vector<std::string> header;
      for (const auto& c : columns) {
        header.emplace_back(c.label);
      }
      csv_->write_row(header);
      break;
    }
    case ExportFormat::json:
      out_ << "{\"" << items_ << "\": [";
      break;
    case ExportFormat::yaml:
      yaml_ = std::make_unique<YAML::Emitter>(out_);
      *yaml_ << YAML::BeginMap << YAML::Key << items_ << YAML::Value << YAML::BeginSeq;
      break;
  }
}

FlatExportWriter::~FlatExportWriter() = default;

void FlatExportWriter::write(const std::vector<std::string>& cells, const nlohmann::ordered_json& data) {
  switch (format_) {
    case ExportFormat::csv:
      csv_->write_row(cells);
      break;
    case ExportFormat::json:
      out_ << (first_ ? "\n  " : ",\n  ") << data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      break;
    case ExportFormat::yaml:
      *yaml_ << YAML::BeginMap;
      for (const auto& [key, value] : data.items()) {
        *yaml_ << YAML::Key << key << YAML::Value;
        if (value.is_number_integer()) {
          *yaml_ << value.get<long long>();
        } else {
          *yaml_ << YAML::DoubleQuoted << value.get<std::string>();
        }
      }
      *yaml_ << YAML::EndMap;
      break;
  }
  first_ = false;
}

void FlatExportWriter::finish() {
  if (format_ == ExportFormat::json) {
    out_ << (first_ ? "]}\n" : "\n]}\n");
  } else if (format_ == ExportFormat::yaml) {
    *yaml_ << YAML::EndSeq << YAML::EndMap;
    out_ << '\n';
  }
}

}  // namespace imuse
