#include "util/yaml_input.hpp"

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

}  // namespace imuse
