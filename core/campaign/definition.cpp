#include "campaign/definition.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include "sites/sites.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/schedule.hpp"
#include "util/text.hpp"
#include "util/yaml_input.hpp"

namespace imuse {

namespace {

const std::vector<std::string> kRootKeys = {"code",           "label",     "school_year",  "sites",
                                            "opens_on",       "closes_on", "steps",        "rules",
                                            "authorisations", "documents", "notifications"};
const std::vector<std::string> kDocumentKeys = {"code", "label", "level", "mandatory", "condition"};
const std::vector<std::string> kConditionKeys = {"departments", "courses_matching", "except_courses_matching", "sites"};

// Reads one file's YAML, reporting every problem at its position.
class Parser : YamlFileReader {
 public:
  explicit Parser(std::string file) : YamlFileReader(std::move(file)) {}

  CampaignDefinition parse(const YAML::Node& root) {
    if (!root.IsMap()) {
      fail(root,
           "expected a mapping with code, school_year, sites, opens_on, closes_on... "
           "(see config/samples/campaign.yaml)");
    }
    check_keys(root, kRootKeys, "campaign");
    CampaignDefinition d;
    d.file = file_;
    read_code(root, d);
    if (const auto label = yaml_child(root, "label"); label.IsDefined()) {
      d.label = text(label, "label", "a title such as \"Réinscriptions 2027/2028\"");
    }
    read_year(root, d);
    read_sites(root, d);
    read_dates(root, d);
    read_steps(root, d);
    read_rules(root, d);
    read_authorisations(root, d);
    read_documents(root, d);
    read_notifications(root, d);
    return d;
  }

 private:
  // A list of non-empty texts; a single text stands for a list of one.
  std::vector<std::string> texts(const YAML::Node& node, const std::string& key, const std::string& expected) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(text(node, key, expected));
      return out;
    }
    if (!node.IsSequence() || node.size() == 0) {
      fail(node, key + ": expected a non-empty list such as " + expected);
    }
    for (const auto& item : node) {
      out.push_back(text(item, key, "a non-empty text in a list such as " + expected));
    }
    return out;
  }

  bool boolean(const YAML::Node& node, const std::string& key) const {
    const std::string v = node.IsScalar() ? ascii_lower(trim(node.Scalar())) : "";
    if (v == "true" || v == "yes" || v == "oui") {
      return true;
    }
    if (v == "false" || v == "no" || v == "non") {
      return false;
    }
    fail(node, key + ": expected true or false");
  }

  void read_code(const YAML::Node& root, CampaignDefinition& d) const {
    static const std::regex pattern(R"(^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$)");
    const auto node = required(root, "code", "the campaign's code, e.g. REINSCRIPTIONS-2027");
    d.code = text(node, "code", "a code such as REINSCRIPTIONS-2027");
    if (!std::regex_match(d.code, pattern)) {
      fail(node,
           "code: expected letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit), got \"" +
               d.code + "\"");
    }
  }

  void read_year(const YAML::Node& root, CampaignDefinition& d) const {
    const auto node = required(root, "school_year", "the school year families re-enrol for, e.g. 2027/2028");
    const auto year = node.IsScalar() ? parse_school_year(node.Scalar()) : std::nullopt;
    if (!year) {
      fail(node, "school_year: expected the target school year such as 2027/2028, got \"" +
                     (node.IsScalar() ? node.Scalar() : std::string("(not a text)")) + "\"");
    }
    d.school_year = *year;
  }

  void read_sites(const YAML::Node& root, CampaignDefinition& d) const {
    const auto node = required(root, "sites", "the list of site codes the campaign covers, e.g. [CONS1, MANTES]");
    const YAML::Node list = node;
    if (!(list.IsSequence() && list.size() > 0) && !list.IsScalar()) {
      fail(node, "sites: expected a non-empty list of site codes such as [CONS1, MANTES]");
    }
    auto add = [&](const YAML::Node& item) {
      const std::string raw = text(item, "sites", "a site code such as CONS1");
      const auto code = normalize_site_code(raw);
      if (!code) {
        fail(item, "sites: expected a site code (capital letters, digits, '_' or '-'), got \"" + raw + "\"");
      }
      if (std::find(d.sites.begin(), d.sites.end(), *code) != d.sites.end()) {
        fail(item, "sites: " + *code + " is listed twice");
      }
      d.sites.push_back(*code);
      d.site_where.push_back(where(item));
    };
    if (list.IsScalar()) {
      add(list);
    } else {
      for (const auto& item : list) {
        add(item);
      }
    }
  }

  Date date(const YAML::Node& root, const std::string& key, const char* example) const {
    const auto node = required(root, key, std::string("a date such as ") + example);
    const auto parsed = node.IsScalar() ? parse_date(node.Scalar()) : std::nullopt;
    if (!parsed) {
      fail(node, key + ": expected a date such as " + example + " (or dd/mm/yyyy), got \"" +
                     (node.IsScalar() ? node.Scalar() : std::string("(not a text)")) + "\"");
    }
    return *parsed;
  }

  void read_dates(const YAML::Node& root, CampaignDefinition& d) const {
    d.opens_on = date(root, "opens_on", "2027-04-01");
    d.closes_on = date(root, "closes_on", "2027-05-31");
    const int first = std::stoi(d.school_year.substr(0, 4));
    if (d.opens_on.year < first - 1 || d.opens_on.year > first) {
      fail(yaml_child(root, "opens_on"), "opens_on: " + d.opens_on.iso() + " is far from the school year " +
                                             d.school_year + "; expected a date in " + std::to_string(first - 1) +
                                             " or " + std::to_string(first));
    }
    if (d.closes_on.iso() < d.opens_on.iso()) {
      fail(yaml_child(root, "closes_on"),
           "closes_on: expected a date on or after opens_on (" + d.opens_on.iso() + "), got " + d.closes_on.iso());
    }
  }

  void read_steps(const YAML::Node& root, CampaignDefinition& d) const {
    const auto node = yaml_child(root, "steps");
    if (!node.IsDefined() || node.IsNull()) {
      d.steps = campaign_steps();
      return;
    }
    const std::string known = join(campaign_steps(), ", ");
    std::set<std::string> seen;
    for (const auto& step : texts(node, "steps", "[" + known + "]")) {
      if (std::find(campaign_steps().begin(), campaign_steps().end(), step) == campaign_steps().end()) {
        fail(node, "steps: unknown step '" + step + "'; expected some of: " + known);
      }
      if (!seen.insert(step).second) {
        fail(node, "steps: '" + step + "' is listed twice");
      }
    }
    // Stored in the portal's order, whatever order the file lists them in.
    for (const auto& step : campaign_steps()) {
      if (seen.count(step) != 0) {
        d.steps.push_back(step);
      }
    }
  }

  void read_rules(const YAML::Node& root, CampaignDefinition& d) const {
    const auto node = yaml_child(root, "rules");
    const bool finalisation = std::find(d.steps.begin(), d.steps.end(), "finalisation") != d.steps.end();
    if (!node.IsDefined() || node.IsNull()) {
      if (finalisation) {
        fail(root,
             "missing 'rules': expected the internal rules families accept at the finalisation step "
             "(rules: {text: ...} and/or {url: https://...})");
      }
      return;
    }
    if (!node.IsMap()) {
      fail(node, "rules: expected a mapping with text and/or url");
    }
    check_keys(node, {"text", "url"}, "rules");
    if (const auto t = yaml_child(node, "text"); t.IsDefined()) {
      d.rules_text = text(t, "rules.text", "the text of the internal rules");
    }
    if (const auto u = yaml_child(node, "url"); u.IsDefined()) {
      d.rules_url = text(u, "rules.url", "an http:// or https:// URL");
      if (!is_http_url(d.rules_url)) {
        fail(u, "rules.url: expected an http:// or https:// URL, got \"" + d.rules_url + "\"");
      }
    }
    if (d.rules_text.empty() && d.rules_url.empty()) {
      fail(node, "rules: expected text and/or url");
    }
  }

  void read_authorisations(const YAML::Node& root, CampaignDefinition& d) const {
    static const std::regex pattern(R"(^[a-z][a-z0-9_]{0,63}$)");
    const auto node = yaml_child(root, "authorisations");
    if (!node.IsDefined() || node.IsNull()) {
      return;
    }
    if (!node.IsSequence()) {
      fail(node, "authorisations: expected a list of {code, label}");
    }
    for (const auto& item : node) {
      if (!item.IsMap()) {
        fail(item, "authorisations: expected {code: image_rights, label: \"Droit à l'image\"}");
      }
      check_keys(item, {"code", "label"}, "authorisation");
      AuthorisationSpec a;
      a.code = text(required(item, "code", "a code such as image_rights"), "code", "a code such as image_rights");
      if (!std::regex_match(a.code, pattern)) {
        fail(yaml_child(item, "code"),
             "code: expected lower-case letters, digits or '_' (e.g. image_rights), got \"" + a.code + "\"");
      }
      for (const auto& other : d.authorisations) {
        if (other.code == a.code) {
          fail(yaml_child(item, "code"), "code: authorisation '" + a.code + "' is listed twice");
        }
      }
      a.label = text(required(item, "label", "the question families answer"), "label", "the question families answer");
      d.authorisations.push_back(std::move(a));
    }
  }

  DocumentCondition read_condition(const YAML::Node& node, const CampaignDefinition& d, DocumentSpec& doc) const {
    DocumentCondition c;
    if (!node.IsMap()) {
      fail(node, "condition: expected a mapping with some of: " + join(kConditionKeys, ", "));
    }
    check_keys(node, kConditionKeys, "condition");
    if (const auto n = yaml_child(node, "departments"); n.IsDefined()) {
      c.departments = texts(n, "departments", "[Danse]");
      doc.departments_where = where(n);
    }
    if (const auto n = yaml_child(node, "courses_matching"); n.IsDefined()) {
      c.courses_matching = texts(n, "courses_matching", "[Cardio-danse]");
    }
    if (const auto n = yaml_child(node, "except_courses_matching"); n.IsDefined()) {
      c.except_courses_matching = texts(n, "except_courses_matching", "[Éveil, Initiation]");
    }
    if (const auto n = yaml_child(node, "sites"); n.IsDefined()) {
      for (const auto& raw : texts(n, "sites", "[CONS1]")) {
        const auto code = normalize_site_code(raw);
        if (!code || std::find(d.sites.begin(), d.sites.end(), *code) == d.sites.end()) {
          fail(n, "condition sites: \"" + raw + "\" is not one of the campaign's sites (" + join(d.sites, ", ") + ")");
        }
        c.sites.push_back(*code);
      }
    }
    if (c.empty()) {
      fail(node, "condition: expected at least one of: " + join(kConditionKeys, ", ") +
                     " (leave the condition out for a document everybody provides)");
    }
    return c;
  }

  void read_documents(const YAML::Node& root, CampaignDefinition& d) const {
    static const std::regex pattern(R"(^[a-z0-9][a-z0-9_-]{0,63}$)");
    const auto node = yaml_child(root, "documents");
    if (!node.IsDefined() || node.IsNull()) {
      return;
    }
    if (!node.IsSequence()) {
      fail(node, "documents: expected a list of {code, label, level, mandatory, condition}");
    }
    for (const auto& item : node) {
      if (!item.IsMap()) {
        fail(item, "documents: expected {code: assurance, label: \"Assurance Responsabilité Civile\", level: family}");
      }
      check_keys(item, kDocumentKeys, "document");
      DocumentSpec doc;
      doc.where = where(item);
      const auto code = required(item, "code", "a code such as certificat-medical");
      doc.code = text(code, "code", "a code such as certificat-medical");
      if (!std::regex_match(doc.code, pattern)) {
        fail(code, "code: expected lower-case letters, digits, '_' or '-' (e.g. certificat-medical), got \"" +
                       doc.code + "\"");
      }
      for (const auto& other : d.documents) {
        if (other.code == doc.code) {
          fail(code, "code: document '" + doc.code + "' is listed twice");
        }
      }
      doc.label = text(required(item, "label", "the name families see, e.g. \"Certificat médical\""), "label",
                       "the name families see");
      const auto level = required(item, "level", "family or student");
      doc.level = level.IsScalar() ? trim(level.Scalar()) : "";
      if (doc.level != "family" && doc.level != "student") {
        fail(level, "level: expected family (one per family) or student (one per student), got \"" + doc.level + "\"");
      }
      if (const auto m = yaml_child(item, "mandatory"); m.IsDefined()) {
        doc.mandatory = boolean(m, "mandatory");
      }
      if (const auto c = yaml_child(item, "condition"); c.IsDefined() && !c.IsNull()) {
        doc.condition = read_condition(c, d, doc);
      }
      d.documents.push_back(std::move(doc));
    }
  }

  void read_notifications(const YAML::Node& root, CampaignDefinition& d) const {
    const auto node = yaml_child(root, "notifications");
    if (!node.IsDefined() || node.IsNull()) {
      return;
    }
    if (!node.IsMap()) {
      fail(node, "notifications: expected a mapping with reminder_min_days");
    }
    check_keys(node, {"reminder_min_days"}, "notifications");
    if (const auto n = yaml_child(node, "reminder_min_days"); n.IsDefined()) {
      const std::string v = n.IsScalar() ? trim(n.Scalar()) : "";
      const bool digits = !v.empty() && v.size() <= 3 &&
                          std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
      if (!digits || std::stoi(v) > 365) {
        fail(n, "reminder_min_days: expected a number of days from 0 to 365, got \"" + v + "\"");
      }
      d.reminder_min_days = std::stoi(v);
    }
  }

};

bool contains_any(const std::string& folded_name, const std::vector<std::string>& parts) {
  return std::any_of(parts.begin(), parts.end(), [&](const std::string& part) {
    const std::string p = fold_text(part);
    return !p.empty() && (" " + folded_name + " ").find(" " + p + " ") != std::string::npos;
  });
}

nlohmann::ordered_json string_list(const std::vector<std::string>& values) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& v : values) {
    out.push_back(v);
  }
  return out;
}

std::vector<std::string> strings_of(const nlohmann::json& json, const char* key) {
  std::vector<std::string> out;
  if (json.contains(key) && json[key].is_array()) {
    for (const auto& v : json[key]) {
      out.push_back(v.get<std::string>());
    }
  }
  return out;
}

}  // namespace

bool condition_matches(const DocumentCondition& condition, const CourseFacts& course) {
  if (!condition.sites.empty() &&
      std::find(condition.sites.begin(), condition.sites.end(), course.site_code) == condition.sites.end()) {
    return false;
  }
  if (!condition.departments.empty()) {
    const std::string department = fold_key(course.department);
    const bool found = std::any_of(condition.departments.begin(), condition.departments.end(),
                                   [&](const std::string& d) { return fold_key(d) == department; });
    if (department.empty() || !found) {
      return false;
    }
  }
  const std::string name = fold_text(course.name);
  if (!condition.courses_matching.empty() && !contains_any(name, condition.courses_matching)) {
    return false;
  }
  return !contains_any(name, condition.except_courses_matching);
}

const std::vector<std::string>& campaign_steps() {
  static const std::vector<std::string> steps = {"contact_details", "authorisations", "documents",
                                                 "courses",         "summary",        "finalisation"};
  return steps;
}

CampaignDefinition parse_campaign_definition(const YAML::Node& root, const std::string& file) {
  return Parser(file).parse(root);
}

CampaignDefinition load_campaign_definition(const std::string& file) {
  return parse_campaign_definition(load_yaml_input(file, "campaign file "), file);
}

nlohmann::ordered_json condition_json(const DocumentCondition& c) {
  if (c.empty()) {
    return nullptr;
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (!c.departments.empty()) {
    out["departments"] = string_list(c.departments);
  }
  if (!c.courses_matching.empty()) {
    out["courses_matching"] = string_list(c.courses_matching);
  }
  if (!c.except_courses_matching.empty()) {
    out["except_courses_matching"] = string_list(c.except_courses_matching);
  }
  if (!c.sites.empty()) {
    out["sites"] = string_list(c.sites);
  }
  return out;
}

DocumentCondition condition_from_json(const nlohmann::json& json) {
  DocumentCondition c;
  if (!json.is_object()) {
    return c;
  }
  c.departments = strings_of(json, "departments");
  c.courses_matching = strings_of(json, "courses_matching");
  c.except_courses_matching = strings_of(json, "except_courses_matching");
  c.sites = strings_of(json, "sites");
  return c;
}

nlohmann::ordered_json definition_json(const CampaignDefinition& d) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["code"] = d.code;
  j["label"] = d.label.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(d.label);
  j["school_year"] = d.school_year;
  j["sites"] = string_list(d.sites);
  j["opens_on"] = d.opens_on.iso();
  j["closes_on"] = d.closes_on.iso();
  j["steps"] = string_list(d.steps);
  nlohmann::ordered_json rules = nlohmann::ordered_json::object();
  rules["text"] = d.rules_text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(d.rules_text);
  rules["url"] = d.rules_url.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(d.rules_url);
  j["rules"] = rules;
  j["authorisations"] = nlohmann::ordered_json::array();
  for (const auto& a : d.authorisations) {
    j["authorisations"].push_back({{"code", a.code}, {"label", a.label}});
  }
  j["documents"] = nlohmann::ordered_json::array();
  for (const auto& doc : d.documents) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    o["code"] = doc.code;
    o["label"] = doc.label;
    o["level"] = doc.level;
    o["mandatory"] = doc.mandatory;
    o["condition"] = condition_json(doc.condition);
    j["documents"].push_back(std::move(o));
  }
  j["notifications"] = {{"reminder_min_days", d.reminder_min_days}};
  return j;
}

std::string previous_school_year(const std::string& year) {
  const int first = std::stoi(year.substr(0, 4));
  return std::to_string(first - 1) + "/" + std::to_string(first);
}

}  // namespace imuse
