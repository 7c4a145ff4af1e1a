#include "sites/sites.hpp"

#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>

#include "util/error.hpp"
#include "util/text.hpp"
#include "util/yaml_input.hpp"

namespace imuse {

namespace {

enum class Outcome { created, updated, unchanged };

// Creates the site, or brings an existing one to these values when `update` is set.
Outcome upsert(pqxx::transaction_base& tx, const Site& site, bool update) {
  const auto existing =
      tx.exec_params("SELECT name, portal_url FROM sites WHERE code = $1 FOR UPDATE", site.code);
  if (existing.empty()) {
    tx.exec_params0("INSERT INTO sites (code, name, portal_url) VALUES ($1, $2, $3)", site.code, site.name,
                    site.portal_url);
    return Outcome::created;
  }
  const auto name = existing[0][0].as<std::string>();
  const auto url = existing[0][1].as<std::string>();
  if (name == site.name && url == site.portal_url) {
    return Outcome::unchanged;
  }
  if (!update) {
    throw DataError("site " + site.code + " already exists as \"" + name + "\" <" + url +
                    ">; use 'imuse-admin site update " + site.code + "' to change it");
  }
  tx.exec_params0("UPDATE sites SET name = $2, portal_url = $3, updated_at = now() WHERE code = $1", site.code,
                  site.name, site.portal_url);
  return Outcome::updated;
}

// Every run reports the three counters, zero or not, so scripts can rely on them.
void init_counts(Report& report) {
  for (const char* name : {"created", "updated", "unchanged"}) {
    report.add(name, 0);
  }
}

void count(Report& report, Outcome outcome) {
  switch (outcome) {
    case Outcome::created:
      report.add("created");
      break;
    case Outcome::updated:
      report.add("updated");
      break;
    case Outcome::unchanged:
      report.add("unchanged");
      break;
  }
}

std::string where(const std::string& file, const YAML::Mark& mark) { return yaml_position(file, mark); }

}  // namespace

std::optional<std::string> normalize_site_code(const std::string& code) {
  static const std::regex pattern(R"(^[A-Z0-9][A-Z0-9_-]{0,31}$)");
  std::string upper = ascii_upper(trim(code));
  if (!std::regex_match(upper, pattern)) {
    return std::nullopt;
  }
  return upper;
}

std::string site_problem(const Site& site) {
  if (!normalize_site_code(site.code)) {
    return "code \"" + site.code + "\": expected capital letters, digits, '_' or '-', at most 32 characters";
  }
  if (trim(site.name).empty()) {
    return "name: expected a non-empty name";
  }
  if (!is_http_url(site.portal_url)) {
    return "portal_url \"" + site.portal_url + "\": expected an http:// or https:// URL";
  }
  return "";
}

void require_site(pqxx::transaction_base& tx, const std::string& code) {
  if (tx.exec_params("SELECT 1 FROM sites WHERE code = $1", code).empty()) {
    throw DataError("no site with code " + code + " (see 'imuse-admin site list')");
  }
}

void site_add(pqxx::transaction_base& tx, const Site& site, Report& report) {
  init_counts(report);
  count(report, upsert(tx, site, false));
}

void site_update(pqxx::transaction_base& tx, const std::string& code, const std::optional<std::string>& name,
                 const std::optional<std::string>& portal_url, Report& report) {
  const auto row = tx.exec_params("SELECT name, portal_url FROM sites WHERE code = $1", code);
  if (row.empty()) {
    throw DataError("no site with code " + code + " (see 'imuse-admin site list')");
  }
  init_counts(report);
  Site site{code, name.value_or(row[0][0].as<std::string>()), portal_url.value_or(row[0][1].as<std::string>())};
  if (auto problem = site_problem(site); !problem.empty()) {
    throw UsageError("site " + code + ": " + problem);
  }
  count(report, upsert(tx, site, true));
}

void site_list(pqxx::transaction_base& tx, Report& report) {
  Table table{{"code", "name", "portal_url", "families"}, {}};
  for (const auto& row : tx.exec(
           "SELECT s.code, s.name, s.portal_url, (SELECT count(*) FROM families f WHERE f.site_id = s.id) "
           "FROM sites s ORDER BY s.code")) {
    table.rows.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                          row[3].as<std::int64_t>()});
  }
  report.add("sites", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

void site_show(pqxx::transaction_base& tx, const std::string& code, Report& report) {
  const auto rows = tx.exec_params(
      "SELECT s.code, s.name, s.portal_url, "
      "       to_char(s.created_at, 'YYYY-MM-DD HH24:MI:SS'), to_char(s.updated_at, 'YYYY-MM-DD HH24:MI:SS'), "
      "       (SELECT count(*) FROM families f WHERE f.site_id = s.id), "
      "       (SELECT count(*) FROM students st JOIN families f ON f.id = st.family_id WHERE f.site_id = s.id), "
      "       (SELECT count(*) FROM accounts a JOIN families f ON f.id = a.family_id WHERE f.site_id = s.id) "
      "FROM sites s WHERE s.code = $1",
      code);
  if (rows.empty()) {
    throw DataError("no site with code " + code + " (see 'imuse-admin site list')");
  }
  const auto& r = rows[0];
  report.details = {{"code", r[0].as<std::string>()},      {"name", r[1].as<std::string>()},
                    {"portal_url", r[2].as<std::string>()}, {"created_at", r[3].as<std::string>()},
                    {"updated_at", r[4].as<std::string>()}, {"families", r[5].as<std::int64_t>()},
                    {"students", r[6].as<std::int64_t>()},  {"accounts", r[7].as<std::int64_t>()}};
}

namespace {

// Reads one entry; `code_key` is the mapping key holding the code in the configuration's shape.
// Returns the problem ("" when valid) and sets `item` to where it is.
std::string read_entry(const std::string& file, const YAML::Node& entry, const YAML::Node* code_key, Site& site,
                       std::string& item) {
  item = where(file, code_key != nullptr ? code_key->Mark() : entry.Mark());
  if (!entry.IsMap()) {
    return "expected a mapping with code, name and portal_url";
  }
  for (const auto& field : entry) {
    const std::string key = field.first.Scalar();
    const bool known = key == "name" || key == "portal_url" || (key == "code" && code_key == nullptr);
    if (!known) {
      item = where(file, field.first.Mark());
      return "unknown field '" + key + "' (expected " + (code_key == nullptr ? "code, " : "") + "name, portal_url)";
    }
    if (!field.second.IsScalar()) {
      item = where(file, field.second.Mark());
      return key + ": expected a text value";
    }
  }
  site.code = code_key != nullptr ? trim(code_key->Scalar()) : entry["code"] ? trim(entry["code"].Scalar()) : "";
  site.name = entry["name"] ? trim(entry["name"].Scalar()) : "";
  site.portal_url = entry["portal_url"] ? trim(entry["portal_url"].Scalar()) : "";
  std::string problem = site_problem(site);
  if (problem.empty()) {
    site.code = *normalize_site_code(site.code);
    return "";
  }
  const char* field = problem.rfind("code", 0) == 0 ? "code" : problem.rfind("name", 0) == 0 ? "name" : "portal_url";
  if (std::string(field) == "code" && code_key != nullptr) {
    return problem;
  }
  if (!entry[field]) {
    return std::string(field) + ": missing";
  }
  item = where(file, entry[field].Mark());
  return problem;
}

}  // namespace

void site_import(pqxx::transaction_base& tx, const std::string& file, bool skip_bad, Report& report) {
  const YAML::Node document = load_yaml_input(file);
  const YAML::Node sites = document.IsMap() ? yaml_child(document, "sites") : YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node root = sites.IsDefined() ? sites : document;
  if (!root.IsSequence() && !root.IsMap()) {
    throw DataError(where(file, root.Mark()) +
                    ": expected a list of sites (- code: ..., name: ..., portal_url: ...) or a mapping of codes");
  }
  init_counts(report);
  std::set<std::string> seen;
  auto handle = [&](const YAML::Node& entry, const YAML::Node* code_key) {
    Site site;
    std::string item;
    std::string problem = read_entry(file, entry, code_key, site, item);
    if (problem.empty() && !seen.insert(site.code).second) {
      problem = "site " + site.code + " appears twice in the file";
    }
    if (!problem.empty()) {
      if (!skip_bad) {
        throw DataError(item + ": " + problem);
      }
      report.rejected.push_back(Problem{item, problem});
      return;
    }
    count(report, upsert(tx, site, true));
  };
  if (root.IsSequence()) {
    for (const auto& entry : root) {
      handle(entry, nullptr);
    }
  } else {
    for (const auto& entry : root) {  // the configuration's shape: CODE: {name: ..., portal_url: ...}
      handle(entry.second, &entry.first);
    }
  }
}

void site_sync(pqxx::transaction_base& tx, const std::vector<SiteSetting>& sites, Report& report) {
  init_counts(report);
  for (const auto& s : sites) {
    count(report, upsert(tx, Site{s.code, s.name, s.portal_url}, true));
  }
  if (sites.empty()) {
    report.messages.emplace_back("the configuration declares no sites");
  }
}

}  // namespace imuse
