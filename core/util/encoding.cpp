#include "util/encoding.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#include "util/text.hpp"

namespace imuse {

namespace {

// Code points of Windows-1252 bytes 0x80 to 0x9F; 0xA0 to 0xFF are the same as Latin-1.
constexpr std::array<char32_t, 32> kC1Block = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,  // € . ‚ ƒ „ … † ‡
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,  // ˆ ‰ Š ‹ Œ . Ž .
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // . ‘ ’ “ ” • – —
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,  // ˜ ™ š › œ . ž Ÿ
};

constexpr char32_t code_point_of(unsigned char byte) {
  return byte >= 0x80 && byte < 0xA0 ? kC1Block[byte - 0x80] : byte;
}

// The UTF-8 form of each byte from 0x80, built once at compile time so conversion is a copy.
struct Utf8Form {
  std::array<char, 3> bytes{};
  std::uint8_t size = 0;
};

constexpr std::array<Utf8Form, 128> make_high_table() {
  std::array<Utf8Form, 128> table{};
  for (unsigned i = 0; i < 128; ++i) {
    const char32_t cp = code_point_of(static_cast<unsigned char>(0x80 + i));
    Utf8Form& form = table[i];
    if (cp < 0x800) {
      form.bytes = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F)), 0};
      form.size = 2;
    } else {
      form.bytes = {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                    static_cast<char>(0x80 | (cp & 0x3F))};
      form.size = 3;
    }
  }
  return table;
}

constexpr std::array<Utf8Form, 128> kHighTable = make_high_table();

// Length of the run of ASCII bytes at the start of [p, end), eight bytes at a time.
std::size_t ascii_run(const unsigned char* p, const unsigned char* end) {
  const unsigned char* start = p;
  while (end - p >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    if (word & 0x8080808080808080ULL) {
      break;
    }
    p += 8;
  }
  while (p < end && *p < 0x80) {
    ++p;
  }
  return static_cast<std::size_t>(p - start);
}

// Length of the well-formed sequence at p, or 0; the Unicode table 3-7 of well-formed byte sequences.
std::size_t sequence_length(const unsigned char* p, const unsigned char* end) {
  const unsigned c = *p;
  std::size_t size = 0;
  unsigned low = 0x80;
  unsigned high = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    size = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    size = 3;
    low = c == 0xE0 ? 0xA0 : 0x80;   // no overlong forms
    high = c == 0xED ? 0x9F : 0xBF;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    size = 4;
    low = c == 0xF0 ? 0x90 : 0x80;
    high = c == 0xF4 ? 0x8F : 0xBF;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  if (static_cast<std::size_t>(end - p) < size || p[1] < low || p[1] > high) {
    return 0;
  }
  for (std::size_t k = 2; k < size; ++k) {
    if ((p[k] & 0xC0) != 0x80) {
      return 0;
    }
  }
  return size;
}

}  // namespace

std::size_t find_invalid_utf8(std::string_view s) {
  const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = begin + s.size();
  const unsigned char* p = begin;
  while (p < end) {
    p += ascii_run(p, end);
    if (p == end) {
      break;
    }
    const std::size_t size = sequence_length(p, end);
    if (size == 0) {
      return static_cast<std::size_t>(p - begin);
    }
    p += size;
  }
  return std::string_view::npos;
}

bool is_valid_utf8(std::string_view s) {
  return find_invalid_utf8(s) == std::string_view::npos;
}

void append_windows1252_as_utf8(std::string_view s, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const std::size_t run = ascii_run(p, end);
    out.append(reinterpret_cast<const char*>(p), run);
    p += run;
    for (; p < end && *p >= 0x80; ++p) {
      const Utf8Form& form = kHighTable[*p - 0x80];
      out.append(form.bytes.data(), form.size);
    }
  }
}

std::string windows1252_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  append_windows1252_as_utf8(s, out);
  return out;
}

std::optional<std::string> utf8_to_windows1252(std::string_view s) {
  if (!is_valid_utf8(s)) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (*p < 0x80) {
      out += static_cast<char>(*p++);
      continue;
    }
    const std::size_t size = sequence_length(p, end);
    char32_t cp = p[0] & (0xFF >> (size + 1));
    for (std::size_t k = 1; k < size; ++k) {
      cp = (cp << 6) | (p[k] & 0x3F);
    }
    p += size;
    if (cp >= 0xA0 && cp <= 0xFF) {
      out += static_cast<char>(cp);
      continue;
    }
    // Anything else must be one of the 32 characters of the 0x80-0x9F block (this includes the five
    // C1 controls that stand for undefined bytes, so those round-trip too).
    std::size_t i = 0;
    while (i < kC1Block.size() && kC1Block[i] != cp) {
      ++i;
    }
    if (i == kC1Block.size()) {
      return std::nullopt;
    }
    out += static_cast<char>(0x80 + i);
  }
  return out;
}

const char* encoding_name(Encoding encoding) {
  switch (encoding) {
    case Encoding::utf8:
      return "utf-8";
    case Encoding::windows1252:
      return "windows-1252";
  }
  return "?";
}

std::optional<Encoding> parse_encoding(std::string_view name) {
  const std::string n = ascii_lower(name);
  if (n == "utf-8" || n == "utf8") {
    return Encoding::utf8;
  }
  if (n == "windows-1252" || n == "cp1252" || n == "latin1" || n == "iso-8859-1") {
    return Encoding::windows1252;
  }
  return std::nullopt;
}

}  // namespace imuse
