#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "temp_dir.hpp"
#include "util/error.hpp"
#include "util/xml.hpp"

using namespace imuse;

namespace {


// A pain.008 group header and nothing else: the schema wants at least one payment block.
void write_header_only(const std::string& path, const std::string& encoding, const std::string& name) {
  xml::Writer w(path, encoding);
  w.start_document();
  w.start_root("", "Document", "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02");
  w.start("CstmrDrctDbtInitn");
  w.start("GrpHdr");
  w.text_element("MsgId", "MSG-1");
  w.text_element("CreDtTm", "2026-11-23T10:00:00");
  w.text_element("NbOfTxs", "1");
  w.start("InitgPty");
  w.text_element("Nm", name);
  w.end();
  w.end();
  w.finish();
}

}  // namespace

TEST_CASE("every built-in schema is compiled in", "[xml]") {
  std::vector<std::string> names;
  for (const auto& [name, text] : xml::builtin_schemas()) {
    names.emplace_back(name);
    CHECK(text.find("http://www.w3.org/2001/XMLSchema") != std::string_view::npos);
  }
  CHECK(std::find(names.begin(), names.end(), std::string(xml::kPesAllerSchema)) != names.end());
  CHECK(std::find(names.begin(), names.end(), std::string(xml::kPain008Schema)) != names.end());
}

TEST_CASE("the writer escapes values and converts them to the document's encoding", "[xml]") {
  TempDir dir;
  const auto path = (dir.path() / "a.xml").string();
  write_header_only(path, "ISO-8859-1", "L'École & <Cœur>");
  const auto bytes = read_file_bytes(path);
  CHECK(bytes.find("encoding=\"ISO-8859-1\"") != std::string::npos);
  // É is one Latin-1 byte; œ has none and becomes a character reference; & and < are escaped.
  CHECK(bytes.find("L'\xC9" "cole &amp; &lt;C&#339;ur&gt;") != std::string::npos);
}

TEST_CASE("validation names the line and what the schema expected", "[xml]") {
  TempDir dir;
  const auto path = (dir.path() / "b.xml").string();
  write_header_only(path, "UTF-8", "EMD");
  const auto problems = xml::validate_file(path, xml::kPain008Schema);
  REQUIRE(!problems.empty());
  CHECK(problems.front().rfind("line ", 0) == 0);
  CHECK(problems.front().find("PmtInf") != std::string::npos);
}

TEST_CASE("the PES V2 schema and its imports load from the binary", "[xml]") {
  TempDir dir;
  const auto path = dir.write("c.xml", "<?xml version=\"1.0\"?><n:PES_Aller xmlns:n=\"http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller\"/>");
  const auto problems = xml::validate_file(path, xml::kPesAllerSchema);
  REQUIRE(!problems.empty());  // an empty PES_Aller lacks its Enveloppe
  CHECK(problems.front().find("Enveloppe") != std::string::npos);
}

TEST_CASE("a file that cannot be created is an output error", "[xml]") {
  CHECK_THROWS_AS(xml::Writer("/nonexistent-dir/x.xml", "UTF-8"), OutputError);
}
