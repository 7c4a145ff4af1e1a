#pragma once
// SEPA: IBAN (ISO 13616), BIC, creditor identifier (ICS), mandate reference (RUM), and the SEPA
// Latin character subset that banks accept in names and references.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace imuse::sepa {

// The normal form of a typed IBAN or BIC: spaces (Unicode ones too) and hyphens removed, ASCII
// letters upper-cased. "fr76 3000-6000 ..." -> "FR763000600...".
std::string normalize_account_id(std::string_view text);

// The length of the IBANs of a SEPA country ("FR" -> 27), 0 for a country outside SEPA.
int sepa_iban_length(std::string_view country);

// nullopt when `iban` (normal form) is a valid IBAN of a SEPA country: letters and digits, the
// country's length, ISO 13616 check digits (mod 97 = 1). Otherwise what is wrong, in a sentence
// that never repeats the IBAN ("has 26 characters, a FR IBAN has 27").
std::optional<std::string> iban_problem(std::string_view iban);
inline bool iban_is_valid(std::string_view iban) {
  return !iban_problem(iban);
}

// What listings, reports, JSON and logs show of an IBAN: its last 4 characters ("…0189").
std::string mask_iban(std::string_view iban);

// True for a BIC in normal form (ISO 9362): 4-letter bank code, 2-letter country, 2-character
// location (its first never 0 or 1, its second never 'O': test BICs), optional 3-character branch.
bool bic_is_valid(std::string_view bic);

// nullopt when `ics` (normal form) is a valid SEPA creditor identifier: country, 2 check digits,
// 3-character business code (not checked), national identifier; the check digits are mod 97 over
// the national identifier followed by the country and "00" (letters as 10..35), as for IBANs. A
// French ICS has 13 characters. Otherwise what is wrong.
std::optional<std::string> creditor_id_problem(std::string_view ics);

// The character set of mandate references and SEPA identifiers: A-Z a-z 0-9 space / ? : ( ) . , ' + -.
bool is_sepa_id_char(char c);
// A mandate reference (RUM): 1 to 35 characters of that set, not only spaces.
bool rum_is_valid(std::string_view rum);

// A generated mandate reference: PREFIX-REF-N (prefix and family reference reduced to letters,
// digits and '-', the reference shortened so that the whole fits in 35 characters).
// "EMD", "F0005", 1 -> "EMD-F0005-1". The caller bumps `counter` until the reference is unused.
std::string generated_rum(std::string_view prefix, std::string_view family_ref, int counter);

// `utf8` in the SEPA Latin subset: accents and ligatures spelled out (é→e, Œ→OE, ß→ss), '&'
// →'+', typographic apostrophes and dashes to ' and -, anything else to a space; spaces
// collapsed, ends trimmed, cut to `max_chars` characters (the result is ASCII).
std::string sepa_text(std::string_view utf8, std::size_t max_chars);

}  // namespace imuse::sepa
