#include "util/csv.hpp"

#include <csv.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <ostream>

#include "util/error.hpp"

namespace imuse {

namespace {

constexpr std::size_t kChunk = 64 * 1024;            // read size, and the sample that encoding detection sees
constexpr std::size_t kMaxBytes = 16 * 1024 * 1024;  // longest line or record: past it, not CSV
constexpr std::size_t kUnknown = static_cast<std::size_t>(-1);
constexpr std::string_view kBom = "\xEF\xBB\xBF";
// Strict, so that text after a closing quote is an error instead of silently swallowing the
// rest of the file into one field; CsvReader relaxes it for a quote inside an unquoted field.
constexpr unsigned char kParserOptions = CSV_STRICT | CSV_STRICT_FINI;

// libcsv trims spaces around unquoted fields by default; the callers trim, and must be able not to.
int no_space(unsigned char) {
  return 0;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \r\n") == std::string_view::npos;
}

bool is_ascii(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return false;
    }
  }
  return true;
}

// `sample` without a multi-byte sequence cut by the end of the sample, which would look invalid.
std::string_view without_cut_sequence(std::string_view sample) {
  for (std::size_t back = 1; back <= 4 && back <= sample.size(); ++back) {
    const auto c = static_cast<unsigned char>(sample[sample.size() - back]);
    if ((c & 0xC0) == 0x80) {
      continue;  // a continuation byte: the lead byte is further back
    }
    const std::size_t size = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return size > back ? sample.substr(0, sample.size() - back) : sample;
  }
  return sample;
}

// Reasons a file is not CSV text at all, told apart because users pick the wrong file or format.
void check_is_text(const std::string& path, std::string_view sample) {
  if (sample.starts_with("\xFF\xFE") || sample.starts_with("\xFE\xFF")) {
    throw DataError(path + ": is UTF-16 text (Excel's \"Unicode text\"), not CSV; save it as \"CSV UTF-8\"");
  }
  if (sample.starts_with("PK\x03\x04") || sample.starts_with("\xD0\xCF\x11\xE0")) {
    throw DataError(path + ": is a spreadsheet (.xlsx, .xls or .ods), not CSV; save it as CSV first");
  }
  if (sample.starts_with("%PDF-")) {
    throw DataError(path + ": is a PDF document, not CSV");
  }
  if (sample.find('\0') != std::string_view::npos) {
    throw DataError(path + ": is not CSV text (it contains NUL bytes: a binary file?)");
  }
}

// Counts the candidate separators of the record starting at `pos`, outside quotes; moves `pos` past it.
std::array<std::size_t, 3> count_separators(std::string_view text, std::size_t& pos) {
  std::array<std::size_t, 3> counts{};
  bool quoted = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '"') {
      quoted = !quoted;
    } else if (quoted) {
      continue;
    } else if (c == '\n' || c == '\r') {
      break;
    } else if (c == ';') {
      ++counts[0];
    } else if (c == ',') {
      ++counts[1];
    } else if (c == '\t') {
      ++counts[2];
    }
  }
  return counts;
}

// Moves `pos` to the start of the next non-blank line.
void skip_blank_lines(std::string_view text, std::size_t& pos) {
  while (pos < text.size()) {
    std::size_t eol = text.find_first_of("\r\n", pos);
    eol = eol == std::string_view::npos ? text.size() : eol;
    if (!is_blank(text.substr(pos, eol - pos))) {
      return;
    }
    pos = text.find_first_not_of("\r\n", eol);
    pos = pos == std::string_view::npos ? text.size() : pos;
  }
}

char detect_delimiter(const std::string& path, std::string_view sample) {
  std::size_t pos = 0;
  skip_blank_lines(sample, pos);
  const std::size_t header_start = pos;
  const auto counts = count_separators(sample, pos);
  constexpr std::array<char, 3> kCandidates = {';', ',', '\t'};
  std::size_t best = 0;
  for (std::size_t i = 1; i < counts.size(); ++i) {
    if (counts[i] > counts[best]) {
      best = i;  // strictly more: ties keep the earlier, preferred, candidate
    }
  }
  if (counts[best] > 0) {
    return kCandidates[best];
  }
  // No separator: fine for a one-column file, not when the columns are separated by something else.
  const std::string_view header = sample.substr(header_start, pos - header_start);
  if (header.find('|') != std::string_view::npos) {
    throw DataError(path + ": the header line is separated by '|'; only ';', ',' and tab are supported");
  }
  skip_blank_lines(sample, pos);
  const auto data_counts = count_separators(sample, pos);
  for (std::size_t i = 0; i < data_counts.size(); ++i) {
    if (data_counts[i] > 0) {
      throw DataError(path + ": the header line has no separator (';', ',' or tab) but the next line has");
    }
  }
  return ';';
}

}  // namespace

struct CsvReader::Impl {
  std::string path;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{nullptr, &std::fclose};
  Encoding encoding = Encoding::utf8;
  bool encoding_decided = true;
  char delimiter = ';';
  bool had_bom = false;
  bool bom_pending = false;  // the BOM still has to go into the header's raw bytes

  std::vector<char> buffer;  // bytes read but not yet consumed are [begin, end)
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t next_lf = kUnknown;  // first '\n' at or after `begin`, `end` if none, until a refill
  bool eof = false;
  std::size_t line_no = 0;  // physical lines handed out so far

  csv_parser parser{};
  bool parser_ready = false;
  std::string converted;  // the current line in UTF-8 when the file is Windows-1252
  CsvRecord header;

  // Filled by the libcsv callbacks during one csv_parse call.
  CsvRecord* current = nullptr;
  std::size_t field_count = 0;
  bool row_done = false;
  std::exception_ptr callback_error;

  ~Impl() {
    if (parser_ready) {
      csv_free(&parser);
    }
  }

  std::string where() const { return path + ":" + std::to_string(line_no) + ": "; }

  void read_more() {
    if (begin > 0) {
      std::memmove(buffer.data(), buffer.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    if (end == buffer.size()) {
      if (buffer.size() >= kMaxBytes) {
        throw DataError(path + ":" + std::to_string(line_no + 1) + ": line longer than 16 MiB; is this a CSV file?");
      }
      buffer.resize(buffer.size() * 2);
    }
    const std::size_t n = std::fread(buffer.data() + end, 1, buffer.size() - end, file.get());
    if (n == 0) {
      if (std::ferror(file.get())) {
        throw DataError(path + ": cannot read: " + std::strerror(errno));
      }
      eof = true;
    }
    end += n;
    next_lf = kUnknown;
  }

  // The next physical line, its line ending included. Lines end at LF, CRLF or a lone CR (old Mac
  // files), as libcsv sees them, so each line ends at most one record.
  bool read_line(std::string_view& line) {
    for (;;) {
      const char* base = buffer.data();
      if (next_lf == kUnknown || next_lf < begin) {
        const void* lf = std::memchr(base + begin, '\n', end - begin);
        next_lf = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - base) : end;
      }
      const void* found = std::memchr(base + begin, '\r', next_lf - begin);
      std::size_t stop = kUnknown;  // one past the line's last byte
      if (found) {
        const auto cr = static_cast<std::size_t>(static_cast<const char*>(found) - base);
        if (cr + 1 < end) {
          stop = cr + 1 == next_lf ? next_lf + 1 : cr + 1;
        } else if (eof) {
          stop = end;
        }
      } else if (next_lf < end) {
        stop = next_lf + 1;
      } else if (eof) {
        if (begin == end) {
          return false;
        }
        stop = end;
      }
      if (stop != kUnknown) {
        line = std::string_view(base + begin, stop - begin);
        begin = stop;
        ++line_no;
        return true;
      }
      read_more();
    }
  }

  static void on_field(void* data, std::size_t size, void* self) {
    auto* impl = static_cast<Impl*>(self);
    try {
      std::vector<std::string>& fields = impl->current->fields;
      std::string_view value(static_cast<const char*>(data), size);
      if (impl->field_count == fields.size()) {
        fields.emplace_back();
      }
      std::string& field = fields[impl->field_count++];
      if (value.find('\r') == std::string_view::npos) {
        field.assign(value);
        return;
      }
      // A CRLF file has CRLF inside quoted fields too; store one form whatever the line endings.
      field.clear();
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '\r' || i + 1 == value.size() || value[i + 1] != '\n') {
          field += value[i];
        }
      }
    } catch (...) {
      impl->callback_error = std::current_exception();
    }
  }

  static void on_row(int, void* self) { static_cast<Impl*>(self)->row_done = true; }

  void feed(std::string_view text) {
    std::size_t done = 0;
    while (done < text.size()) {
      done += csv_parse(&parser, text.data() + done, text.size() - done, on_field, on_row, this);
      if (callback_error) {
        std::rethrow_exception(callback_error);
      }
      if (done == text.size()) {
        break;
      }
      if (csv_error(&parser) != CSV_EPARSE) {
        throw DataError(where() + csv_strerror(csv_error(&parser)));
      }
      if (text[done] != '"') {
        throw DataError(
            where() + "text after the closing quote of a field; a quote inside a quoted field must be doubled (\"\")");
      }
      // A quote inside an unquoted field (12 rue "Les Lilas"): taken literally, as spreadsheets do.
      csv_set_opts(&parser, static_cast<unsigned char>(kParserOptions & ~CSV_STRICT));
      const std::size_t n = csv_parse(&parser, text.data() + done, 1, on_field, on_row, this);
      csv_set_opts(&parser, kParserOptions);
      if (n != 1) {
        throw DataError(where() + csv_strerror(csv_error(&parser)));
      }
      done += n;
    }
  }

  // Checks and converts one line of the file to UTF-8, then hands it to libcsv.
  void parse_line(std::string_view line) {
    if (line.find('\0') != std::string_view::npos) {
      throw DataError(where() + "NUL byte on line " + std::to_string(line_no) + ": not CSV text");
    }
    if (!encoding_decided && !is_ascii(line)) {
      // Everything so far was ASCII, which reads the same in both encodings; this line decides.
      encoding_decided = true;
      encoding = is_valid_utf8(line) ? Encoding::utf8 : Encoding::windows1252;
    }
    if (encoding == Encoding::windows1252) {
      converted.clear();
      append_windows1252_as_utf8(line, converted);
      feed(converted);
      return;
    }
    const std::size_t bad = find_invalid_utf8(line);
    if (bad != std::string_view::npos) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(line[bad]));
      throw DataError(where() + "invalid UTF-8 on line " + std::to_string(line_no) + " (byte " + byte + " at column " +
                      std::to_string(bad + 1) +
                      "); if the file was saved by Excel as 'CSV (séparateur: point-virgule)', try "
                      "--encoding windows-1252");
    }
    feed(line);
  }

  bool next(CsvRecord& record) {
    current = &record;
    field_count = 0;
    row_done = false;
    record.raw.clear();
    bool started = false;
    std::string_view line;
    while (!row_done) {
      if (!read_line(line)) {
        if (!started) {
          record.fields.clear();
          return false;
        }
        if (csv_fini(&parser, on_field, on_row, this) != 0) {
          throw DataError(path + ":" + std::to_string(record.line) + ": a quoted field starting on line " +
                          std::to_string(record.line) + " is never closed (a '\"' is missing)");
        }
        if (callback_error) {
          std::rethrow_exception(callback_error);
        }
        break;
      }
      std::string_view text = line;
      if (line_no == 1 && had_bom) {
        text.remove_prefix(kBom.size());  // not part of the first field, but kept in the raw bytes
      }
      if (!started) {
        if (is_blank(text)) {
          continue;
        }
        started = true;
        record.line = line_no;
        if (bom_pending && line_no != 1) {
          record.raw.append(kBom);  // it sat on a blank first line; a reject file must still start with it
        }
        bom_pending = false;
      }
      record.raw.append(line);
      if (record.raw.size() > kMaxBytes) {
        throw DataError(path + ":" + std::to_string(record.line) + ": the record starting on line " +
                        std::to_string(record.line) + " runs past 16 MiB; a quote is probably never closed");
      }
      parse_line(text);
    }
    record.end_line = line_no;
    record.fields.resize(field_count);
    return true;
  }
};

CsvReader::CsvReader(const std::string& path, const CsvOptions& options) : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  d.path = path;
  d.file.reset(std::fopen(path.c_str(), "rb"));
  if (!d.file) {
    throw DataError(path + ": cannot open: " + std::strerror(errno));
  }
  d.buffer.resize(kChunk);
  while (d.end < d.buffer.size() && !d.eof) {
    d.read_more();
  }
  const std::string_view sample(d.buffer.data(), d.end);
  check_is_text(path, sample);
  d.had_bom = sample.starts_with(kBom);
  d.bom_pending = d.had_bom;

  if (options.encoding) {
    d.encoding = *options.encoding;
    if (d.had_bom && d.encoding != Encoding::utf8) {
      throw DataError(path + ": starts with a UTF-8 byte order mark, yet --encoding " + encoding_name(d.encoding) +
                      " was given");
    }
  } else if (!d.had_bom) {
    const std::string_view text = d.eof ? sample : without_cut_sequence(sample);
    if (!is_valid_utf8(text)) {
      d.encoding = Encoding::windows1252;
    } else if (!d.eof && is_ascii(text)) {
      d.encoding_decided = false;
    }
  }

  if (options.delimiter) {
    d.delimiter = *options.delimiter;
    if (d.delimiter == '"' || d.delimiter == '\r' || d.delimiter == '\n') {
      throw UsageError(std::string("a quote or a line break cannot be a CSV delimiter"));
    }
  } else {
    d.delimiter = detect_delimiter(path, sample.substr(d.had_bom ? kBom.size() : 0));
  }

  if (csv_init(&d.parser, kParserOptions) != 0) {
    throw DataError(path + ": cannot start the CSV parser");
  }
  d.parser_ready = true;
  csv_set_delim(&d.parser, static_cast<unsigned char>(d.delimiter));
  csv_set_space_func(&d.parser, no_space);
  csv_set_blk_size(&d.parser, 4096);

  if (!d.next(d.header)) {
    throw DataError(path + ": the file is empty; a header line is expected");
  }
}

CsvReader::~CsvReader() = default;
CsvReader::CsvReader(CsvReader&&) noexcept = default;
CsvReader& CsvReader::operator=(CsvReader&&) noexcept = default;

Encoding CsvReader::encoding() const {
  return impl_->encoding;
}

char CsvReader::delimiter() const {
  return impl_->delimiter;
}

bool CsvReader::had_bom() const {
  return impl_->had_bom;
}

const std::string& CsvReader::path() const {
  return impl_->path;
}

const CsvRecord& CsvReader::header() const {
  return impl_->header;
}

bool CsvReader::next(CsvRecord& record) {
  return impl_->next(record);
}

// Writer.

namespace {

// Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
bool starts_formula(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

// True when unneutralise_formula would drop the first character; the writer then adds a ', so that
// a value that really starts with '= or '' also comes back unchanged.
bool looks_neutralised(std::string_view field) {
  return field.size() > 1 && field[0] == '\'' && (starts_formula(field[1]) || field[1] == '\'');
}

}  // namespace

std::string unneutralise_formula(std::string_view field) {
  return std::string(looks_neutralised(field) ? field.substr(1) : field);
}

CsvWriter::CsvWriter(std::ostream& out, char delimiter, bool neutralise_formulas, const char* line_end)
    : out_(out), delimiter_(delimiter), neutralise_formulas_(neutralise_formulas), line_end_(line_end) {}

void CsvWriter::write_bom() {
  out_.write(kBom.data(), static_cast<std::streamsize>(kBom.size()));
}

void CsvWriter::append_field(std::string_view field) {
  const bool guard =
      neutralise_formulas_ && !field.empty() && (starts_formula(field.front()) || looks_neutralised(field));
  const char specials[] = {delimiter_, '"', '\r', '\n', '\0'};
  const bool quote = field.find_first_of(specials) != std::string_view::npos ||
                     (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (quote) {
    line_ += '"';
  }
  if (guard) {
    line_ += '\'';
  }
  for (const char c : field) {
    if (c == '"') {
      line_ += '"';
    }
    line_ += c;
  }
  if (quote) {
    line_ += '"';
  }
}

void CsvWriter::write_row(const std::vector<std::string>& fields) {
  line_.clear();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) {
      line_ += delimiter_;
    }
    append_field(fields[i]);
  }
  if (fields.size() == 1 && fields[0].empty()) {
    line_ = "\"\"";  // an empty line would be skipped as blank when read back
  }
  line_ += line_end_;
  out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
}

}  // namespace imuse
