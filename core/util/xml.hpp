#pragma once
// XML files the tool writes for other systems (PES V2 for the treasury, SEPA pain.008 for the
// bank): a streaming writer over libxml2's xmlTextWriter, and validation against the XML
// schemas of config/schemas, which are compiled into the binary.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imuse::xml {

// Writes one XML document to a file as it goes (nothing is held in memory). Values are given in
// UTF-8; the writer converts them to the document's encoding ("UTF-8" or "ISO-8859-1"), writing
// a character the encoding lacks as a character reference. Any libxml2 failure (disk full...)
// throws OutputError naming the file.
class Writer {
 public:
  Writer(const std::string& path, const std::string& encoding, bool indent = true);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void start_document();
  // <prefix:name xmlns:prefix="uri"> (prefix may be empty: default namespace).
  void start_root(const std::string& prefix, const std::string& name, const std::string& uri);
  void start(const char* name);
  void attribute(const char* name, std::string_view value);
  void text(std::string_view value);
  void end();
  // <name V="value"/>: how PES V2 carries every value.
  void value_element(const char* name, std::string_view value);
  // <name>text</name>: how ISO 20022 carries them.
  void text_element(const char* name, std::string_view text);
  // Closes every open element, flushes and closes the file.
  void finish();

 private:
  void check(int rc, const char* what);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

// Schemas compiled into the binary, keyed by their path under config/schemas.
const std::vector<std::pair<std::string_view, std::string_view>>& builtin_schemas();

// The PES V2 recette root and the SEPA direct-debit schema, as keys of builtin_schemas().
inline constexpr std::string_view kPesAllerSchema = "pes-v2/PES_V2/Rev0/PES_Aller_RecetteOnly.LOCAL.xsd";
inline constexpr std::string_view kPain008Schema = "sepa/pain.008.001.02.xsd";

// Validates the file at `path` against a built-in schema, streaming (memory stays flat whatever
// the file's size). Returns the problems as "line N: message", empty when the file is valid;
// stops collecting after `max_errors`.
std::vector<std::string> validate_file(const std::string& path, std::string_view schema,
                                       std::size_t max_errors = 20);

}  // namespace imuse::xml
