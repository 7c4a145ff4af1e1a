#include <catch2/catch.hpp>

#include "util/schedule.hpp"

using namespace imuse;

namespace {
// The parsed value as text, or "invalid", so that failures print something readable.
std::string weekday(std::string_view input) {
  const auto d = parse_weekday(input);
  return d ? std::to_string(*d) : "invalid";
}
std::string time_of_day(std::string_view input) {
  const auto t = parse_time_of_day(input);
  return t ? iso_time_of_day(*t) : "invalid";
}
std::string duration(std::string_view input) {
  const auto d = parse_duration_minutes(input);
  return d ? std::to_string(*d) : "invalid";
}
std::string year(std::string_view input) {
  return parse_school_year(input).value_or("invalid");
}
}  // namespace

TEST_CASE("French weekdays in any case, abbreviation or as a number", "[schedule]") {
  CHECK(weekday("lundi") == "1");
  CHECK(weekday("Lun.") == "1");
  CHECK(weekday("MARDI") == "2");
  CHECK(weekday("ma") == "2");
  CHECK(weekday("Mercredi") == "3");
  CHECK(weekday("mer") == "3");
  CHECK(weekday(" Me ") == "3");
  CHECK(weekday("jeu.") == "4");
  CHECK(weekday("Vendredi") == "5");
  CHECK(weekday("sam") == "6");
  CHECK(weekday("Dim.") == "7");
  CHECK(weekday("1") == "1");
  CHECK(weekday("7") == "7");
  CHECK(weekday("\u00A0samedi\u00A0") == "6");
  for (const auto* bad : {"", "m", "L", "0", "8", "12", "mercredis", "lundi matin", "Monday", "mer/jeu", "3.5"}) {
    INFO(bad);
    CHECK(weekday(bad) == "invalid");
  }
  CHECK(weekday_name(1) == "Lundi");
  CHECK(weekday_name(3) == "Mercredi");
  CHECK(weekday_name(7) == "Dimanche");
  CHECK(weekday_name(0).empty());
  for (int d = 1; d <= 7; ++d) {
    CHECK(parse_weekday(weekday_name(d)) == d);
  }
}

TEST_CASE("Times of day as offices type them", "[schedule]") {
  CHECK(time_of_day("14:30") == "14:30");
  CHECK(time_of_day("14h30") == "14:30");
  CHECK(time_of_day("14H30") == "14:30");
  CHECK(time_of_day("14h") == "14:00");
  CHECK(time_of_day("14 h 30") == "14:30");
  CHECK(time_of_day("9:05") == "09:05");
  CHECK(time_of_day("9h05") == "09:05");
  CHECK(time_of_day("09:05") == "09:05");
  CHECK(time_of_day("14:30:00") == "14:30");
  CHECK(time_of_day("0h00") == "00:00");
  CHECK(time_of_day("23:59") == "23:59");
  for (const auto* bad : {"", "14", "24:00", "14:60", "14h5", "9:5", "14:30:15", "14.30", "14h30min", "2 pm",
                          "14:30:", "1430", "-1:00", "14::30"}) {
    INFO(bad);
    CHECK(time_of_day(bad) == "invalid");
  }
  CHECK(format_time_of_day(14 * 60 + 30) == "14h30");
  CHECK(format_time_of_day(9 * 60 + 5) == "9h05");
  CHECK(format_time_of_day(18 * 60) == "18h00");
  for (int m : {0, 65, 14 * 60 + 30, 23 * 60 + 59}) {
    CHECK(parse_time_of_day(format_time_of_day(m)) == m);
    CHECK(parse_time_of_day(iso_time_of_day(m)) == m);
  }
}

TEST_CASE("Durations in minutes, hours and minutes, or h:mm", "[schedule]") {
  CHECK(duration("45") == "45");
  CHECK(duration("90 min") == "90");
  CHECK(duration("90min") == "90");
  CHECK(duration("45 minutes") == "45");
  CHECK(duration("30 mn") == "30");
  CHECK(duration("1h30") == "90");
  CHECK(duration("1 h 30") == "90");
  CHECK(duration("1H30") == "90");
  CHECK(duration("1h30min") == "90");
  CHECK(duration("1h") == "60");
  CHECK(duration("2 heures") == "120");
  CHECK(duration("1 heure") == "60");
  CHECK(duration("0:45") == "45");
  CHECK(duration("1:30") == "90");
  CHECK(duration("1h05") == "65");
  CHECK(duration("24h") == "1440");
  CHECK(duration("1440") == "1440");
  for (const auto* bad : {"", "0", "0 min", "0h00", "1441", "24h01", "25h", "1h5", "1h60", "1,5 h", "1.5", "1h30h",
                          "une heure", "-45", "45 secondes", "0:5", "1:"}) {
    INFO(bad);
    CHECK(duration(bad) == "invalid");
  }
  CHECK(format_duration(45) == "45 min");
  CHECK(format_duration(60) == "1h");
  CHECK(format_duration(90) == "1h30");
  CHECK(format_duration(125) == "2h05");
  for (int m : {1, 45, 60, 90, 125, 1440}) {
    CHECK(parse_duration_minutes(format_duration(m)) == m);
  }
}

TEST_CASE("School years in their usual spellings", "[schedule]") {
  CHECK(year("2026/2027") == "2026/2027");
  CHECK(year("2026-2027") == "2026/2027");
  CHECK(year("2026 / 2027") == "2026/2027");
  CHECK(year("2026\u20132027") == "2026/2027");
  CHECK(year("2026/27") == "2026/2027");
  CHECK(year("2026-27") == "2026/2027");
  CHECK(year("1999/00") == "1999/2000");
  CHECK(year(" 2025/2026 ") == "2025/2026");
  for (const auto* bad : {"", "2026", "2026/2028", "2026/2026", "2027/2026", "2026/28", "26/27", "2026/7", "2026.2027",
                          "2026/20270", "1899/1900", "2100/2101", "année 2026/2027"}) {
    INFO(bad);
    CHECK(year(bad) == "invalid");
  }
}
