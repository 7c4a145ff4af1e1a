#include "util/report.hpp"

namespace imuse {

void Report::add(const std::string& name, std::int64_t n) {
  for (auto& [key, value] : counts) {
    if (key == name) {
      value += n;
      return;
    }
  }
  counts.emplace_back(name, n);
}

std::int64_t Report::count(const std::string& name) const {
  for (const auto& [key, value] : counts) {
    if (key == name) {
      return value;
    }
  }
  return 0;
}

std::string cell_text(const Cell& cell) {
  if (const auto* s = std::get_if<std::string>(&cell)) {
    return *s;
  }
  if (const auto* i = std::get_if<std::int64_t>(&cell)) {
    return std::to_string(*i);
  }
  if (const auto* b = std::get_if<bool>(&cell)) {
    return *b ? "yes" : "no";
  }
  return "";
}

}  // namespace imuse
