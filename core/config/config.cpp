#include "config/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "util/error.hpp"
#include "util/text.hpp"

namespace fs = std::filesystem;

namespace imuse {

namespace {

const std::vector<KeySpec> kKeys = {
    {"database.url", KeyType::conninfo, "",
     "PostgreSQL URL or libpq connection string; empty = libpq defaults and PG* variables",
     {}, 0, 0, true},
    {"database.connect_timeout", KeyType::integer, "10", "seconds to wait for the database", {}, 1, 600},
    {"site", KeyType::site_code, "", "default site code for commands that take --site"},
    {"school.name", KeyType::text, "", "school name on letters, e-mails and invoices"},
    {"school.address", KeyType::text, "", "postal address (street lines)"},
    {"school.postal_code", KeyType::text, "", "postal code"},
    {"school.city", KeyType::text, "", "city"},
    {"school.phone", KeyType::text, "", "office phone"},
    {"school.email", KeyType::email, "", "office e-mail address shown to families"},
    {"school.website", KeyType::url, "", "school web site"},
    {"school.siret", KeyType::siret, "", "SIRET number (14 digits)"},
    {"school.logo", KeyType::path, "", "PNG logo for letters and invoices"},
    {"billing.tariffs", KeyType::path, "", "tariff grid (YAML) that `invoices generate` uses when --tariffs is not given"},
    {"billing.payee", KeyType::text, "", "payee of cheques (\"chèque à l'ordre de\"), e.g. the Régie de recettes"},
    {"billing.iban", KeyType::text, "", "IBAN shown on invoices for bank transfers"},
    {"billing.bic", KeyType::text, "", "BIC shown on invoices for bank transfers"},
    {"billing.payfip_url", KeyType::url, "https://www.payfip.gouv.fr/", "PayFIP page where families pay online"},
    {"billing.due_days", KeyType::integer, "30", "days to pay a correcting invoice when the schedule has no due date left", {}, 1, 365},
    {"billing.legal_mentions", KeyType::text, "", "footer line of invoices and receipts (legal identifiers, collectivity)"},
    {"treasury.id_post", KeyType::text, "", "IdPost: the collectivity's code at its treasury post (poste comptable), 7 digits given by the DGFiP"},
    {"treasury.id_coll", KeyType::siret, "", "IdColl: SIRET of the collectivity in PES files (default: school.siret)"},
    {"treasury.cod_col", KeyType::text, "", "CodCol: collectivity code, 3 characters given by the DGFiP"},
    {"treasury.cod_bud", KeyType::text, "", "CodBud: budget code, 2 characters given by the DGFiP"},
    {"treasury.libelle_col_bud", KeyType::text, "", "LibelleColBud: name of the collectivity and budget in PES files"},
    {"treasury.nature_tuition", KeyType::text, "7062", "budget account (Nature) of tuition titles"},
    {"treasury.nature_rental", KeyType::text, "7083", "budget account (Nature) of rental titles"},
    {"treasury.product_tuition", KeyType::text, "COTI", "local product code (CodProdLoc, 1-4 letters or digits) of tuition titles"},
    {"treasury.product_rental", KeyType::text, "LOCA", "local product code (CodProdLoc, 1-4 letters or digits) of rental titles"},
    {"treasury.sender_sigle", KeyType::text, "", "sender's acronym in the PES envelope (Emetteur/Sigle)"},
    {"treasury.sender_address", KeyType::text, "", "sender's address in the PES envelope (Emetteur/Adresse)"},
    {"treasury.file_name", KeyType::text, "PES_{site}_{exercise}_{bordereau}.xml", "PES file name (NomFic) pattern: {site}, {exercise}, {bordereau}"},
    {"treasury.encoding", KeyType::choice, "iso-8859-1", "encoding of PES files (any case)", {"iso-8859-1", "utf-8"}},
    {"treasury.overdue_days", KeyType::integer, "30", "days after the due date before an unpaid invoice is transferred", {}, 0, 3650},
    {"treasury.min_amount", KeyType::text, "0", "smallest amount transferred to the treasury (euros, e.g. 15,00)"},
    {"sepa.creditor_name", KeyType::text, "", "creditor name in direct-debit files (default: school.name)"},
    {"sepa.ics", KeyType::text, "", "creditor identifier (ICS), e.g. FR12ZZZ123456"},
    {"sepa.iban", KeyType::text, "", "IBAN of the creditor account that direct debits are paid into"},
    {"sepa.bic", KeyType::text, "", "BIC of the creditor account"},
    {"sepa.rum_prefix", KeyType::text, "IMUSE", "prefix of mandate references (RUM) generated when none is given"},
    {"sepa.file_name", KeyType::text, "PRLV_{site}_{date}_{batch}.xml", "direct-debit file name pattern: {site}, {date}, {batch}"},
    {"pdf.font", KeyType::path, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "TrueType font embedded (subset) in PDFs"},
    {"pdf.font_bold", KeyType::path, "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "bold TrueType font embedded (subset) in PDFs"},
    {"mail.transport", KeyType::choice, "maildir", "how mail is delivered", {"maildir", "smtp"}},
    {"mail.from", KeyType::email, "", "sender address of every e-mail"},
    {"mail.from_name", KeyType::text, "", "sender display name"},
    {"mail.reply_to", KeyType::email, "", "Reply-To address (the office)"},
    {"mail.maildir", KeyType::path, "mail", "maildir folder for the maildir transport"},
    {"mail.smtp.host", KeyType::text, "", "SMTP server host name"},
    {"mail.smtp.port", KeyType::integer, "587", "SMTP port (587 STARTTLS, 465 implicit TLS)", {}, 1, 65535},
    {"mail.smtp.security", KeyType::choice, "starttls", "TLS mode", {"starttls", "tls", "none"}},
    {"mail.smtp.username", KeyType::text, "", "SMTP AUTH user name"},
    {"mail.smtp.password_file", KeyType::path, "", "file holding the SMTP password (mode 0600)"},
    {"mail.smtp.password_env", KeyType::text, "", "environment variable holding the SMTP password"},
    {"mail.smtp.timeout", KeyType::integer, "30", "seconds before an SMTP operation fails", {}, 1, 600},
    {"mail.smtp.ca_file", KeyType::path, "", "CA certificates (PEM) that verify the SMTP server, instead of the system's"},
    {"mail.max_per_hour", KeyType::integer, "0", "most messages delivered per hour by this transport (0: no limit)", {}, 0, 1000000},
    {"mail.max_attempts", KeyType::integer, "8", "delivery attempts before a temporarily refused message is marked failed", {}, 1, 100},
    {"mail.templates", KeyType::path, "", "folder of mail templates that override the built-in ones (per site: FOLDER/SITE/)"},
    {"accounts.identifier_pattern", KeyType::text, "{nom}.{prenom}", "pattern of new login identifiers"},
    {"passwords.length", KeyType::integer, "12", "characters of a generated password", {}, 8, 128},
    {"passwords.alphabet", KeyType::text, "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", "characters a generated password is drawn from"},
    {"passwords.argon2_opslimit", KeyType::integer, "2", "argon2id passes (time cost)", {}, 1, 20},
    {"passwords.argon2_memlimit", KeyType::integer, "65536", "argon2id memory in KiB", {}, 8, 4194304},
    {"passwords.threads", KeyType::integer, "0", "threads that hash passwords in bulk (0: one per core)", {}, 0, 256},
    {"logging.level", KeyType::choice, "warning", "stderr log level (the log file always gets info)", {"error", "warning", "info", "debug"}},
    {"logging.file", KeyType::path, "", "also log (with timestamps) to this file"},
};

const KeySpec* find_key(const std::string& key) {
  for (const auto& spec : kKeys) {
    if (key == spec.key) {
      return &spec;
    }
  }
  return nullptr;
}

std::vector<std::string> key_names() {
  std::vector<std::string> names;
  for (const auto& spec : kKeys) {
    names.emplace_back(spec.key);
  }
  names.emplace_back("sites");
  return names;
}

std::string expectation(const KeySpec& spec) {
  switch (spec.type) {
    case KeyType::integer:
      return "an integer from " + std::to_string(spec.min) + " to " + std::to_string(spec.max);
    case KeyType::choice:
      return "one of " + join(spec.choices, ", ");
    case KeyType::email:
      return "an e-mail address such as secretariat@example.fr";
    case KeyType::url:
      return "an http:// or https:// URL";
    case KeyType::site_code:
      return "a site code: capital letters, digits, '_' or '-', at most 32 characters";
    case KeyType::siret:
      return "a SIRET number: 14 digits";
    default:
      return "a text value";
  }
}

// Returns the normalised value, or nullopt when it does not fit the key's type.
std::optional<std::string> validate(const KeySpec& spec, const std::string& raw) {
  const std::string value = trim(raw);
  if (value.empty()) {
    // Keys with a default must have a value; the others may be left empty.
    return spec.default_value[0] != '\0' ? std::nullopt : std::optional(value);
  }
  switch (spec.type) {
    case KeyType::integer: {
      static const std::regex digits(R"(^[0-9]{1,9}$)");
      if (!std::regex_match(value, digits)) {
        return std::nullopt;
      }
      const long n = std::stol(value);
      if (n < spec.min || n > spec.max) {
        return std::nullopt;
      }
      return std::to_string(n);
    }
    case KeyType::choice: {
      const std::string lower = ascii_lower(value);
      for (const auto& choice : spec.choices) {
        if (lower == choice) {
          return choice;
        }
      }
      return std::nullopt;
    }
    case KeyType::email: {
      static const std::regex email(R"(^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$)");
      return std::regex_match(value, email) ? std::optional(value) : std::nullopt;
    }
    case KeyType::url:
      return is_http_url(value) ? std::optional(value) : std::nullopt;
    case KeyType::site_code: {
      static const std::regex code(R"(^[A-Z0-9][A-Z0-9_-]{0,31}$)");
      const std::string upper = ascii_upper(value);
      return std::regex_match(upper, code) ? std::optional(upper) : std::nullopt;
    }
    case KeyType::siret: {
      std::string digits;
      for (char c : value) {
        if (c >= '0' && c <= '9') {
          digits += c;
        } else if (c != ' ') {
          return std::nullopt;
        }
      }
      return digits.size() == 14 ? std::optional(digits) : std::nullopt;
    }
    default:
      return value;
  }
}

std::string mark_text(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) {
    return file;
  }
  return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::string scalar_text(const YAML::Node& node) {
  return node.IsNull() ? std::string() : node.Scalar();
}

// Expands "~/" and makes a relative path relative to the configuration file's folder.
std::string resolve_path(const std::string& value, const std::string& base_dir,
                         const ConfigInputs& inputs) {
  if (value.empty()) {
    return value;
  }
  if (value.rfind("~/", 0) == 0) {
    if (auto home = inputs.getenv("HOME")) {
      return (fs::path(*home) / value.substr(2)).string();
    }
  }
  fs::path p(value);
  if (p.is_relative() && !base_dir.empty()) {
    return (fs::path(base_dir) / p).lexically_normal().string();
  }
  return value;
}

class Loader {
 public:
  Loader(const ConfigInputs& inputs, std::map<std::string, Setting>& settings, std::vector<SiteSetting>& sites)
      : inputs_(inputs), settings_(settings), sites_(sites) {}

  void load_file(const std::string& file) {
    file_ = file;
    base_dir_ = fs::absolute(fs::path(file)).parent_path().string();
    YAML::Node root;
    try {
      root = YAML::LoadFile(file);
    } catch (const YAML::BadFile&) {
      throw ConfigError("cannot read configuration file " + file);
    } catch (const YAML::ParserException& e) {
      throw ConfigError(mark_text(file, e.mark) + ": invalid YAML: " + e.msg);
    }
    if (root.IsNull()) {
      return;  // an empty file is a valid, empty configuration
    }
    if (!root.IsMap()) {
      throw ConfigError(mark_text(file, root.Mark()) +
                        ": expected a mapping of keys (database:, mail:, ...) at the top level");
    }
    walk(root, "");
  }

 private:
  void walk(const YAML::Node& map, const std::string& prefix) {
    for (const auto& entry : map) {
      const std::string name = entry.first.Scalar();
      const std::string key = prefix.empty() ? name : prefix + "." + name;
      const YAML::Node& value = entry.second;
      if (key == "sites") {
        load_sites(value, entry.first.Mark());
        continue;
      }
      const KeySpec* spec = find_key(key);
      if (spec == nullptr) {
        if (value.IsNull() && has_prefix(key + ".")) {
          continue;  // a section whose keys are all commented out
        }
        if (value.IsMap() && has_prefix(key + ".")) {
          walk(value, key);
          continue;
        }
        std::string message = mark_text(file_, entry.first.Mark()) + ": unknown key '" + key + "'";
        const auto suggestion = closest_match(key, key_names());
        if (!suggestion.empty()) {
          message += " (did you mean '" + suggestion + "'?)";
        }
        throw ConfigError(message);
      }
      if (!value.IsScalar() && !value.IsNull()) {
        throw ConfigError(mark_text(file_, value.Mark()) + ": " + key + ": expected " + expectation(*spec) +
                          ", got a list or mapping");
      }
      set(*spec, scalar_text(value), ValueSource::file, mark_text(file_, value.Mark()));
    }
  }

  static bool has_prefix(const std::string& prefix) {
    for (const auto& spec : kKeys) {
      if (std::string(spec.key).rfind(prefix, 0) == 0) {
        return true;
      }
    }
    return false;
  }

  void load_sites(const YAML::Node& node, const YAML::Mark& mark) {
    if (node.IsNull()) {
      return;
    }
    if (!node.IsMap()) {
      throw ConfigError(mark_text(file_, mark) +
                        ": sites: expected a mapping of site codes, e.g. CONS1: {name: ..., portal_url: ...}");
    }
    const KeySpec code_spec{"sites", KeyType::site_code, "", ""};
    for (const auto& entry : node) {
      const std::string raw_code = entry.first.Scalar();
      const auto where = mark_text(file_, entry.first.Mark());
      const auto code = validate(code_spec, raw_code);
      if (!code || code->empty()) {
        throw ConfigError(where + ": sites." + raw_code + ": expected " + expectation(code_spec));
      }
      if (!entry.second.IsMap()) {
        throw ConfigError(where + ": sites." + *code + ": expected a mapping with name and portal_url");
      }
      SiteSetting site{*code, "", "", where};
      for (const auto& field : entry.second) {
        const std::string fname = field.first.Scalar();
        const auto fwhere = mark_text(file_, field.second.Mark());
        if (!field.second.IsScalar()) {
          throw ConfigError(fwhere + ": sites." + *code + "." + fname + ": expected a text value");
        }
        if (fname == "name") {
          site.name = trim(field.second.Scalar());
        } else if (fname == "portal_url") {
          site.portal_url = trim(field.second.Scalar());
          if (!is_http_url(site.portal_url)) {
            throw ConfigError(fwhere + ": sites." + *code + ".portal_url: expected an http:// or https:// URL, got \"" +
                              site.portal_url + "\"");
          }
        } else {
          throw ConfigError(mark_text(file_, field.first.Mark()) + ": unknown key 'sites." + *code + "." + fname +
                            "' (expected name or portal_url)");
        }
      }
      if (site.name.empty() || site.portal_url.empty()) {
        throw ConfigError(where + ": sites." + *code + ": both name and portal_url are required");
      }
      sites_.push_back(std::move(site));
    }
  }

 public:
  void set(const KeySpec& spec, const std::string& raw, ValueSource source, const std::string& origin) {
    const auto value = validate(spec, raw);
    if (!value) {
      throw ConfigError(origin + ": " + spec.key + ": expected " + expectation(spec) + ", got \"" + trim(raw) + "\"");
    }
    std::string v = *value;
    if (spec.type == KeyType::path) {
      v = resolve_path(v, source == ValueSource::file ? base_dir_ : std::string(), inputs_);
    }
    settings_[spec.key] = Setting{v, source, origin};
  }

 private:
  const ConfigInputs& inputs_;
  std::map<std::string, Setting>& settings_;
  std::vector<SiteSetting>& sites_;
  std::string file_;
  std::string base_dir_;
};

const KeySpec& spec_of(const std::string& key) {
  const KeySpec* spec = find_key(key);
  if (spec == nullptr) {
    throw std::out_of_range("unknown configuration key " + key);
  }
  return *spec;
}

}  // namespace

const std::vector<KeySpec>& config_keys() { return kKeys; }

std::optional<std::string> process_getenv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

std::vector<std::string> default_search_path(
    const std::function<std::optional<std::string>(const std::string&)>& getenv) {
  std::vector<std::string> path{"imuse-admin.yaml"};
  if (auto xdg = getenv("XDG_CONFIG_HOME"); xdg && !xdg->empty()) {
    path.push_back(*xdg + "/imuse-admin/config.yaml");
  } else if (auto home = getenv("HOME"); home && !home->empty()) {
    path.push_back(*home + "/.config/imuse-admin/config.yaml");
  }
  path.emplace_back("/etc/imuse-admin/config.yaml");
  return path;
}

Config default_config() {
  Config config;
  for (const auto& spec : kKeys) {
    config.settings_[spec.key] = Setting{spec.default_value, ValueSource::default_value, "default"};
  }
  return config;
}

Config load_config(const ConfigInputs& in) {
  ConfigInputs inputs = in;
  if (!inputs.getenv) {
    inputs.getenv = process_getenv;
  }
  Config config = default_config();
  Loader loader(inputs, config.settings_, config.sites_);

  // 1. The file: --config, else IMUSE_ADMIN_CONFIG, else the first existing file of the search path.
  std::string file;
  if (inputs.config_file) {
    file = *inputs.config_file;
    if (!fs::is_regular_file(file)) {
      throw ConfigError("configuration file " + file + " (from --config) does not exist or is not a file");
    }
  } else if (auto env = inputs.getenv("IMUSE_ADMIN_CONFIG"); env && !env->empty()) {
    file = *env;
    if (!fs::is_regular_file(file)) {
      throw ConfigError("configuration file " + file + " (from IMUSE_ADMIN_CONFIG) does not exist or is not a file");
    }
  } else {
    const auto search = inputs.search_path.empty() ? default_search_path(inputs.getenv) : inputs.search_path;
    for (const auto& candidate : search) {
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) {
        file = candidate;
        break;
      }
    }
  }
  if (!file.empty()) {
    file = fs::absolute(file).lexically_normal().string();  // messages name the file unambiguously
    loader.load_file(file);
    config.file_ = file;
  }

  // 2. The environment.
  if (auto url = inputs.getenv("IMUSE_ADMIN_DATABASE_URL"); url && !url->empty()) {
    loader.set(spec_of("database.url"), *url, ValueSource::environment, "IMUSE_ADMIN_DATABASE_URL");
  } else {
    std::vector<std::string> pg_vars;
    // Only variables that name a server replace the file's URL; PGUSER, PGPORT or PGPASSWORD
    // alone still complete it, as libpq always does.
    for (const char* name : {"PGSERVICE", "PGHOST", "PGHOSTADDR", "PGDATABASE"}) {
      if (auto v = inputs.getenv(name); v && !v->empty()) {
        pg_vars.emplace_back(name);
      }
    }
    if (!pg_vars.empty()) {
      // An empty connection string lets libpq read the PG* variables itself.
      loader.set(spec_of("database.url"), "", ValueSource::environment, join(pg_vars, ", "));
    }
  }

  // 3. The command line.
  if (inputs.database_url) {
    loader.set(spec_of("database.url"), *inputs.database_url, ValueSource::command_line, "--database");
  }
  if (inputs.site) {
    try {
      loader.set(spec_of("site"), *inputs.site, ValueSource::command_line, "--site");
    } catch (const ConfigError&) {
      throw UsageError("--site: expected a site code (capital letters, digits, '_' or '-'), got \"" +
                       *inputs.site + "\"");
    }
  }
  if (inputs.log_file) {
    loader.set(spec_of("logging.file"), *inputs.log_file, ValueSource::command_line, "--log-file");
  }
  return config;
}

const std::string& Config::get(const std::string& key) const { return setting(key).value; }

long Config::get_int(const std::string& key) const {
  const auto& value = get(key);
  return value.empty() ? 0 : std::stol(value);
}

const Setting& Config::setting(const std::string& key) const {
  auto it = settings_.find(key);
  if (it == settings_.end()) {
    throw std::out_of_range("unknown configuration key " + key);
  }
  return it->second;
}

std::string Config::display(const std::string& key) const {
  const auto& s = setting(key);
  if (key == "database.url") {
    if (s.value.empty()) {
      return s.source == ValueSource::environment ? "(libpq environment variables)" : "(libpq defaults)";
    }
    return mask_conninfo_password(s.value);
  }
  return spec_of(key).secret && !s.value.empty() ? "***" : s.value;
}

std::string describe_source(const Setting& setting) {
  switch (setting.source) {
    case ValueSource::file:
      return "file " + setting.origin;
    case ValueSource::environment:
      return "environment " + setting.origin;
    case ValueSource::command_line:
      return "command line " + setting.origin;
    default:
      return "default";
  }
}

namespace {

bool is_png(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 8 && std::string(magic, 8) == std::string("\x89PNG\r\n\x1a\n", 8);
}

std::string where(const Config& config, const std::string& key) {
  return key + " (" + describe_source(config.setting(key)) + ")";
}

}  // namespace

Report check_config(const Config& config) {
  Report report;
  report.command = "config check";
  report.status_if_rejected = static_cast<int>(ExitCode::config);
  auto error = [&](const std::string& key, const std::string& message) {
    report.rejected.push_back(Problem{where(config, key), message});
  };

  if (config.get("mail.transport") == "smtp") {
    if (config.get("mail.smtp.host").empty()) {
      error("mail.transport", "the smtp transport needs mail.smtp.host");
    }
    if (config.get("mail.smtp.security") == "none") {
      report.warnings.push_back("mail.smtp.security is none: mail and passwords cross the network unencrypted");
    }
    if (!config.get("mail.smtp.username").empty() && config.get("mail.smtp.password_file").empty() &&
        config.get("mail.smtp.password_env").empty()) {
      error("mail.smtp.username", "SMTP AUTH needs mail.smtp.password_file or mail.smtp.password_env");
    }
  }
  if (const auto& pw = config.get("mail.smtp.password_file"); !pw.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(pw, ec)) {
      error("mail.smtp.password_file", "file " + pw + " does not exist");
    } else if ((fs::status(pw, ec).permissions() & (fs::perms::group_read | fs::perms::others_read)) !=
               fs::perms::none) {
      report.warnings.push_back("mail.smtp.password_file " + pw + " is readable by other users; chmod 600 it");
    }
  }
  if (const auto& env = config.get("mail.smtp.password_env"); !env.empty() && !process_getenv(env)) {
    report.warnings.push_back("mail.smtp.password_env names " + env + ", which is not set in this environment");
  }
  if (config.get("mail.from").empty()) {
    report.warnings.push_back("mail.from is not set: commands that send e-mail will refuse to run");
  }
  if (config.get("mail.transport") == "maildir") {
    const fs::path dir = config.get("mail.maildir");
    std::error_code ec;
    const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::current_path();
    if (!fs::is_directory(dir, ec) && !fs::is_directory(parent, ec)) {
      error("mail.maildir", "neither " + dir.string() + " nor its parent folder exists");
    }
  }
  if (const auto& logo = config.get("school.logo"); !logo.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(logo, ec)) {
      error("school.logo", "file " + logo + " does not exist");
    } else if (!is_png(logo)) {
      error("school.logo", "file " + logo + " is not a PNG image");
    }
  }
  if (const auto& log = config.get("logging.file"); !log.empty()) {
    const fs::path parent = fs::path(log).has_parent_path() ? fs::path(log).parent_path() : fs::current_path();
    std::error_code ec;
    if (!fs::is_directory(parent, ec)) {
      error("logging.file", "folder " + parent.string() + " does not exist");
    }
  }
  if (config.get("school.name").empty()) {
    report.warnings.push_back("school.name is not set: letters and invoices will carry no school name");
  }
  report.add("keys", static_cast<std::int64_t>(kKeys.size()));
  report.add("sites", static_cast<std::int64_t>(config.sites().size()));
  report.add("errors", static_cast<std::int64_t>(report.rejected.size()));
  report.add("warnings", static_cast<std::int64_t>(report.warnings.size()));
  return report;
}

}  // namespace imuse
