#pragma once
// Effective configuration: command line > environment > YAML file > defaults, with the
// source of every value kept for `config show`.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/report.hpp"

namespace imuse {

enum class ValueSource { default_value, file, environment, command_line };

// One effective value and where it came from.
struct Setting {
  std::string value;
  ValueSource source = ValueSource::default_value;
  std::string origin;  // "/etc/imuse-admin/config.yaml:12", "IMUSE_ADMIN_DATABASE_URL", "--database"
};

enum class KeyType { text, integer, choice, path, email, url, site_code, siret, conninfo };

// A known configuration key, documented in config/imuse-admin.example.yaml.
struct KeySpec {
  const char* key;
  KeyType type;
  const char* default_value;
  const char* description;
  std::vector<std::string> choices = {};
  long min = 0;
  long max = 0;
  bool secret = false;
};

// A site declared in the configuration file (`sites:`), applied by `site sync`.
struct SiteSetting {
  std::string code;
  std::string name;
  std::string portal_url;
  std::string origin;
};

// What the command line and the process environment bring.
struct ConfigInputs {
  std::optional<std::string> config_file;   // --config
  std::optional<std::string> database_url;  // --database
  std::optional<std::string> site;          // --site
  std::optional<std::string> log_file;      // --log-file
  // Environment lookup; tests pass their own.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  // Files tried, in order, when neither --config nor IMUSE_ADMIN_CONFIG names one.
  std::vector<std::string> search_path;
};

class Config {
 public:
  // The effective value of a known key ("" when unset).
  const std::string& get(const std::string& key) const;
  // The value of an integer key.
  long get_int(const std::string& key) const;
  // The setting with its source; throws std::out_of_range for an unknown key.
  const Setting& setting(const std::string& key) const;
  // The value as `config show` prints it: secrets masked.
  std::string display(const std::string& key) const;
  const std::vector<SiteSetting>& sites() const { return sites_; }
  // The configuration file that was read, or "" when none.
  const std::string& file() const { return file_; }

 private:
  friend Config load_config(const ConfigInputs& inputs);
  friend Config default_config();
  std::map<std::string, Setting> settings_;
  std::vector<SiteSetting> sites_;
  std::string file_;
};

// Every known key, in documentation order.
const std::vector<KeySpec>& config_keys();
// The search path used by the tool: ./imuse-admin.yaml, ~/.config/..., /etc/...
std::vector<std::string> default_search_path(const std::function<std::optional<std::string>(const std::string&)>& getenv);
// The process environment as a lookup function.
std::optional<std::string> process_getenv(const std::string& name);
// Builds the effective configuration; throws ConfigError naming file, key and expectation.
Config load_config(const ConfigInputs& inputs);
// Defaults only (for commands that need no configuration).
Config default_config();
// Semantic checks beyond types (files exist, SMTP settings complete); problems are errors,
// Report::warnings are advice.
Report check_config(const Config& config);
// "file /path:3", "environment IMUSE_ADMIN_DATABASE_URL", "command line --database", "default".
std::string describe_source(const Setting& setting);

}  // namespace imuse
