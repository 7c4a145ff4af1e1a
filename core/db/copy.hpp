#pragma once
// Bulk loading with COPY: rows are written in COPY's text format as they are produced, which is
// many times faster than one INSERT per row and than pqxx::stream_to's per-field conversions.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

namespace pqxx {
class tablewriter;
}

namespace imuse {

class CopyWriter {
 public:
  // Starts COPY `table` (`columns`) FROM STDIN in `tx`; no other query may run until complete().
  CopyWriter(pqxx::transaction_base& tx, const std::string& table, const std::vector<std::string>& columns);
  ~CopyWriter();
  CopyWriter(const CopyWriter&) = delete;
  CopyWriter& operator=(const CopyWriter&) = delete;

  // Appends one value (UTF-8 text) to the current row.
  void field(std::string_view value);
  void field(const std::string& value) { field(std::string_view(value)); }
  void field(const char* value) { field(std::string_view(value)); }
  // Appends NULL.
  void null();
  // Appends the value, or NULL for nullopt.
  void field(const std::optional<std::string>& value);
  // Ends the current row and sends it.
  void end_row();
  // Ends the COPY; errors of the server (constraint violations...) surface here.
  void complete();

 private:
  std::unique_ptr<pqxx::tablewriter> writer_;
  std::string line_;
  bool first_ = true;
};

}  // namespace imuse
