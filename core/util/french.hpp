#pragma once
// French formats as school offices type them in spreadsheets, normalised to what the database
// stores: phones in E.164, civility 'M' or 'MME', ISO dates, 5-digit postal codes.
//
// The std::optional<std::string> normalisers share one convention: "" for a blank cell (so a
// blank never passes for a value), the normal form for a valid one, nullopt for an invalid one,
// which the import reports with its line and column.
#include <optional>
#include <string>
#include <string_view>

namespace imuse {

// E.164 form of a phone number typed in any usual French spelling. Overseas departments get
// their own calling code: "0590 12 34 56" -> "+590590123456". A bare "33612345678" is refused:
// nothing tells a missing "+" from a typo. A 9-digit number whose leading 0 a spreadsheet
// dropped ("612345678") is read as French.
std::optional<std::string> normalize_phone(std::string_view input);

// Display and export form of a stored E.164 number: French and overseas numbers in the national
// form in pairs ("06 12 34 56 78", "05 90 12 34 56"), other countries unchanged, so that
// normalize_phone(format_phone(x)) == x for any x that normalize_phone returns.
std::string format_phone(std::string_view e164);

// A calendar date; always a real one when it comes from parse_date.
struct Date {
  int year = 0;
  int month = 0;
  int day = 0;

  // "2015-03-04", as the database and the exports write it.
  std::string iso() const;
  // "04/03/2015", as offices read it.
  std::string french() const;
  bool operator==(const Date&) const = default;
};

// A date in dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or ISO yyyy-mm-dd, optionally followed by
// a midnight time (spreadsheets write "04/03/2015 00:00"). nullopt for a blank or impossible
// date, a two-digit year, a year outside 1900-2100, or a time other than midnight.
std::optional<Date> parse_date(std::string_view input);

// "M" or "MME" from any usual spelling (M., Mr, Monsieur, Mme, Madame, Mlle, Melle, Mrs, Ms…).
// "M. et Mme" or "Dr" give nullopt: a family row is one responsible adult, and the civility
// column only says how to address that person.
std::optional<std::string> normalize_civility(std::string_view input);

// Five digits; "73 200" loses its space and "1000" (a code whose leading zero a spreadsheet
// dropped) becomes "01000".
std::optional<std::string> normalize_postal_code(std::string_view input);

// A trimmed e-mail address with its domain lower-cased (the local part is kept: it may be case
// sensitive), after removing a pasted "mailto:". Pragmatic check, not RFC 5322: ASCII only,
// one @, no spaces or list separators, dotted domain of letter/digit/hyphen labels.
std::optional<std::string> normalize_email(std::string_view input);

// A whole number of euros, such as the family quotient: "1 234", "1234", "1 234,00", "1234.00",
// "1 234 €". nullopt for a blank cell (tell it apart with is_blank), a fraction ("12,5"), a
// sign, or a dot or comma followed by three digits ("1.234": thousands or decimals?).
std::optional<int> parse_euros_integer(std::string_view input);

}  // namespace imuse
