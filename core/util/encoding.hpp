#pragma once
// The text encodings offices' files come in: UTF-8, and Windows-1252 (what Excel on a French
// Windows writes for "CSV (séparateur: point-virgule)"). Everything inside the program is UTF-8.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace imuse {

enum class Encoding { utf8, windows1252 };

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view s);
// Offset of the first byte that does not belong to well-formed UTF-8, or npos; for error messages.
std::size_t find_invalid_utf8(std::string_view s);
// Windows-1252 to UTF-8. Never fails: the five bytes Windows-1252 leaves undefined become the C1
// controls of the same value, as Windows' MultiByteToWideChar does, so no byte is lost.
std::string windows1252_to_utf8(std::string_view s);
// Same, appended to `out`, so a caller converting line after line can reuse one buffer.
void append_windows1252_as_utf8(std::string_view s, std::string& out);
// UTF-8 to Windows-1252; nullopt when `s` is not UTF-8 or holds a character Windows-1252 lacks.
std::optional<std::string> utf8_to_windows1252(std::string_view s);
// The spelling used by --encoding and in messages: "utf-8" or "windows-1252".
const char* encoding_name(Encoding encoding);
// Reads an --encoding value, any case: utf-8, utf8, windows-1252, cp1252, latin1, iso-8859-1
// (Latin-1 files read correctly as Windows-1252, its superset for printable characters).
std::optional<Encoding> parse_encoding(std::string_view name);

}  // namespace imuse
