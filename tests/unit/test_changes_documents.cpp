#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>

#include "changes/documents.hpp"
#include "temp_dir.hpp"

using namespace imuse;

namespace {

std::uint32_t crc32(const std::string& data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) {
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  }
  return ~crc;
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string png_chunk(const std::string& type, const std::string& data) {
  return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}

// A complete 1×1 grey PNG: signature, IHDR, IDAT (a stored deflate block), IEND.
std::string tiny_png() {
  const std::string ihdr = be32(1) + be32(1) + std::string("\x08\x00\x00\x00\x00", 5);
  const std::string idat("\x78\x01\x01\x02\x00\xfd\xff\x00\x00\x00\x02\x00\x01", 13);
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IDAT", idat) +
         png_chunk("IEND", "");
}

// A one-page PDF as scanners write them (binary comment line, objects, xref, trailer).
std::string tiny_pdf(std::size_t padding = 0) {
  return "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
         "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
         "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
         "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n" +
         std::string(padding, ' ') +
         "xref\n0 4\n0000000000 65535 f \ntrailer << /Size 4 /Root 1 0 R >>\nstartxref\n0\n%%EOF\n";
}

// JPEG markers around some entropy-coded bytes: SOI, APP0 "JFIF", ..., EOI.
std::string tiny_jpeg() {
  return std::string("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20) +
         std::string("\xff\xdb\x00\x43\x00", 5) + std::string(64, '\x10') + std::string("\xff\xd9", 2);
}

}  // namespace

TEST_CASE("A real PDF header and trailer make a PDF", "[changes][documents]") {
  CHECK(detect_file_type(tiny_pdf()) == FileType::pdf);
  CHECK(mime_type(FileType::pdf) == "application/pdf");
  // Trailing bytes after %%EOF (an incremental-update writer's newline, padding) are fine.
  CHECK(detect_file_type(tiny_pdf() + "\r\n\r\n") == FileType::pdf);
  CHECK(check_document_file(tiny_pdf()).problem.empty());
}

TEST_CASE("The PNG signature with IHDR first and IEND last makes a PNG", "[changes][documents]") {
  CHECK(detect_file_type(tiny_png()) == FileType::png);
  CHECK(mime_type(FileType::png) == "image/png");
}

TEST_CASE("A JPEG SOI followed by a marker and ending with EOI makes a JPEG", "[changes][documents]") {
  CHECK(detect_file_type(tiny_jpeg()) == FileType::jpeg);
  CHECK(mime_type(FileType::jpeg) == "image/jpeg");
  CHECK(check_document_file(tiny_jpeg()).problem.empty());
}

TEST_CASE("A PNG renamed .pdf is still a PNG: the name plays no part", "[changes][documents]") {
  TempDir dir;
  const std::string path = dir.write("scan-quotient.pdf", tiny_png());
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const FileVerdict v = check_document_file(bytes);
  CHECK(v.type == FileType::png);
  CHECK(v.problem.empty());
}

TEST_CASE("Truncated files and other formats are refused with a French reason", "[changes][documents]") {
  const std::string pdf = tiny_pdf();
  const std::string png = tiny_png();
  const std::string jpeg = tiny_jpeg();
  CHECK(detect_file_type(pdf.substr(0, pdf.size() / 2)) == FileType::unknown);      // no %%EOF
  CHECK(detect_file_type(png.substr(0, png.size() - 12)) == FileType::unknown);     // no IEND
  CHECK(detect_file_type(jpeg.substr(0, jpeg.size() - 2)) == FileType::unknown);    // no EOI
  CHECK(detect_file_type(std::string("\x89PNG\r\n\x1a\n", 8)) == FileType::unknown);  // signature only
  CHECK(detect_file_type("%PDF-") == FileType::unknown);
  CHECK(detect_file_type(std::string("\xff\xd8\xff", 3)) == FileType::unknown);
  for (const std::string& other : {std::string("GIF89a\x01\x00\x01\x00", 10), std::string("PK\x03\x04zipzipzip", 13),
                                   std::string("Bonjour, voici mon RIB"), std::string("<html>%%EOF</html>"),
                                   std::string("II*\x00", 4) /* TIFF */}) {
    const FileVerdict v = check_document_file(other);
    CHECK(v.type == FileType::unknown);
    CHECK(v.problem.find("PDF") != std::string::npos);
  }
  CHECK(check_document_file("").problem == "le fichier est vide");
}

TEST_CASE("Files up to 2 MiB pass, one byte more is refused", "[changes][documents]") {
  const std::size_t base = tiny_pdf().size();
  const std::string at_limit = tiny_pdf(kDocumentMaxBytes - base);
  REQUIRE(at_limit.size() == kDocumentMaxBytes);
  CHECK(check_document_file(at_limit).problem.empty());
  const std::string over = tiny_pdf(kDocumentMaxBytes - base + 1);
  const FileVerdict v = check_document_file(over);
  CHECK(v.type == FileType::pdf);
  CHECK(v.problem == "le fichier (2,0 Mo) dépasse la limite de 2 Mo par document");
}

TEST_CASE("Sizes are written as families read them", "[changes][documents]") {
  CHECK(french_size(0) == "0 octet");
  CHECK(french_size(900) == "900 octets");
  CHECK(french_size(350 * 1024) == "350 Ko");
  CHECK(french_size(1468006) == "1,4 Mo");
  CHECK(french_size(3 * 1024 * 1024) == "3,0 Mo");
}
