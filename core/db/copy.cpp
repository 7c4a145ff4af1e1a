#include "db/copy.hpp"

#include <pqxx/tablewriter>

namespace imuse {

// pqxx 6.4's stream_to only takes typed tuples and cannot send a prepared line; tablewriter can,
// but its constructors are marked deprecated. It is the one place that needs them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
CopyWriter::CopyWriter(pqxx::transaction_base& tx, const std::string& table, const std::vector<std::string>& columns)
    : writer_(std::make_unique<pqxx::tablewriter>(tx, table, columns.begin(), columns.end())) {}
#pragma GCC diagnostic pop

CopyWriter::~CopyWriter() = default;

void CopyWriter::field(std::string_view value) {
  if (!first_) {
    line_ += '\t';
  }
  first_ = false;
  for (char c : value) {
    switch (c) {  // COPY text format escapes; all ASCII, so UTF-8 passes through unchanged
      case '\\':
        line_ += "\\\\";
        break;
      case '\t':
        line_ += "\\t";
        break;
      case '\n':
        line_ += "\\n";
        break;
      case '\r':
        line_ += "\\r";
        break;
      default:
        line_ += c;
    }
  }
}

void CopyWriter::null() {
  if (!first_) {
    line_ += '\t';
  }
  first_ = false;
  line_ += "\\N";
}

void CopyWriter::field(const std::optional<std::string>& value) {
  if (value) {
    field(*value);
  } else {
    null();
  }
}

void CopyWriter::end_row() {
  writer_->write_raw_line(line_);
  line_.clear();
  first_ = true;
}

void CopyWriter::complete() { writer_->complete(); }

}  // namespace imuse
