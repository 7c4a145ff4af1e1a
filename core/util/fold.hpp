#pragma once
// Accent folding and blank detection of UTF-8 text, for matching what people typed (headers,
// names) without regard to case, accents, spaces and punctuation. No ICU: French and
// neighbouring languages only need Latin-1 Supplement and Latin Extended-A, plus a few letters
// listed in fold.cpp (Romanian, Vietnamese, ligatures).
//
// Bytes that are not valid UTF-8 are read as Windows-1252, so a cell that escaped decoding
// still folds to the right key ("H\xE9l\xE8ne" folds like "Hélène").
#include <cstddef>
#include <string>
#include <string_view>

namespace imuse {

// Byte length of the white space character at `pos` (ASCII, no-break, narrow no-break, thin and
// other Unicode spaces, zero-width space, BOM), or 0: spreadsheets put U+00A0 and U+202F in cells.
std::size_t space_length_at(std::string_view utf8, std::size_t pos);

// True for an empty cell or one holding only white space as space_length_at understands it.
bool is_blank(std::string_view utf8);

// The text without leading and trailing white space (Unicode spaces included); a view, no copy.
std::string_view trim_blank(std::string_view utf8);

// Lower-case, accent-free words separated by single spaces, for comparing names:
// "  Jean-Pierre  L’HÔPITAL " -> "jean pierre l hopital". Letters outside the folding tables are
// kept (Greek and Cyrillic capitals lower-cased) so distinct foreign names never fold alike.
std::string fold_text(std::string_view utf8);

// fold_text without any space: the key of a CSV header or a stored name
// ("Réf. famille" -> "reffamille", "E-mail" -> "email", "Œuvre" -> "oeuvre").
std::string fold_key(std::string_view utf8);

}  // namespace imuse
