#pragma once
// Small helpers the command groups share.
#include <ctime>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/context.hpp"
#include "config/config.hpp"
#include "util/french.hpp"
#include "util/schedule.hpp"

namespace imuse::cli {

// The --site typed on the command line, "" otherwise. Reading and reporting commands filter on
// a site only when asked: the configured default site says where imported rows without a site
// go, not what the office may see (invoice numbers repeat across sites, and a filter the user
// did not type would hide rows).
inline std::string filter_site(const Session& s) {
  const auto& site = s.config.setting("site");
  return site.source == ValueSource::command_line ? site.value : std::string();
}

// The normal form of a --year option ("2026/2027" from "2026-27"…); CLI::ValidationError
// (exit 64) when it is not a school year.
inline std::string school_year_option(const std::string& text, const std::string& option = "--year") {
  const auto year = parse_school_year(text);
  if (!year) {
    throw CLI::ValidationError(option, "expected a school year such as 2026/2027, got \"" + text + "\"");
  }
  return *year;
}

// The date the run acts as of: --today when given (back-dated runs, tests), else the current
// local date. Due dates, overdue delays and collection dates are counted from it.
inline Date today(const Session& s) {
  if (!s.global.today.empty()) {
    if (auto date = parse_date(s.global.today)) {
      return *date;
    }
  }
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return Date{local.tm_year + 1900, local.tm_mon + 1, local.tm_mday};
}

}  // namespace imuse::cli
