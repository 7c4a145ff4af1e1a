#include "util/french.hpp"

#include <array>

#include "util/fold.hpp"

namespace imuse {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char ascii_lower_char(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower_char(a[i]) != ascii_lower_char(b[i])) {
      return false;
    }
  }
  return true;
}

// ---- Phones ---------------------------------------------------------------------------------

// Calling codes that share the French numbering plan: the overseas departments dial each other
// and mainland France with 10-digit national numbers, but the world reaches them through their
// own codes, followed by the same 9 digits ("0590 12 34 56" is +590 590 12 34 56).
constexpr std::array<std::string_view, 5> kFrenchPlanCodes = {"33", "590", "594", "596", "262"};

struct OverseasPrefix {
  std::string_view prefix;  // first 3 digits of the national number, without the trunk 0
  std::string_view code;
};

// ARCEP plan: geographic and mobile blocks of the overseas departments.
constexpr std::array<OverseasPrefix, 14> kOverseasPrefixes = {{
    {"590", "590"},  // Guadeloupe, Saint-Martin, Saint-Barthélemy
    {"690", "590"},
    {"691", "590"},
    {"594", "594"},  // Guyane
    {"694", "594"},
    {"596", "596"},  // Martinique
    {"696", "596"},
    {"697", "596"},
    {"262", "262"},  // La Réunion
    {"263", "262"},
    {"692", "262"},
    {"693", "262"},
    {"269", "262"},  // Mayotte
    {"639", "262"},
}};

// Calling code of a 9-digit French national significant number (no trunk 0).
std::string_view calling_code_of(std::string_view nsn) {
  for (const auto& entry : kOverseasPrefixes) {
    if (nsn.starts_with(entry.prefix)) {
      return entry.code;
    }
  }
  return "33";
}

std::optional<std::string> e164(std::string_view code, std::string_view nsn) {
  std::string out;
  out.reserve(1 + code.size() + nsn.size());
  out += '+';
  out += code;
  out += nsn;
  return out;
}

// A national significant number of the French plan: 9 digits, not starting with 0. One that
// was written with its trunk 0 after the calling code ("+33 06…", "+33 (0)6…") loses it.
std::optional<std::string_view> french_nsn(std::string_view digits) {
  if (digits.size() == 10 && digits[0] == '0') {
    digits.remove_prefix(1);
  }
  if (digits.size() != 9 || digits[0] == '0') {
    return std::nullopt;
  }
  return digits;
}

// Digits that followed "+" or "00".
std::optional<std::string> international_phone(std::string_view digits) {
  if (digits.empty() || digits[0] == '0') {
    return std::nullopt;
  }
  for (const auto code : kFrenchPlanCodes) {
    if (!digits.starts_with(code)) {
      continue;
    }
    const auto nsn = french_nsn(digits.substr(code.size()));
    if (!nsn) {
      return std::nullopt;
    }
    // "+33 590…" is filed under +590 so that both spellings of one line match as duplicates;
    // an explicit overseas code is kept as given.
    return e164(code == "33" ? calling_code_of(*nsn) : code, *nsn);
  }
  if (digits.size() < 8 || digits.size() > 15) {
    return std::nullopt;
  }
  // The North American plan is fixed-length; this also refuses the "00 12 34 56 78" placeholder.
  if (digits[0] == '1' && digits.size() != 11) {
    return std::nullopt;
  }
  return e164("", digits);
}

// ---- Dates ----------------------------------------------------------------------------------

bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

// Reads the digits at `pos` (at most 9, so the value fits an int) and moves past them;
// returns how many there were, 0 when none or too many.
std::size_t read_digits(std::string_view s, std::size_t& pos, int& value) {
  std::size_t count = 0;
  value = 0;
  while (pos < s.size() && is_digit(s[pos])) {
    if (++count > 9) {
      return 0;
    }
    value = value * 10 + (s[pos] - '0');
    ++pos;
  }
  return count;
}

// True when `rest` is empty or a midnight time: " 00:00", " 0:00:00", "T00:00:00.000".
bool is_midnight_or_nothing(std::string_view rest, bool iso) {
  if (rest.empty()) {
    return true;
  }
  std::size_t pos = 0;
  if (iso && rest[0] == 'T') {
    pos = 1;
  } else {
    while (pos < rest.size() && space_length_at(rest, pos) > 0) {
      pos += space_length_at(rest, pos);
    }
    if (pos == 0) {
      return false;
    }
  }
  int value = 0;
  const auto hour_digits = read_digits(rest, pos, value);
  if (hour_digits < 1 || hour_digits > 2 || value != 0) {
    return false;
  }
  for (int part = 0; part < 2 && pos < rest.size() && rest[pos] == ':'; ++part) {
    ++pos;
    if (read_digits(rest, pos, value) != 2 || value != 0) {
      return false;
    }
  }
  if (pos < rest.size() && rest[pos] == '.') {
    ++pos;
    if (read_digits(rest, pos, value) == 0 || value != 0) {
      return false;
    }
  }
  // At least hours and minutes: a lone " 0" is not a time.
  return pos == rest.size() && rest.find(':') != std::string_view::npos;
}

void append_padded(std::string& out, int value, int width) {
  char buffer[12];
  int length = 0;
  do {
    buffer[length++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 && length < 11);
  for (int i = length; i < width; ++i) {
    out += '0';
  }
  while (length > 0) {
    out += buffer[--length];
  }
}

}  // namespace

std::optional<std::string> normalize_phone(std::string_view input) {
  const auto text = trim_blank(input);
  if (text.empty()) {
    return std::string();
  }
  // 20 digits is already two numbers in one cell.
  std::array<char, 20> buffer{};
  std::size_t count = 0;
  bool plus = false;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (is_digit(c)) {
      if (count == buffer.size()) {
        return std::nullopt;
      }
      buffer[count++] = c;
      ++i;
    } else if (c == '+') {
      if (plus || count > 0) {
        return std::nullopt;
      }
      plus = true;
      ++i;
    } else if (text.substr(i, 3) == "(0)") {
      // "+33 (0)6…": the trunk 0 shown for national callers, never dialled from abroad.
      i += 3;
    } else if (c == '.' || c == '-' || c == '/' || c == '(' || c == ')') {
      ++i;
    } else if (const auto space = space_length_at(text, i); space > 0) {
      i += space;
    } else {
      return std::nullopt;  // letters ("Tél. 06…", "poste 12"), or anything else
    }
  }
  std::string_view digits(buffer.data(), count);
  if (!plus && digits.starts_with("00")) {
    plus = true;
    digits.remove_prefix(2);
  }
  if (plus) {
    return international_phone(digits);
  }
  if ((digits.size() == 10 && digits[0] == '0') || (digits.size() == 9 && digits[0] != '0')) {
    const auto nsn = french_nsn(digits);
    return nsn ? e164(calling_code_of(*nsn), *nsn) : std::nullopt;
  }
  return std::nullopt;
}

std::string format_phone(std::string_view e164_number) {
  if (e164_number.size() < 2 || e164_number[0] != '+') {
    return std::string(e164_number);
  }
  const auto digits = e164_number.substr(1);
  for (const char c : digits) {
    if (!is_digit(c)) {
      return std::string(e164_number);
    }
  }
  for (const auto code : kFrenchPlanCodes) {
    if (digits.size() != code.size() + 9 || !digits.starts_with(code)) {
      continue;
    }
    const auto nsn = digits.substr(code.size());
    // Only when the national form leads back to the same code: "+262 590…" stays as it is.
    if (nsn[0] == '0' || calling_code_of(nsn) != code) {
      break;
    }
    std::string out;
    out.reserve(14);
    out += '0';
    out += nsn[0];
    for (std::size_t k = 1; k < nsn.size(); k += 2) {
      out += ' ';
      out += nsn.substr(k, 2);
    }
    return out;
  }
  return std::string(e164_number);
}

std::string Date::iso() const {
  std::string out;
  out.reserve(10);
  append_padded(out, year, 4);
  out += '-';
  append_padded(out, month, 2);
  out += '-';
  append_padded(out, day, 2);
  return out;
}

std::string Date::french() const {
  std::string out;
  out.reserve(10);
  append_padded(out, day, 2);
  out += '/';
  append_padded(out, month, 2);
  out += '/';
  append_padded(out, year, 4);
  return out;
}

std::optional<Date> parse_date(std::string_view input) {
  const auto text = trim_blank(input);
  std::size_t pos = 0;
  int first = 0;
  int second = 0;
  int third = 0;
  const auto first_digits = read_digits(text, pos, first);
  if (pos >= text.size()) {
    return std::nullopt;
  }
  const char separator = text[pos];
  const bool iso = first_digits == 4;
  if (iso ? separator != '-'
          : (first_digits < 1 || first_digits > 2 || (separator != '/' && separator != '-' && separator != '.'))) {
    return std::nullopt;
  }
  ++pos;
  const auto second_digits = read_digits(text, pos, second);
  if (pos >= text.size() || text[pos] != separator) {
    return std::nullopt;
  }
  ++pos;
  const auto third_digits = read_digits(text, pos, third);
  Date date;
  if (iso) {
    if (second_digits != 2 || third_digits != 2) {
      return std::nullopt;
    }
    date = Date{first, second, third};
  } else {
    // A two-digit year is refused: "12/03/15" could be 1915 or 2015 for a birth date.
    if (second_digits < 1 || second_digits > 2 || third_digits != 4) {
      return std::nullopt;
    }
    date = Date{third, second, first};
  }
  if (!is_midnight_or_nothing(text.substr(pos), iso)) {
    return std::nullopt;
  }
  if (date.year < 1900 || date.year > 2100 || date.month < 1 || date.month > 12 || date.day < 1 ||
      date.day > days_in_month(date.year, date.month)) {
    return std::nullopt;
  }
  return date;
}

std::optional<std::string> normalize_civility(std::string_view input) {
  if (is_blank(input)) {
    return std::string();
  }
  // fold_key ignores case, accents, dots and spaces: "M.", "Mr.", "MADAME ", "Mélle".
  const auto key = fold_key(input);
  constexpr std::array<std::string_view, 4> kMister = {"m", "mr", "monsieur", "mons"};
  constexpr std::array<std::string_view, 8> kMadam = {"mme",          "madame", "mlle", "melle",
                                                      "mademoiselle", "mrs",    "ms",   "miss"};
  for (const auto spelling : kMister) {
    if (key == spelling) {
      return std::string("M");
    }
  }
  for (const auto spelling : kMadam) {
    if (key == spelling) {
      return std::string("MME");
    }
  }
  return std::nullopt;
}

std::optional<std::string> normalize_postal_code(std::string_view input) {
  const auto text = trim_blank(input);
  if (text.empty()) {
    return std::string();
  }
  std::string code;
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_digit(text[i])) {
      if (code.size() == 5) {
        return std::nullopt;
      }
      code += text[i];
      ++i;
    } else if (const auto space = space_length_at(text, i); space > 0) {
      i += space;  // "73 200", with an ordinary or a no-break space
    } else {
      return std::nullopt;
    }
  }
  // Only departments 01-09 start with 0, so a 4-digit code can only have lost that 0.
  if (code.size() == 4 && code[0] != '0') {
    code.insert(code.begin(), '0');
  }
  // No department is numbered 00.
  if (code.size() != 5 || code.starts_with("00")) {
    return std::nullopt;
  }
  return code;
}

namespace {

bool is_valid_email_local_part(std::string_view local) {
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return false;
  }
  for (const char c : local) {
    const auto byte = static_cast<unsigned char>(c);
    // No spaces, controls or non-ASCII; no list separators or characters that need quoting.
    if (byte <= 0x20 || byte >= 0x7F || std::string_view("\"(),:;<>[\\]").find(c) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool is_valid_email_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > 253) {
    return false;
  }
  std::size_t labels = 0;
  std::string_view last;
  std::size_t start = 0;
  while (true) {
    const auto dot = domain.find('.', start);
    const auto label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (const char c : label) {
      if (!is_ascii_letter(c) && !is_digit(c) && c != '-') {
        return false;  // "gmail,com", "gmail .com", "gmail_com"
      }
    }
    ++labels;
    last = label;
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  bool all_digits = true;
  for (const char c : last) {
    all_digits = all_digits && is_digit(c);
  }
  return labels >= 2 && last.size() >= 2 && !all_digits;
}

}  // namespace

std::optional<std::string> normalize_email(std::string_view input) {
  auto text = trim_blank(input);
  if (text.empty()) {
    return std::string();
  }
  // Copied from a web page or a mail client's link.
  if (text.size() > 7 && iequals_ascii(text.substr(0, 7), "mailto:")) {
    text = trim_blank(text.substr(7));
  }
  const auto at = text.find('@');
  if (text.size() > 254 || at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos ||
      !is_valid_email_local_part(text.substr(0, at)) || !is_valid_email_domain(text.substr(at + 1))) {
    return std::nullopt;
  }
  std::string email(text);
  for (std::size_t i = at + 1; i < email.size(); ++i) {
    email[i] = ascii_lower_char(email[i]);
  }
  return email;
}

std::optional<int> parse_euros_integer(std::string_view input) {
  auto text = trim_blank(input);
  // A spreadsheet currency format exports its symbol: "1 234,00 €".
  if (text.ends_with("\xE2\x82\xAC")) {
    text = trim_blank(text.substr(0, text.size() - 3));
  } else if (text.size() > 3 && iequals_ascii(text.substr(text.size() - 3), "eur")) {
    text = trim_blank(text.substr(0, text.size() - 3));
  }
  // Digits in groups of three after the first group, separated by single spaces ("1 234 567").
  int value = 0;
  std::size_t digits = 0;
  std::size_t group = 0;
  bool grouped = false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_digit(text[i])) {
      if (++digits > 9) {
        return std::nullopt;
      }
      value = value * 10 + (text[i] - '0');
      ++group;
      ++i;
    } else if (const auto space = space_length_at(text, i); space > 0) {
      if (group == 0 || group > 3 || (grouped && group != 3)) {
        return std::nullopt;
      }
      grouped = true;
      group = 0;
      i += space;
    } else {
      break;
    }
  }
  if (digits == 0 || (grouped && group != 3)) {
    return std::nullopt;
  }
  if (i == text.size()) {
    return value;
  }
  // Decimals must be zero: the quotient is a whole number of euros, and a fraction is refused
  // rather than rounded. Three digits after the mark could be a thousands separator.
  if (text[i] != ',' && text[i] != '.') {
    return std::nullopt;
  }
  const auto decimals = text.substr(i + 1);
  if (decimals.empty() || decimals.size() > 2 || decimals.find_first_not_of('0') != std::string_view::npos) {
    return std::nullopt;
  }
  return value;
}

}  // namespace imuse
