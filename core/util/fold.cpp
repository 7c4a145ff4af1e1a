#include "util/fold.hpp"

#include <array>

namespace imuse {

namespace {

// Windows-1252 meaning of bytes 0x80-0x9F; U+FFFD where the code page defines nothing.
constexpr std::array<char32_t, 32> kCp1252High = {0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                                  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
                                                  0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

// Folding tables, one character per code point: a letter is the folded letter, ' ' a
// separator, and a digit one of the expansions below (the tables never yield real digits).
constexpr std::array<std::string_view, 6> kExpansions = {"", "ae", "oe", "th", "ss", "ij"};

// U+00C0-U+00FF: À…ß, then à…ÿ (× and ÷ are separators).
constexpr std::string_view kLatin1 =
    "aaaaaa1ceeeeiiiidnooooo ouuuuy34"
    "aaaaaa1ceeeeiiiidnooooo ouuuuy3y";
static_assert(kLatin1.size() == 0x40);

// U+0100-U+017F, Latin Extended-A (ĳ, œ expand; ŉ is n, ĸ is k, ſ is s).
constexpr std::string_view kLatinExtendedA =
    "aaaaaa"
    "cccccccc"
    "dddd"
    "eeeeeeeeee"
    "gggggggg"
    "hhhh"
    "iiiiiiiiii"
    "55"
    "jj"
    "kkk"
    "llllllllll"
    "nnnnnn"
    "n"
    "nn"
    "oooooo"
    "22"
    "rrrrrr"
    "ssssssss"
    "tttttt"
    "uuuuuuuuuuuu"
    "ww"
    "yyy"
    "zzzzzz"
    "s";
static_assert(kLatinExtendedA.size() == 0x80);

bool is_space_code_point(char32_t cp) {
  return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

// Decodes the code point at `i` and moves `i` past it. A byte that does not start a valid,
// shortest-form UTF-8 sequence is read alone as Windows-1252.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  std::size_t length = 0;
  char32_t cp = 0;
  char32_t smallest = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1F;
    smallest = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0F;
    smallest = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07;
    smallest = 0x10000;
  }
  if (length != 0 && i + length <= s.size()) {
    bool valid = true;
    for (std::size_t k = 1; k < length; ++k) {
      const auto byte = static_cast<unsigned char>(s[i + k]);
      if ((byte & 0xC0) != 0x80) {
        valid = false;
        break;
      }
      cp = (cp << 6) | (byte & 0x3F);
    }
    if (valid && cp >= smallest && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF)) {
      i += length;
      return cp;
    }
  }
  ++i;
  return lead >= 0xA0 ? char32_t{lead} : kCp1252High[lead - 0x80];
}

// Builds the folded text: letters are appended, separators collapse into one pending space
// that is only written before the next letter, so the result is trimmed.
class Folder {
 public:
  Folder(std::size_t capacity, bool spaces) : spaces_(spaces) { out_.reserve(capacity); }

  void letters(std::string_view text) {
    if (pending_space_) {
      out_ += ' ';
      pending_space_ = false;
    }
    out_ += text;
  }
  void letter(char c) { letters(std::string_view(&c, 1)); }
  void separator() { pending_space_ = spaces_ && !out_.empty(); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  bool spaces_;
  bool pending_space_ = false;
};

void fold_ascii(char c, Folder& folder) {
  if (c >= 'A' && c <= 'Z') {
    folder.letter(static_cast<char>(c - 'A' + 'a'));
  } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
    folder.letter(c);
  } else {
    folder.separator();
  }
}

void fold_table_entry(char entry, Folder& folder) {
  if (entry == ' ') {
    folder.separator();
  } else if (entry >= '1' && entry <= '5') {
    folder.letters(kExpansions[static_cast<std::size_t>(entry - '0')]);
  } else {
    folder.letter(entry);
  }
}

void append_utf8(char32_t cp, Folder& folder) {
  char buffer[4];
  std::size_t length = 0;
  if (cp < 0x800) {
    buffer[0] = static_cast<char>(0xC0 | (cp >> 6));
    length = 2;
  } else if (cp < 0x10000) {
    buffer[0] = static_cast<char>(0xE0 | (cp >> 12));
    buffer[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    length = 3;
  } else {
    buffer[0] = static_cast<char>(0xF0 | (cp >> 18));
    buffer[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buffer[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    length = 4;
  }
  buffer[length - 1] = static_cast<char>(0x80 | (cp & 0x3F));
  folder.letters(std::string_view(buffer, length));
}

// Vietnamese letters with two diacritics (U+1EA0-U+1EF9) come in runs per base letter.
char vietnamese_base(char32_t cp) {
  if (cp <= 0x1EB7) {
    return 'a';
  }
  if (cp <= 0x1EC7) {
    return 'e';
  }
  if (cp <= 0x1ECB) {
    return 'i';
  }
  if (cp <= 0x1EE3) {
    return 'o';
  }
  if (cp <= 0x1EF1) {
    return 'u';
  }
  return 'y';
}

void fold_code_point(char32_t cp, Folder& folder) {
  if (cp < 0x80) {
    fold_ascii(static_cast<char>(cp), folder);
  } else if (cp >= 0xC0 && cp <= 0x17F) {
    fold_table_entry(cp < 0x100 ? kLatin1[cp - 0xC0] : kLatinExtendedA[cp - 0x100], folder);
  } else if (cp == 0xAA) {
    folder.letter('a');  // ª
  } else if (cp == 0xBA) {
    folder.letter('o');  // º
  } else if (cp == 0xB9) {
    folder.letter('1');
  } else if (cp == 0xB2 || cp == 0xB3) {
    folder.letter(static_cast<char>('0' + (cp - 0xB0)));
  } else if (cp == 0xAD || (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 ||
             cp == 0xFEFF || (cp >= 0xFE00 && cp <= 0xFE0F)) {
    // Soft hyphen, combining accents (decomposed input, as macOS writes it), zero-width
    // characters and variation selectors are invisible: they never split a word.
  } else if (cp < 0xC0) {
    folder.separator();  // C1 controls, no-break space, « », ¿, °, ×…
  } else if (cp == 0x192) {
    folder.letter('f');  // ƒ
  } else if (cp == 0x1A0 || cp == 0x1A1) {
    folder.letter('o');  // Vietnamese ơ
  } else if (cp == 0x1AF || cp == 0x1B0) {
    folder.letter('u');  // Vietnamese ư
  } else if (cp == 0x218 || cp == 0x219) {
    folder.letter('s');  // Romanian ș
  } else if (cp == 0x21A || cp == 0x21B) {
    folder.letter('t');  // Romanian ț
  } else if (cp >= 0x2B0 && cp <= 0x2FF) {
    folder.separator();  // spacing modifiers, including the ʼ apostrophe
  } else if (cp == 0x1E9E) {
    folder.letters("ss");  // capital ẞ
  } else if (cp >= 0x1EA0 && cp <= 0x1EF9) {
    folder.letter(vietnamese_base(cp));
  } else if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || cp == 0xFFFC || cp == 0xFFFD ||
             (cp >= 0x1F000 && cp <= 0x1FAFF)) {
    // Typographic spaces, quotes and dashes (’ ‘ – — …), currency, arrows, maths, shapes,
    // CJK punctuation, emoji and the replacement character are punctuation here.
    folder.separator();
  } else if (cp >= 0xFB00 && cp <= 0xFB06) {
    constexpr std::array<std::string_view, 7> kLigatures = {"ff", "fi", "fl", "ffi", "ffl", "st", "st"};
    folder.letters(kLigatures[cp - 0xFB00]);
  } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
    fold_ascii(static_cast<char>(cp - 0xFEE0), folder);  // full-width forms
  } else if ((cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) || (cp >= 0x410 && cp <= 0x42F)) {
    append_utf8(cp + 0x20, folder);  // Greek and basic Cyrillic capitals
  } else if (cp >= 0x400 && cp <= 0x40F) {
    append_utf8(cp + 0x50, folder);  // Ѐ…Џ
  } else {
    // Any other letter is kept as written: dropping it would make distinct names equal.
    append_utf8(cp, folder);
  }
}

std::string fold(std::string_view utf8, bool spaces) {
  Folder folder(utf8.size(), spaces);
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto byte = static_cast<unsigned char>(utf8[i]);
    if (byte < 0x80) {
      fold_ascii(static_cast<char>(byte), folder);
      ++i;
    } else {
      fold_code_point(next_code_point(utf8, i), folder);
    }
  }
  return folder.take();
}

}  // namespace

std::size_t space_length_at(std::string_view utf8, std::size_t pos) {
  if (pos >= utf8.size()) {
    return 0;
  }
  const auto byte = static_cast<unsigned char>(utf8[pos]);
  if (byte < 0x80) {
    return is_space_code_point(byte) ? 1 : 0;
  }
  std::size_t next = pos;
  const auto cp = next_code_point(utf8, next);
  return is_space_code_point(cp) ? next - pos : 0;
}

bool is_blank(std::string_view utf8) {
  return trim_blank(utf8).empty();
}

std::string_view trim_blank(std::string_view utf8) {
  std::size_t begin = 0;
  while (begin < utf8.size()) {
    const auto length = space_length_at(utf8, begin);
    if (length == 0) {
      break;
    }
    begin += length;
  }
  // Walk forward rather than backward: UTF-8 is only safely decoded from the front.
  std::size_t end = begin;
  std::size_t i = begin;
  while (i < utf8.size()) {
    const auto length = space_length_at(utf8, i);
    if (length > 0) {
      i += length;
    } else {
      next_code_point(utf8, i);
      end = i;
    }
  }
  return utf8.substr(begin, end - begin);
}

std::string fold_text(std::string_view utf8) {
  return fold(utf8, true);
}

std::string fold_key(std::string_view utf8) {
  return fold(utf8, false);
}

}  // namespace imuse
