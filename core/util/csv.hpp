#pragma once
// CSV as offices really have it: saved by Excel or LibreOffice in Windows-1252 or UTF-8 (with or
// without BOM), ';' ',' or tab separated, CRLF or LF, quoted fields spanning lines. The reader
// streams (memory does not grow with the file) and keeps each record's original bytes, so rejected
// rows can be written back unchanged; libcsv does the quoting.
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/encoding.hpp"

namespace imuse {

struct CsvOptions {
  std::optional<Encoding> encoding;  // nullopt: detect (BOM, else UTF-8 if valid, else Windows-1252)
  std::optional<char> delimiter;     // nullopt: detect from the header line (';', ',' or tab)
};

struct CsvRecord {
  std::size_t line = 0;             // physical line (1-based) where the record starts
  std::size_t end_line = 0;         // physical line where it ends (quoted newlines span lines)
  std::vector<std::string> fields;  // UTF-8 whatever the file's encoding; not trimmed; CRLF inside
                                    // a quoted field becomes LF
  std::string raw;                  // the record's bytes as in the file, line ending included (the
                                    // last line of a file may have none), for reject files
};

class CsvReader {
 public:
  // Opens `path`, detects encoding and delimiter and reads the header. Throws DataError for an
  // unreadable or empty file, one that is not CSV text (binary, UTF-16, a spreadsheet), or a
  // header whose separator cannot be told.
  explicit CsvReader(const std::string& path, const CsvOptions& options = {});
  ~CsvReader();
  CsvReader(CsvReader&&) noexcept;
  CsvReader& operator=(CsvReader&&) noexcept;

  // The encoding the file is read in. When auto-detecting and the first 64 KiB are pure ASCII, this
  // is decided at the first non-ASCII line, so it can change from utf8 to windows1252 during reading.
  Encoding encoding() const;
  // The field separator in use.
  char delimiter() const;
  // True when the file starts with a UTF-8 BOM (kept in header().raw, not in its first field).
  bool had_bom() const;
  // The path as given, for messages.
  const std::string& path() const;
  // The first record, with its raw bytes (BOM included) to start a reject file with.
  const CsvRecord& header() const;
  // Reads the next data record into `record` (reusing its storage); false at the end of the file.
  // Blank lines are skipped but counted. Throws DataError "<path>:<line>: ..." on malformed CSV or
  // bytes invalid in the encoding; the reader must not be used after that.
  bool next(CsvRecord& record);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes CSV that Excel and LibreOffice open correctly and that CsvReader reads back unchanged.
class CsvWriter {
 public:
  // Formula neutralisation (OWASP "CSV injection") is on by default: exports are opened in
  // spreadsheets by people who did not write them.
  explicit CsvWriter(std::ostream& out, char delimiter = ';', bool neutralise_formulas = true,
                     const char* line_end = "\r\n");

  // Writes the UTF-8 byte order mark, without which Excel reads UTF-8 as Windows-1252.
  void write_bom();
  // Writes one row, quoting only the fields that need it. Stream errors are left to the caller.
  void write_row(const std::vector<std::string>& fields);

 private:
  void append_field(std::string_view field);

  std::ostream& out_;
  char delimiter_;
  bool neutralise_formulas_;
  std::string line_end_;
  std::string line_;  // reused between rows
};

// Undoes the writer's neutralisation: drops one leading ' when followed by = + - @ tab CR or
// another ', so an exported file re-imports to the same values.
std::string unneutralise_formula(std::string_view field);

}  // namespace imuse
