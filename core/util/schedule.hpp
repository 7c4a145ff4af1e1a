#pragma once
// The school timetable as offices type it: French weekday names, times of day, durations and
// school years, normalised to what the database stores. Like french.hpp, every parser returns
// nullopt for a blank or invalid text, which the imports report with its line and column.
#include <optional>
#include <string>
#include <string_view>

namespace imuse {

// ISO weekday 1 (Monday) … 7 (Sunday) from a French name in any case, with or without accents
// or a final dot, whole or abbreviated to at least two letters ("lundi", "Lun.", "ME", "sam"),
// or from the digit itself ("1" … "7").
std::optional<int> parse_weekday(std::string_view input);
// "Lundi" … "Dimanche" for 1 … 7 (the export's spelling); "" outside 1 … 7.
std::string weekday_name(int weekday);

// Minutes after midnight (0 … 1439) of a time written "14:30", "14h30", "14h", "14 h 30",
// "9:05" or "14:30:00" (seconds must be zero: spreadsheets add them). Minutes have two digits.
std::optional<int> parse_time_of_day(std::string_view input);
// "14h30", "9h05", "14h00" for a number of minutes after midnight (the export's spelling).
std::string format_time_of_day(int minutes);
// "14:30", as PostgreSQL reads a time and the YAML/JSON exports write it.
std::string iso_time_of_day(int minutes);

// A duration of 1 … 1440 minutes written "45", "90 min", "45 minutes", "1h30", "1 h 30",
// "1h", "2 heures", "1h30min" or "0:45". Minutes after "h" or ":" have two digits ("1h05"),
// so "1h5" is refused rather than guessed; fractions ("1,5 h") are refused.
std::optional<int> parse_duration_minutes(std::string_view input);
// "45 min", "1h", "1h30" (the export's spelling).
std::string format_duration(int minutes);

// A school year "YYYY/YYYY+1" from "2026/2027", "2026-2027", "2026–2027" (en dash), "2026 / 2027"
// or the short forms "2026/27" and "2026-27". Years 1900 … 2100; the second must follow the first.
// A single year ("2026") is refused: it could mean 2025/2026 or 2026/2027.
std::optional<std::string> parse_school_year(std::string_view input);

}  // namespace imuse
