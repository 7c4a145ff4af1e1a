#pragma once
// Reading YAML (and JSON, a subset of it) input files, with positions for messages.
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace imuse {

// Loads `path`; DataError "cannot read <what><path>" or "<path>:<line>:<column>: invalid
// YAML|JSON: ..." when it cannot.
YAML::Node load_yaml_input(const std::string& path, const std::string& what = "");
// "<file>:<line>:<column>" of a node or error mark (1-based).
std::string yaml_position(const std::string& file, const YAML::Mark& mark);
// The value of `key` in a mapping (Undefined when absent), without yaml-cpp's operator[],
// which can add null entries to the document.
YAML::Node yaml_child(const YAML::Node& map, const std::string& key);

// The checks every hand-written YAML file reader needs (tariff grids, campaign definitions),
// each failing with DataError "<file>:<line>:<column>: <message>".
class YamlFileReader {
 public:
  explicit YamlFileReader(std::string file) : file_(std::move(file)) {}

 protected:
  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const;
  // "<file>:<line>:<column>" of the node.
  std::string where(const YAML::Node& node) const;
  // Refuses a key of `map` not in `allowed`, with a "did you mean" and the list of keys.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& what) const;
  // The value of `key`, which must be present and not null.
  YAML::Node required(const YAML::Node& map, const std::string& key, const std::string& expected) const;
  // A non-blank scalar, trimmed.
  std::string text(const YAML::Node& node, const std::string& key, const std::string& expected) const;

  std::string file_;
};

}  // namespace imuse
