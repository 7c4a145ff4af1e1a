#include "util/schedule.hpp"

#include <array>

#include "util/fold.hpp"

namespace imuse {

namespace {

constexpr std::array<const char*, 7> kWeekdays = {"lundi",    "mardi",  "mercredi", "jeudi",
                                                  "vendredi", "samedi", "dimanche"};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The text without any white space (Unicode spaces included), ASCII letters in lower case:
// "14 h 30" and "14\u202Fh\u00A030" both give "14h30".
std::string compact(std::string_view input) {
  std::string out;
  std::size_t i = 0;
  while (i < input.size()) {
    if (const auto n = space_length_at(input, i); n > 0) {
      i += n;
      continue;
    }
    const char c = input[i++];
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// Reads 1 … max_digits digits at `pos`; nullopt when there are none or more.
std::optional<int> read_number(std::string_view s, std::size_t& pos, std::size_t max_digits) {
  const std::size_t start = pos;
  int value = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    value = value * 10 + (s[pos] - '0');
    ++pos;
  }
  if (pos == start || pos - start > max_digits) {
    return std::nullopt;
  }
  return value;
}

// Exactly two digits at `pos` (the minutes of "14h05"), nullopt otherwise.
std::optional<int> read_two_digits(std::string_view s, std::size_t& pos) {
  const std::size_t start = pos;
  auto n = read_number(s, pos, 2);
  if (!n || pos - start != 2) {
    return std::nullopt;
  }
  return n;
}

bool consume_any(std::string_view s, std::size_t& pos, std::initializer_list<std::string_view> words) {
  for (const auto word : words) {  // longest spellings are listed first
    if (s.substr(pos).starts_with(word)) {
      pos += word.size();
      return true;
    }
  }
  return false;
}

bool consume_minutes_unit(std::string_view s, std::size_t& pos) {
  return consume_any(s, pos, {"minutes", "minute", "mins", "min", "mn", "m"});
}

bool consume_hours_unit(std::string_view s, std::size_t& pos) {
  return consume_any(s, pos, {"heures", "heure", "hrs", "hr", "h"});
}

std::string two_digits(int n) {
  return (n < 10 ? "0" : "") + std::to_string(n);
}

}  // namespace

std::optional<int> parse_weekday(std::string_view input) {
  const std::string key = fold_key(input);
  if (key.size() == 1 && key[0] >= '1' && key[0] <= '7') {
    return key[0] - '0';
  }
  if (key.size() < 2) {
    return std::nullopt;
  }
  for (std::size_t d = 0; d < kWeekdays.size(); ++d) {
    if (std::string_view(kWeekdays[d]).starts_with(key)) {
      return static_cast<int>(d) + 1;  // two letters already tell every French weekday apart
    }
  }
  return std::nullopt;
}

std::string weekday_name(int weekday) {
  if (weekday < 1 || weekday > 7) {
    return "";
  }
  std::string name = kWeekdays[static_cast<std::size_t>(weekday - 1)];
  name[0] = static_cast<char>(name[0] - 'a' + 'A');
  return name;
}

std::optional<int> parse_time_of_day(std::string_view input) {
  const std::string s = compact(input);
  std::size_t pos = 0;
  const auto hours = read_number(s, pos, 2);
  if (!hours || *hours > 23 || pos == s.size()) {
    return std::nullopt;
  }
  int minutes = 0;
  if (s[pos] == 'h') {
    ++pos;
    if (pos < s.size()) {
      const auto m = read_two_digits(s, pos);
      if (!m) {
        return std::nullopt;
      }
      minutes = *m;
    }
  } else if (s[pos] == ':') {
    ++pos;
    const auto m = read_two_digits(s, pos);
    if (!m) {
      return std::nullopt;
    }
    minutes = *m;
    if (pos < s.size()) {  // ":00" seconds, as a spreadsheet writes a time cell
      ++pos;
      const auto seconds = s[pos - 1] == ':' ? read_two_digits(s, pos) : std::nullopt;
      if (!seconds || *seconds != 0) {
        return std::nullopt;
      }
    }
  } else {
    return std::nullopt;
  }
  if (pos != s.size() || minutes > 59) {
    return std::nullopt;
  }
  return *hours * 60 + minutes;
}

std::string format_time_of_day(int minutes) {
  return std::to_string(minutes / 60) + "h" + two_digits(minutes % 60);
}

std::string iso_time_of_day(int minutes) {
  return two_digits(minutes / 60) + ":" + two_digits(minutes % 60);
}

std::optional<int> parse_duration_minutes(std::string_view input) {
  const std::string s = compact(input);
  std::size_t pos = 0;
  const auto first = read_number(s, pos, 4);
  if (!first) {
    return std::nullopt;
  }
  int total = 0;
  if (pos == s.size() || consume_minutes_unit(s, pos)) {
    total = *first;  // "45", "90 min"
  } else if (const bool colon = s[pos] == ':'; colon || consume_hours_unit(s, pos)) {
    pos += colon ? 1 : 0;
    if (*first > 24) {
      return std::nullopt;
    }
    total = *first * 60;
    if (pos < s.size() || colon) {  // "1h30", "1h30min", "0:45"; "1h" alone has no minutes
      const auto m = read_two_digits(s, pos);
      if (!m || *m > 59) {
        return std::nullopt;
      }
      total += *m;
      if (!colon && pos < s.size()) {
        consume_minutes_unit(s, pos);
      }
    }
  } else {
    return std::nullopt;
  }
  if (pos != s.size() || total < 1 || total > 1440) {
    return std::nullopt;
  }
  return total;
}

std::string format_duration(int minutes) {
  if (minutes < 60) {
    return std::to_string(minutes) + " min";
  }
  return std::to_string(minutes / 60) + "h" + (minutes % 60 == 0 ? "" : two_digits(minutes % 60));
}

std::optional<std::string> parse_school_year(std::string_view input) {
  std::string s = compact(input);
  for (const std::string_view dash : {"\u2013", "\u2014", "\u2010", "\u2011", "\u2212"}) {
    for (auto at = s.find(dash); at != std::string::npos; at = s.find(dash)) {
      s.replace(at, dash.size(), "-");
    }
  }
  std::size_t pos = 0;
  const auto start = read_number(s, pos, 4);
  if (!start || pos != 4 || pos == s.size() || (s[pos] != '/' && s[pos] != '-')) {
    return std::nullopt;
  }
  ++pos;
  const std::size_t second_at = pos;
  const auto end = read_number(s, pos, 4);
  if (!end || pos != s.size() || *start < 1900 || *start >= 2100) {
    return std::nullopt;
  }
  const std::size_t digits = pos - second_at;
  const bool follows = digits == 4 ? *end == *start + 1 : digits == 2 && *end == (*start + 1) % 100;
  if (!follows) {
    return std::nullopt;
  }
  return std::to_string(*start) + "/" + std::to_string(*start + 1);
}

}  // namespace imuse
