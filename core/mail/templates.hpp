#pragma once
// French mail templates (config/templates/), rendered with kainjow mustache.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace imuse::mail {

struct RenderedTemplate {
  std::string subject;  // one line
  std::string text;     // plain-text body
  std::string html;     // "" when the template has no HTML part
};

// Renders template `name` ("identifier", "password", ...) for the site `site_code` ("" = none)
// with `variables`. Lookup of each part (NAME.subject, NAME.txt, NAME.html): the folder
// mail.templates/SITE/, then mail.templates/, then the built-in copy compiled from
// config/templates/. Throws ConfigError naming the file for an unknown template or a
// template that does not parse.
RenderedTemplate render_template(const Config& config, const std::string& name, const std::string& site_code,
                                 const nlohmann::json& variables);

// The built-in templates compiled from config/templates/: {file name, content}, sorted by name
// ("identifier.html", "identifier.subject", ...).
const std::vector<std::pair<std::string_view, std::string_view>>& builtin_templates();

}  // namespace imuse::mail
