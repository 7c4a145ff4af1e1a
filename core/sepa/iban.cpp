#include "sepa/iban.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#include "util/fold.hpp"

namespace imuse::sepa {

namespace {

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_upper_or_digit(char c) {
  return is_upper(c) || is_digit(c);
}

// IBAN lengths of the countries of the SEPA schemes (EPC list, 2025: the EEA, the United
// Kingdom, Switzerland, Monaco, San Marino, Andorra, Vatican, Albania, Moldova, Montenegro,
// North Macedonia). French overseas departments use FR IBANs.
struct CountryLength {
  char code[3];
  int length;
};
constexpr CountryLength kLengths[] = {
    {"AD", 24}, {"AL", 28}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
    {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18}, {"FR", 27}, {"GB", 22}, {"GI", 23}, {"GR", 27}, {"HR", 21},
    {"HU", 28}, {"IE", 22}, {"IS", 26}, {"IT", 27}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27},
    {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25}, {"RO", 24},
    {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"VA", 22},
};

// ISO 7064 mod 97-10 of `text` (digits and upper-case letters, letters counting 10..35).
int mod97(std::string_view text) {
  int r = 0;
  for (char c : text) {
    if (is_digit(c)) {
      r = (r * 10 + (c - '0')) % 97;
    } else {
      r = (r * 100 + (c - 'A' + 10)) % 97;
    }
  }
  return r;
}

// The code point of the UTF-8 sequence at `pos` and its length; a byte that does not start a
// well-formed sequence is read as a Latin-1 character on its own.
std::pair<char32_t, std::size_t> decode(std::string_view s, std::size_t pos) {
  const auto b = static_cast<unsigned char>(s[pos]);
  auto cont = [&](std::size_t k) {
    return pos + k < s.size() && (static_cast<unsigned char>(s[pos + k]) & 0xC0) == 0x80;
  };
  auto bits = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(s[pos + k]) & 0x3F); };
  if (b < 0x80) {
    return {b, 1};
  }
  if (b >= 0xC2 && b <= 0xDF && cont(1)) {
    return {(static_cast<char32_t>(b & 0x1F) << 6) | bits(1), 2};
  }
  if (b >= 0xE0 && b <= 0xEF && cont(1) && cont(2)) {
    const char32_t cp = (static_cast<char32_t>(b & 0x0F) << 12) | (bits(1) << 6) | bits(2);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
      return {cp, 3};
    }
  }
  if (b >= 0xF0 && b <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    const char32_t cp = (static_cast<char32_t>(b & 0x07) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3);
    if (cp >= 0x10000 && cp <= 0x10FFFF) {
      return {cp, 4};
    }
  }
  return {b, 1};
}

// Latin-1 Supplement letters U+00C0..U+00FF as ASCII; '#' marks the ligatures spelled out below,
// '*' the signs (× ÷) that become a space.
constexpr char kLatin1[] = "AAAAAA#CEEEEIIIIDNOOOOO*OUUUUY##aaaaaa#ceeeeiiiidnooooo*ouuuuy#y";
// Latin Extended-A U+0100..U+017F; '#' marks Ĳ ĳ Œ œ.
constexpr char kExtendedA[] =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi##JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo##"
    "RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUu"
    "WwYyYZzZzZzs";
static_assert(sizeof kLatin1 == 64 + 1);
static_assert(sizeof kExtendedA == 128 + 1);

// The ASCII spelling of one code point in the SEPA subset, "" for a character that becomes a
// space.
std::string_view transliterate(char32_t cp) {
  switch (cp) {
    case 0xC6:
      return "AE";
    case 0xE6:
      return "ae";
    case 0xDE:
      return "TH";
    case 0xFE:
      return "th";
    case 0xDF:
      return "ss";
    case 0x132:
      return "IJ";
    case 0x133:
      return "ij";
    case 0x152:
      return "OE";
    case 0x153:
      return "oe";
    case 0x218:
      return "S";  // Romanian comma below
    case 0x219:
      return "s";
    case 0x21A:
      return "T";
    case 0x21B:
      return "t";
    case U'&':
      return "+";
    case U'_':
      return "-";
    case U'"':
    case U'`':
    case 0xB4:    // acute accent
    case 0x2BC:   // modifier apostrophe
    case 0x2018:  // ‘
    case 0x2019:  // ’
    case 0x201C:  // “
    case 0x201D:  // ”
      return "'";
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:  // minus sign
      return "-";
    default:
      break;
  }
  static const std::array<std::string_view, 128> ascii = [] {
    std::array<std::string_view, 128> a{};
    static constexpr char kAll[] =
        "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
    for (int c = 0; c < 127; ++c) {
      const bool keep = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        std::strchr("/-?:().,'+ ", c) != nullptr;
      a[static_cast<std::size_t>(c)] = keep && c != 0 ? std::string_view(kAll + c, 1) : std::string_view();
    }
    return a;
  }();
  if (cp < 0x80) {
    return ascii[cp];
  }
  if (cp >= 0xC0 && cp <= 0xFF) {
    const char c = kLatin1[cp - 0xC0];
    return c == '*' ? std::string_view() : std::string_view(&kLatin1[cp - 0xC0], 1);
  }
  if (cp >= 0x100 && cp <= 0x17F) {
    return std::string_view(&kExtendedA[cp - 0x100], 1);
  }
  return {};
}

}  // namespace

std::string normalize_account_id(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (const std::size_t n = space_length_at(text, i); n > 0) {
      i += n;
      continue;
    }
    const char c = text[i++];
    if (c == '-') {
      continue;
    }
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

int sepa_iban_length(std::string_view country) {
  for (const auto& l : kLengths) {
    if (country == l.code) {
      return l.length;
    }
  }
  return 0;
}

std::optional<std::string> iban_problem(std::string_view iban) {
  if (iban.empty()) {
    return "is empty";
  }
  for (char c : iban) {
    if (!is_upper_or_digit(c)) {
      return std::string("holds characters other than letters and digits");
    }
  }
  if (iban.size() < 4 || !is_upper(iban[0]) || !is_upper(iban[1]) || !is_digit(iban[2]) || !is_digit(iban[3])) {
    return std::string("does not start with a country code and 2 check digits (such as FR76)");
  }
  const std::string country(iban.substr(0, 2));
  const int length = sepa_iban_length(country);
  if (length == 0) {
    return "is from " + country + ", which is not a SEPA country: SEPA direct debits need a SEPA account";
  }
  if (static_cast<int>(iban.size()) != length) {
    return "has " + std::to_string(iban.size()) + " characters; a " + country + " IBAN has " + std::to_string(length);
  }
  std::string rearranged(iban.substr(4));
  rearranged.append(iban.substr(0, 4));
  if (mod97(rearranged) != 1) {
    return std::string("has wrong check digits (ISO 13616 mod 97): a character was mistyped");
  }
  return std::nullopt;
}

std::string mask_iban(std::string_view iban) {
  return "\u2026" + std::string(iban.size() > 4 ? iban.substr(iban.size() - 4) : iban);
}

bool bic_is_valid(std::string_view bic) {
  if (bic.size() != 8 && bic.size() != 11) {
    return false;
  }
  for (std::size_t i = 0; i < 6; ++i) {
    if (!is_upper(bic[i])) {
      return false;
    }
  }
  const bool location1 = is_upper(bic[6]) || (bic[6] >= '2' && bic[6] <= '9');
  const bool location2 = is_upper_or_digit(bic[7]) && bic[7] != 'O';
  if (!location1 || !location2) {
    return false;
  }
  for (std::size_t i = 8; i < bic.size(); ++i) {
    if (!is_upper_or_digit(bic[i])) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> creditor_id_problem(std::string_view ics) {
  for (char c : ics) {
    if (!is_upper_or_digit(c)) {
      return std::string("holds characters other than letters and digits");
    }
  }
  if (ics.size() < 8 || !is_upper(ics[0]) || !is_upper(ics[1]) || !is_digit(ics[2]) || !is_digit(ics[3])) {
    return std::string(
        "is not a creditor identifier: expected a country code, 2 check digits, a 3-character business code and "
        "the national identifier (FR72ZZZ123456)");
  }
  if (ics.substr(0, 2) == "FR" && ics.size() != 13) {
    return "has " + std::to_string(ics.size()) + " characters; a French creditor identifier (ICS) has 13";
  }
  if (ics.size() > 35) {
    return std::string("is longer than 35 characters");
  }
  std::string national(ics.substr(7));
  national.append(ics.substr(0, 2));
  national.append("00");
  const int expected = 98 - mod97(national);
  if ((ics[2] - '0') * 10 + (ics[3] - '0') != expected) {
    return "has wrong check digits (mod 97 over the national identifier): expected " +
           std::string(expected < 10 ? "0" : "") + std::to_string(expected) + " for this identifier";
  }
  return std::nullopt;
}

bool is_sepa_id_char(char c) {
  return is_upper_or_digit(c) || (c >= 'a' && c <= 'z') || (c != '\0' && std::strchr("/-?:().,'+ ", c) != nullptr);
}

bool rum_is_valid(std::string_view rum) {
  if (rum.empty() || rum.size() > 35 || rum.find_first_not_of(' ') == std::string_view::npos) {
    return false;
  }
  for (char c : rum) {
    if (!is_sepa_id_char(c)) {
      return false;
    }
  }
  return true;
}

std::string generated_rum(std::string_view prefix, std::string_view family_ref, int counter) {
  auto reduce = [](std::string_view text) {
    std::string out;
    for (char c : sepa_text(text, 100)) {
      if (is_upper_or_digit(c) || (c >= 'a' && c <= 'z') || c == '-') {
        out += c;
      }
    }
    return out;
  };
  std::string head = reduce(prefix);
  std::string ref = reduce(family_ref);
  const std::string tail = "-" + std::to_string(counter);
  if (head.size() > 12) {
    head.resize(12);
  }
  const std::size_t room = 35 - tail.size() - (head.empty() ? 0 : head.size() + 1);
  if (ref.size() > room) {
    ref.resize(room);
  }
  std::string rum = head;
  if (!ref.empty()) {
    rum += (rum.empty() ? "" : "-") + ref;
  }
  if (rum.empty()) {
    rum = "RUM";
  }
  return rum + tail;
}

std::string sepa_text(std::string_view utf8, std::size_t max_chars) {
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < utf8.size();) {
    if (const std::size_t n = space_length_at(utf8, i); n > 0) {
      space = true;
      i += n;
      continue;
    }
    const auto [cp, n] = decode(utf8, i);
    i += n;
    const std::string_view ascii = transliterate(cp);
    if (ascii.empty() || ascii == " ") {
      space = true;
      continue;
    }
    if (space && !out.empty()) {
      out += ' ';
    }
    space = false;
    out.append(ascii);
  }
  if (out.size() > max_chars) {
    out.resize(max_chars);
    while (!out.empty() && out.back() == ' ') {
      out.pop_back();
    }
  }
  return out;
}

}  // namespace imuse::sepa
