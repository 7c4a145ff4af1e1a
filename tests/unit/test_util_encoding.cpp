#include <catch2/catch.hpp>

#include "util/encoding.hpp"

using namespace imuse;

TEST_CASE("Windows-1252 French accents become UTF-8", "[encoding]") {
  // é è ê ë à ç ô ù œ « » € as Excel writes them on a French Windows.
  const std::string cp1252 = "\xE9 \xE8 \xEA \xEB \xE0 \xE7 \xF4 \xF9 \x9C \xAB \xBB \x80";
  CHECK(windows1252_to_utf8(cp1252) == "é è ê ë à ç ô ù œ « » €");
  CHECK(windows1252_to_utf8("\xC9l\xE8ve \xC0 l'\xC9t\xE9") == "Élève À l'Été");
  CHECK(windows1252_to_utf8("plain ASCII; 123") == "plain ASCII; 123");
  CHECK(windows1252_to_utf8("").empty());
}

TEST_CASE("the whole 0x80-0x9F block follows Windows, undefined bytes included", "[encoding]") {
  std::string block;
  for (int b = 0x80; b < 0xA0; ++b) {
    block += static_cast<char>(b);
  }
  const std::string expected =
      "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F"
      "\u0090‘’“”•–—˜™š›œ\u009DžŸ";
  CHECK(windows1252_to_utf8(block) == expected);
  CHECK(windows1252_to_utf8("\x81") == "\xC2\x81");
  CHECK(windows1252_to_utf8("\xA0\xFF") == "\u00A0ÿ");
}

TEST_CASE("every byte survives Windows-1252 -> UTF-8 -> Windows-1252", "[encoding]") {
  std::string all;
  for (int b = 0; b < 256; ++b) {
    all += static_cast<char>(b);
  }
  const std::string utf8 = windows1252_to_utf8(all);
  CHECK(is_valid_utf8(utf8));
  const auto back = utf8_to_windows1252(utf8);
  REQUIRE(back);
  CHECK(*back == all);
}

TEST_CASE("UTF-8 without a Windows-1252 form gives nullopt", "[encoding]") {
  CHECK(utf8_to_windows1252("Chlo\xC3\xA9 \xE2\x82\xAC") == std::optional<std::string>("Chlo\xE9 \x80"));
  CHECK_FALSE(utf8_to_windows1252("日本"));
  CHECK_FALSE(utf8_to_windows1252("\u0080"));            // 0x80 is €, so U+0080 has no byte
  CHECK_FALSE(utf8_to_windows1252("\xF0\x9F\x8E\xBB"));  // 🎻
  CHECK_FALSE(utf8_to_windows1252("caf\xE9"));           // not UTF-8 to begin with
  CHECK(utf8_to_windows1252("") == std::optional<std::string>(""));
}

TEST_CASE("UTF-8 validation rejects every ill-formed sequence", "[encoding]") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("Hélène, Noël, Œdipe, ½, €, 🎻"));
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));        // U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  CHECK_FALSE(is_valid_utf8("\xC3"));  // cut short
  CHECK_FALSE(is_valid_utf8("\xE2\x82"));
  CHECK_FALSE(is_valid_utf8("\x80"));  // stray continuation byte
  CHECK_FALSE(is_valid_utf8("\xC3\x28"));
  CHECK_FALSE(is_valid_utf8("\xFF"));
}

TEST_CASE("find_invalid_utf8 points at the offending byte, past long ASCII runs", "[encoding]") {
  CHECK(find_invalid_utf8("abc") == std::string_view::npos);
  CHECK(find_invalid_utf8("caf\xE9") == 3);
  const std::string long_line = std::string(1000, 'a') + "é" + std::string(37, 'b') + "\xE9" + "cd";
  CHECK(find_invalid_utf8(long_line) == 1000 + 2 + 37);
}

TEST_CASE("encoding names are the --encoding spellings", "[encoding]") {
  CHECK(std::string(encoding_name(Encoding::utf8)) == "utf-8");
  CHECK(std::string(encoding_name(Encoding::windows1252)) == "windows-1252");
  CHECK(parse_encoding("UTF-8") == Encoding::utf8);
  CHECK(parse_encoding("utf8") == Encoding::utf8);
  CHECK(parse_encoding("Windows-1252") == Encoding::windows1252);
  CHECK(parse_encoding("cp1252") == Encoding::windows1252);
  CHECK(parse_encoding("latin1") == Encoding::windows1252);
  CHECK_FALSE(parse_encoding("utf-16"));
  CHECK_FALSE(parse_encoding("auto"));
}
