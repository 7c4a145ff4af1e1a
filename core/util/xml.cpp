#include "util/xml.hpp"

#include <libxml/parser.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlwriter.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "util/error.hpp"

namespace imuse::xml {

namespace {

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

// Built-in schemas are read through this URI scheme, so relative includes and imports
// ("../Class_SchemasCommuns.xsd") resolve among them and never touch the file system.
constexpr std::string_view kScheme = "imuse-schema:///";

struct SchemaStream {
  std::string_view data;
  std::size_t offset = 0;
};

std::string_view find_schema(std::string_view key) {
  for (const auto& [name, text] : builtin_schemas()) {
    if (name == key) {
      return text;
    }
  }
  return {};
}

int schema_match(const char* uri) {
  return uri != nullptr && std::string_view(uri).starts_with(kScheme) &&
                 !find_schema(std::string_view(uri).substr(kScheme.size())).empty()
             ? 1
             : 0;
}

void* schema_open(const char* uri) {
  const auto text = find_schema(std::string_view(uri).substr(kScheme.size()));
  return text.empty() ? nullptr : new SchemaStream{text, 0};
}

int schema_read(void* context, char* buffer, int length) {
  auto* stream = static_cast<SchemaStream*>(context);
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(length), stream->data.size() - stream->offset);
  std::memcpy(buffer, stream->data.data() + stream->offset, n);
  stream->offset += n;
  return static_cast<int>(n);
}

int schema_close(void* context) {
  delete static_cast<SchemaStream*>(context);
  return 0;
}

// libxml2 would print its own messages on stderr; the tool reports errors itself.
void silent(void*, const char*, ...) {}

void initialise() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetGenericErrorFunc(nullptr, silent);
    xmlRegisterInputCallbacks(schema_match, schema_open, schema_read, schema_close);
  });
}

struct Problems {
  std::vector<std::string> list;
  std::size_t max = 20;
};

void collect_error(void* context, xmlErrorPtr error) {
  auto* problems = static_cast<Problems*>(context);
  if (error == nullptr || problems->list.size() >= problems->max) {
    return;
  }
  std::string message = error->message != nullptr ? error->message : "invalid";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  problems->list.push_back("line " + std::to_string(error->line) + ": " + message);
}

// Parsed schemas are kept for the life of the process: parsing PES V2 takes ~20 ms.
xmlSchemaPtr parsed_schema(std::string_view key) {
  static std::mutex mutex;
  static std::vector<std::pair<std::string, xmlSchemaPtr>> cache;
  std::lock_guard lock(mutex);
  for (const auto& [name, schema] : cache) {
    if (name == key) {
      return schema;
    }
  }
  if (find_schema(key).empty()) {
    throw std::logic_error("no built-in schema " + std::string(key));
  }
  const std::string uri = std::string(kScheme) + std::string(key);
  xmlSchemaParserCtxtPtr parser = xmlSchemaNewParserCtxt(uri.c_str());
  Problems problems;
  xmlSchemaSetParserStructuredErrors(parser, collect_error, &problems);
  xmlSchemaPtr schema = xmlSchemaParse(parser);
  xmlSchemaFreeParserCtxt(parser);
  if (schema == nullptr) {
    throw std::logic_error("built-in schema " + std::string(key) + " does not parse: " +
                           (problems.list.empty() ? std::string("?") : problems.list.front()));
  }
  cache.emplace_back(std::string(key), schema);
  return schema;
}

}  // namespace

struct Writer::Impl {
  xmlTextWriterPtr writer = nullptr;
  std::string encoding;
  int depth = 0;
};

Writer::Writer(const std::string& path, const std::string& encoding, bool indent)
    : impl_(std::make_unique<Impl>()), path_(path) {
  initialise();
  impl_->encoding = encoding;
  impl_->writer = xmlNewTextWriterFilename(path.c_str(), 0);
  if (impl_->writer == nullptr) {
    throw OutputError("cannot write " + path + ": " + std::strerror(errno));
  }
  if (indent) {
    xmlTextWriterSetIndent(impl_->writer, 1);
    xmlTextWriterSetIndentString(impl_->writer, X("  "));
  }
}

Writer::~Writer() {
  if (impl_->writer != nullptr) {
    xmlFreeTextWriter(impl_->writer);
  }
}

void Writer::check(int rc, const char* what) {
  if (rc < 0) {
    throw OutputError("cannot write " + path_ + " (" + what + "): " +
                      (errno != 0 ? std::strerror(errno) : "libxml2 writer error"));
  }
}

void Writer::start_document() {
  check(xmlTextWriterStartDocument(impl_->writer, "1.0", impl_->encoding.c_str(), nullptr), "document");
}

void Writer::start_root(const std::string& prefix, const std::string& name, const std::string& uri) {
  if (prefix.empty()) {
    check(xmlTextWriterStartElementNS(impl_->writer, nullptr, X(name.c_str()), X(uri.c_str())), name.c_str());
  } else {
    check(xmlTextWriterStartElementNS(impl_->writer, X(prefix.c_str()), X(name.c_str()), X(uri.c_str())),
          name.c_str());
  }
  ++impl_->depth;
}

void Writer::start(const char* name) {
  check(xmlTextWriterStartElement(impl_->writer, X(name)), name);
  ++impl_->depth;
}

void Writer::attribute(const char* name, std::string_view value) {
  const std::string v(value);
  check(xmlTextWriterWriteAttribute(impl_->writer, X(name), X(v.c_str())), name);
}

void Writer::text(std::string_view value) {
  const std::string v(value);
  check(xmlTextWriterWriteString(impl_->writer, X(v.c_str())), "text");
}

void Writer::end() {
  check(xmlTextWriterEndElement(impl_->writer), "end of element");
  --impl_->depth;
}

void Writer::value_element(const char* name, std::string_view value) {
  start(name);
  attribute("V", value);
  end();
}

void Writer::text_element(const char* name, std::string_view value) {
  start(name);
  text(value);
  end();
}

void Writer::finish() {
  errno = 0;
  check(xmlTextWriterEndDocument(impl_->writer), "end of document");
  impl_->depth = 0;
  // Freeing the writer flushes and closes the file; a short write shows in the flush.
  check(xmlTextWriterFlush(impl_->writer), "flush");
  xmlFreeTextWriter(impl_->writer);
  impl_->writer = nullptr;
}

std::vector<std::string> validate_file(const std::string& path, std::string_view schema, std::size_t max_errors) {
  initialise();
  xmlSchemaPtr parsed = parsed_schema(schema);
  xmlSchemaValidCtxtPtr context = xmlSchemaNewValidCtxt(parsed);
  Problems problems;
  problems.max = max_errors;
  xmlSchemaSetValidStructuredErrors(context, collect_error, &problems);
  const int rc = xmlSchemaValidateFile(context, path.c_str(), 0);
  xmlSchemaFreeValidCtxt(context);
  if (rc != 0 && problems.list.empty()) {
    problems.list.push_back(rc < 0 ? "cannot read " + path : "invalid (no detail from libxml2)");
  }
  return problems.list;
}

}  // namespace imuse::xml
