#pragma once
// Documents families upload (documents fournis): what a stored file really is, who still owes
// which document, and fetching a stored file.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <pqxx/pqxx>

#include "util/report.hpp"

namespace imuse {

// The portal's limit, "2 Mo" (the database itself stores up to 20 MiB: migration 0003).
constexpr std::size_t kDocumentMaxBytes = 2097152;

enum class FileType { unknown, pdf, jpeg, png };

// The MIME type of a detected type ("application/pdf", "image/jpeg", "image/png"; "" for unknown).
std::string mime_type(FileType type);

// What the bytes of a file are, from their magic numbers and end markers only (never the name):
// PDF "%PDF-1.x" ... "%%EOF", JPEG SOI FF D8 FF ... EOI FF D9, PNG signature + IHDR ... IEND.
// A file cut short (no end marker) is unknown.
FileType detect_file_type(std::string_view bytes);

// The office's verdict on an uploaded file.
struct FileVerdict {
  FileType type = FileType::unknown;
  std::string problem;  // "" = acceptable; else the refusal reason, in French (it is mailed)
};

// Acceptable when the file is not empty, at most kDocumentMaxBytes and really PDF, JPEG or PNG.
FileVerdict check_document_file(std::string_view bytes);

// "1,4 Mo", "350 Ko", "12 octets": a size as families read it.
std::string french_size(std::size_t bytes);

struct DocumentListOptions {
  bool missing = false;  // only documents still owed (no file, a_fournir or refused)
  std::string campaign;  // "": the stored documents; a code: what the campaign asks of each family
  std::string site;      // "" = every site
};

// Fills the report's table: family, student, document type, mandatory, state, file. With a
// campaign, the documents its eligible families owe (conditions applied), with or without a row.
void list_documents(pqxx::transaction_base& tx, const DocumentListOptions& options, Report& report);
// Writes the stored file of document `id` to `out`, a new file of mode 0600 (never overwrites).
// DataError when the document has no file; OutputError when the file exists or cannot be written.
void get_document(pqxx::transaction_base& tx, std::int64_t id, const std::string& out, Report& report);

}  // namespace imuse
