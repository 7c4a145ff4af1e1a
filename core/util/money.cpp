#include "util/money.hpp"

#include <cstdlib>

namespace imuse {

namespace {

constexpr Cents kMaxCents = 10'000'000'000'000;  // 10^13 cents: 100 billion euros

std::string group_thousands(std::string digits) {
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) {
      out += ' ';
    }
    out += digits[i];
  }
  return out;
}

std::string two_digits(Cents v) { return std::string(1, char('0' + v / 10)) + char('0' + v % 10); }

}  // namespace

std::string format_euros(Cents cents, bool with_symbol) {
  const bool negative = cents < 0;
  const std::uint64_t magnitude = negative ? std::uint64_t(0) - std::uint64_t(cents) : std::uint64_t(cents);
  std::string out = negative ? "-" : "";
  out += group_thousands(std::to_string(magnitude / 100));
  out += ',';
  out += two_digits(Cents(magnitude % 100));
  if (with_symbol) {
    out += " €";
  }
  return out;
}

std::string format_decimal(Cents cents) {
  const bool negative = cents < 0;
  const std::uint64_t magnitude = negative ? std::uint64_t(0) - std::uint64_t(cents) : std::uint64_t(cents);
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + two_digits(Cents(magnitude % 100));
}

std::optional<Cents> parse_amount(std::string_view text, bool allow_negative) {
  // Strip surrounding blanks and a trailing euro sign or "EUR".
  auto is_blank = [](std::string_view s, std::size_t i) -> std::size_t {
    if (s[i] == ' ' || s[i] == '\t') return 1;
    if (s.substr(i, 2) == "\xc2\xa0") return 2;        // NBSP
    if (s.substr(i, 3) == "\xe2\x80\xaf") return 3;    // narrow NBSP
    return 0;
  };
  std::string s;
  for (std::size_t i = 0; i < text.size();) {
    if (const std::size_t b = is_blank(text, i)) {
      s += ' ';
      i += b;
    } else {
      s += text[i++];
    }
  }
  auto trim = [](std::string& v) {
    while (!v.empty() && v.back() == ' ') v.pop_back();
    std::size_t k = 0;
    while (k < v.size() && v[k] == ' ') ++k;
    v.erase(0, k);
  };
  trim(s);
  if (s.size() >= 3 && s.compare(s.size() - 3, 3, "\xe2\x82\xac") == 0) {
    s.erase(s.size() - 3);
  } else if (s.size() >= 3 && (s.compare(s.size() - 3, 3, "EUR") == 0 || s.compare(s.size() - 3, 3, "eur") == 0)) {
    s.erase(s.size() - 3);
  }
  trim(s);
  if (s.empty()) {
    return std::nullopt;
  }
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    if (s[0] == '-') {
      if (!allow_negative) return std::nullopt;
      negative = true;
    }
    s.erase(0, 1);
    trim(s);
  }
  // Decimal separator: the last ',' or '.', when followed by 1 or 2 digits. A '.' followed by
  // exactly 3 digits with no other separator is ambiguous ("1.234") and refused.
  std::string integer_part = s;
  std::string fraction;
  const std::size_t sep = s.find_last_of(",.");
  if (sep != std::string::npos) {
    const std::string after = s.substr(sep + 1);
    const bool all_digits = !after.empty() && after.find_first_not_of("0123456789") == std::string::npos;
    if (!all_digits) return std::nullopt;
    if (after.size() <= 2) {
      integer_part = s.substr(0, sep);
      fraction = after;
    } else if (after.size() == 3) {
      // Only a grouping separator when another, different separator is absent and the
      // grouping is regular ("1.234.567"); a single "1.234" or "1,234" is ambiguous.
      return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  // Integer part: digits with optional grouping by spaces or dots every three digits.
  std::string digits;
  {
    std::size_t group_len = 0;
    bool grouped = false;
    char group_sep = 0;
    for (std::size_t i = 0; i < integer_part.size(); ++i) {
      const char c = integer_part[i];
      if (c >= '0' && c <= '9') {
        digits += c;
        ++group_len;
      } else if (c == ' ' || c == '.') {
        if (digits.empty() || (group_sep != 0 && c != group_sep)) return std::nullopt;
        if (grouped && group_len != 3) return std::nullopt;
        if (!grouped && group_len > 3) return std::nullopt;
        group_sep = c;
        grouped = true;
        group_len = 0;
      } else {
        return std::nullopt;
      }
    }
    if (grouped && group_len != 3) return std::nullopt;
    if (group_sep == '.' && (fraction.empty() || s[sep] == '.')) return std::nullopt;  // "1.234" or "1.234.50"
  }
  if (digits.empty()) {
    if (fraction.empty()) return std::nullopt;
    digits = "0";
  }
  if (digits.size() > 12) return std::nullopt;
  Cents value = std::strtoll(digits.c_str(), nullptr, 10) * 100;
  if (fraction.size() == 1) value += (fraction[0] - '0') * 10;
  if (fraction.size() == 2) value += (fraction[0] - '0') * 10 + (fraction[1] - '0');
  if (value > kMaxCents) return std::nullopt;
  return negative ? -value : value;
}

Cents percent_of(Cents amount, std::int64_t percent_hundredths) {
  // amount × p / 10000, half up. Split to stay within 64 bits for any amount under 10^13
  // cents and any percentage up to 100 % (p ≤ 10000).
  const Cents whole = amount / 10000 * percent_hundredths;
  const Cents rest = amount % 10000 * percent_hundredths;
  return whole + (rest + 5000) / 10000;
}

}  // namespace imuse
