#include "util/yaml_input.hpp"

#include <algorithm>

#include "util/error.hpp"
#include "util/text.hpp"

namespace imuse {

std::string yaml_position(const std::string& file, const YAML::Mark& mark) {
  return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

YAML::Node load_yaml_input(const std::string& path, const std::string& what) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw DataError("cannot read " + what + path);
  } catch (const YAML::ParserException& e) {
    const bool json = ascii_lower(path).ends_with(".json");
    throw DataError(yaml_position(path, e.mark) + ": invalid " + (json ? "JSON" : "YAML") + ": " + e.msg);
  }
}

YAML::Node yaml_child(const YAML::Node& map, const std::string& key) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.Scalar() == key) {
      return it->second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

void YamlFileReader::fail(const YAML::Node& node, const std::string& message) const {
  throw DataError(yaml_position(file_, node.Mark()) + ": " + message);
}

std::string YamlFileReader::where(const YAML::Node& node) const { return yaml_position(file_, node.Mark()); }

void YamlFileReader::check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                                const std::string& what) const {
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string message = "unknown key '" + key + "' in the " + what;
      if (auto close = closest_match(key, allowed); !close.empty()) {
        message += " (did you mean '" + close + "'?)";
      }
      fail(it->first, message + "; expected one of: " + join(allowed, ", "));
    }
  }
}

YAML::Node YamlFileReader::required(const YAML::Node& map, const std::string& key, const std::string& expected) const {
  auto node = yaml_child(map, key);
  if (!node.IsDefined() || node.IsNull()) {
    fail(map, "missing '" + key + "': expected " + expected);
  }
  return node;
}

std::string YamlFileReader::text(const YAML::Node& node, const std::string& key, const std::string& expected) const {
  if (!node.IsScalar() || trim(node.Scalar()).empty()) {
    fail(node, key + ": expected " + expected);
  }
  return trim(node.Scalar());
}

}  // namespace imuse
