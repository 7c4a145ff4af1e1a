// Mail templates: the office may override any part, per site or for all sites, without a rebuild.
#include "mail/templates.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <string_view>
#include <optional>
#include <sstream>

#include "util/encoding.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace imuse::mail {

namespace {

namespace fs = std::filesystem;
namespace mustache = kainjow::mustache;

// A template's text and where it came from, for error messages.
struct Source {
  std::string text;
  std::string origin;  // a path, or "built-in NAME.ext"
};

bool is_safe_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
}

std::optional<Source> read_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError("mail template " + path.string() + " cannot be read");
  }
  std::stringstream content;
  content << in.rdbuf();
  return Source{content.str(), path.string()};
}

// NAME.ext from the site folder, then the templates folder, then the built-in copies.
std::optional<Source> find_part(const Config& config, const std::string& file, const std::string& site_code) {
  if (const auto& folder = config.get("mail.templates"); !folder.empty()) {
    if (!site_code.empty()) {
      if (auto found = read_file(fs::path(folder) / site_code / file)) {
        return found;
      }
    }
    if (auto found = read_file(fs::path(folder) / file)) {
      return found;
    }
  }
  for (const auto& [name, text] : builtin_templates()) {
    if (name == file) {
      return Source{std::string(text), "built-in " + file};
    }
  }
  return std::nullopt;
}

// JSON to mustache data. Null and "" become false, so that {{#family.civility}}...{{/...}}
// disappears for a family without civility, as a reader of the template expects.
mustache::data to_data(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      mustache::data object{mustache::data::type::object};
      for (const auto& [key, item] : value.items()) {
        object.set(key, to_data(item));
      }
      return object;
    }
    case nlohmann::json::value_t::array: {
      mustache::data list{mustache::data::type::list};
      for (const auto& item : value) {
        list.push_back(to_data(item));
      }
      return list;
    }
    case nlohmann::json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      return text.empty() ? mustache::data{false} : mustache::data{text};
    }
    case nlohmann::json::value_t::boolean:
      return mustache::data{value.get<bool>()};
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return mustache::data{value.dump()};
    default:
      return mustache::data{false};
  }
}

// True when `line` holds only blanks around one section, inverted-section, closing or comment
// tag ("  {{#students}}").
bool is_standalone_tag(std::string_view line) {
  const auto first = line.find_first_not_of(" \t");
  const auto last = line.find_last_not_of(" \t\r");
  if (first == std::string_view::npos || last - first < 4) {
    return false;
  }
  const std::string_view tag = line.substr(first, last - first + 1);
  return tag.substr(0, 2) == "{{" && tag.substr(tag.size() - 2) == "}}" &&
         std::string_view("#^/!").find(tag[2]) != std::string_view::npos &&
         tag.find("}}") == tag.size() - 2;
}

// Stands for a removed line break after a standalone tag; erased from the rendered text.
constexpr char kRemovedBreak = '\x01';

// The mustache spec removes the whole line of a "standalone" section tag. kainjow 4.1 does so
// only for sections it renders: a skipped section leaves an empty line in the mail, and a tag
// followed by an empty line loses that line. So the standalone lines are handled here: their
// blanks and line break are dropped, and the tag is followed by a marker (never a line break),
// so that kainjow sees no standalone tag at all; the markers are erased after rendering.
std::string strip_standalone_tags(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    const std::size_t stop = end == std::string::npos ? text.size() : end + 1;
    const std::string_view line(text.data() + start, (end == std::string::npos ? text.size() : end) - start);
    if (is_standalone_tag(line)) {
      const auto first = line.find_first_not_of(" \t");
      const auto last = line.find_last_not_of(" \t\r");
      out.append(line.substr(first, last - first + 1));
      out += kRemovedBreak;
    } else {
      out.append(text, start, stop - start);
    }
    start = stop;
  }
  return out;
}

std::string render_part(const Source& source, const mustache::data& data, bool html) {
  if (!is_valid_utf8(source.text)) {
    throw ConfigError("mail template " + source.origin + " is not UTF-8 text (save it as UTF-8)");
  }
  mustache::mustache tmpl{strip_standalone_tags(source.text)};
  if (!tmpl.is_valid()) {
    throw ConfigError("mail template " + source.origin + ": " + tmpl.error_message());
  }
  if (!html) {
    // Plain text and subjects are not HTML: "Dupont & Fils" must stay as typed.
    tmpl.set_custom_escape([](const std::string& s) { return s; });
  }
  std::string out = tmpl.render(data);
  if (!tmpl.is_valid()) {
    throw ConfigError("mail template " + source.origin + ": " + tmpl.error_message());
  }
  std::erase(out, kRemovedBreak);
  return out;
}

// The subject on one line: line breaks of the template file or of a value become spaces.
std::string one_line_subject(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool blank = c == '\r' || c == '\n' || c == '\t' || c == ' ';
    if (blank && (out.empty() || out.back() == ' ')) {
      continue;
    }
    out += blank ? ' ' : c;
  }
  return trim(out);
}

}  // namespace

RenderedTemplate render_template(const Config& config, const std::string& name, const std::string& site_code,
                                 const nlohmann::json& variables) {
  if (!is_safe_name(name)) {
    throw ConfigError("mail template name \"" + name + "\" must be letters, digits, '_' or '-'");
  }
  if (!site_code.empty() && !is_safe_name(site_code)) {
    throw ConfigError("site code \"" + site_code + "\" cannot name a mail template folder");
  }
  const auto subject = find_part(config, name + ".subject", site_code);
  const auto text = find_part(config, name + ".txt", site_code);
  if (!subject || !text) {
    const auto& folder = config.get("mail.templates");
    throw ConfigError("unknown mail template \"" + name + "\": no " + name + (subject ? ".txt" : ".subject") +
                      (folder.empty()
                           ? std::string()
                           : " in " + folder + (site_code.empty() ? "" : "/" + site_code) + " or " + folder) +
                      " nor built in");
  }
  const mustache::data data = to_data(variables.is_object() ? variables : nlohmann::json::object());
  RenderedTemplate rendered;
  rendered.subject = one_line_subject(render_part(*subject, data, false));
  rendered.text = render_part(*text, data, false);
  if (const auto html = find_part(config, name + ".html", site_code)) {
    rendered.html = render_part(*html, data, true);
  }
  return rendered;
}

}  // namespace imuse::mail
