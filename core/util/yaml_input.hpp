#pragma once
// Reading YAML (and JSON, a subset of it) input files, with positions for messages.
#include <string>

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

}  // namespace imuse
