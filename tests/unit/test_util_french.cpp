#include <catch2/catch.hpp>

#include "util/french.hpp"

using namespace imuse;

namespace {
// The normal form, or "invalid" so that failures print something readable.
std::string phone(std::string_view input) {
  return normalize_phone(input).value_or("invalid");
}
std::string date(std::string_view input) {
  const auto parsed = parse_date(input);
  return parsed ? parsed->iso() : "invalid";
}
std::string civility(std::string_view input) {
  return normalize_civility(input).value_or("invalid");
}
std::string postal(std::string_view input) {
  return normalize_postal_code(input).value_or("invalid");
}
std::string email(std::string_view input) {
  return normalize_email(input).value_or("invalid");
}
}  // namespace

TEST_CASE("French phone numbers in every usual spelling give one E.164 form", "[french]") {
  for (const auto* spelling : {"06 12 34 56 78",
                               "06.12.34.56.78",
                               "06-12-34-56-78",
                               "0612345678",
                               "06/12/34/56/78",
                               "+33 6 12 34 56 78",
                               "+33612345678",
                               "+33 (0)6 12 34 56 78",
                               "+33 (0) 6 12 34 56 78",
                               "+33 06 12 34 56 78",
                               "0033 6 12 34 56 78",
                               "00 33 6 12 34 56 78",
                               "0033 (0)6 12 34 56 78",
                               "(+33) 6 12 34 56 78",
                               "  06 12 34 56 78  ",
                               "06\u00A012\u00A034\u00A056\u00A078",
                               "06\u202F12\u202F34\u202F56\u202F78",
                               "\u00A006 12 34 56 78\u00A0",
                               "06 12  34 56 78",
                               "06. 12. 34. 56. 78"}) {
    INFO(spelling);
    CHECK(phone(spelling) == "+33612345678");
  }
  CHECK(phone("01 23 45 67 89") == "+33123456789");
  CHECK(phone("07 58 12 34 56") == "+33758123456");
  CHECK(phone("09 70 12 34 56") == "+33970123456");
  CHECK(phone("0 800 123 456") == "+33800123456");
}

TEST_CASE("a French number whose leading zero a spreadsheet dropped is still French", "[french]") {
  CHECK(phone("612345678") == "+33612345678");
  CHECK(phone("6 12 34 56 78") == "+33612345678");
  CHECK(phone("123456789") == "+33123456789");
  CHECK(phone("590123456") == "+590590123456");
}

TEST_CASE("blank phone cells are empty, not invalid", "[french]") {
  CHECK(normalize_phone("") == std::string());
  CHECK(normalize_phone("   ") == std::string());
  CHECK(normalize_phone("\u00A0\t") == std::string());
}

TEST_CASE("overseas departments get their own calling code, keeping the national digits", "[french]") {
  // Guadeloupe, Saint-Martin, Saint-Barthélemy
  CHECK(phone("0590 12 34 56") == "+590590123456");
  CHECK(phone("05 90 12 34 56") == "+590590123456");
  CHECK(phone("0690 12 34 56") == "+590690123456");
  CHECK(phone("0691 23 45 67") == "+590691234567");
  // Guyane
  CHECK(phone("0594 12 34 56") == "+594594123456");
  CHECK(phone("0694 12 34 56") == "+594694123456");
  // Martinique
  CHECK(phone("0596 12 34 56") == "+596596123456");
  CHECK(phone("0696 12 34 56") == "+596696123456");
  CHECK(phone("0697 27 12 34") == "+596697271234");
  // La Réunion
  CHECK(phone("0262 12 34 56") == "+262262123456");
  CHECK(phone("0263 01 23 45") == "+262263012345");
  CHECK(phone("0692 12 34 56") == "+262692123456");
  CHECK(phone("0693 12 34 56") == "+262693123456");
  // Mayotte shares La Réunion's code
  CHECK(phone("0269 61 23 45") == "+262269612345");
  CHECK(phone("0639 01 23 45") == "+262639012345");
}

TEST_CASE("overseas numbers written internationally", "[french]") {
  CHECK(phone("+590 590 12 34 56") == "+590590123456");
  CHECK(phone("+590 (0)590 12 34 56") == "+590590123456");
  CHECK(phone("+590 0690 12 34 56") == "+590690123456");
  CHECK(phone("00262 692 12 34 56") == "+262692123456");
  CHECK(phone("+262 269 61 23 45") == "+262269612345");
  // Mainland code with an overseas number: filed under the overseas code, so both spellings
  // of the same line match.
  CHECK(phone("+33 590 12 34 56") == "+590590123456");
  CHECK(phone("+33 6 92 12 34 56") == "+262692123456");
  // An explicit overseas code is kept as given.
  CHECK(phone("+262 590 12 34 56") == "+262590123456");
  // Overseas codes follow the French plan: 9 national digits.
  CHECK(phone("+590 12 34 56") == "invalid");
  CHECK(phone("+262 692 12 34 56 7") == "invalid");
}

TEST_CASE("foreign numbers with + or 00 keep their digits", "[french]") {
  CHECK(phone("+44 20 7946 0958") == "+442079460958");
  CHECK(phone("+44 (0)20 7946 0958") == "+442079460958");
  CHECK(phone("0044 20 7946 0958") == "+442079460958");
  CHECK(phone("+41 22 123 45 67") == "+41221234567");
  CHECK(phone("+32 2 123 45 67") == "+3221234567");
  CHECK(phone("+1 (514) 555-0199") == "+15145550199");
  CHECK(phone("+352 12 34 56 7") == "+3521234567");
  CHECK(phone("+49 30 12345678") == "+493012345678");
  CHECK(phone("+39 06 1234 5678") == "+390612345678");  // Italy keeps its 0
  // 8 to 15 digits, country code first.
  CHECK(phone("+352 123 45") == "+35212345");
  CHECK(phone("+352 123 4") == "invalid");
  CHECK(phone("+86 1234 5678 9012 3") == "+861234567890123");
  CHECK(phone("+86 1234 5678 9012 34") == "invalid");
  // North American numbers have exactly 10 digits after the 1.
  CHECK(phone("+1 514 555 01") == "invalid");
  CHECK(phone("+1 514 555 01999") == "invalid");
  CHECK(phone("+0 123 456 789") == "invalid");
  CHECK(phone("000 44 20 7946 0958") == "invalid");
}

TEST_CASE("phone numbers that cannot be trusted are refused", "[french]") {
  for (const auto* spelling : {"33612345678",      // + lost or typo: ambiguous
                               "262692123456",     // same for an overseas number
                               "06 12 34 56 7",    // 9 digits starting with 0
                               "06 12 34 56 789",  // 11 digits
                               "00 12 34 56 78",   // a placeholder: read as "+1 2345678", too short
                               "0012345678",
                               "Tél. 06 12 34 56 78",               // letters
                               "06 12 34 56 78 poste 12",           // extension
                               "06 12 34 56 78 ou 07 12 34 56 78",  // two numbers
                               "06 12 34 56 78 / 07 12 34 56 78",
                               "+33 6 12 34 56 78 9",  // +33 takes 9 digits
                               "+33 1 23 45 67",
                               "+33 (0)0 12 34 56 78",
                               "++33 6 12 34 56 78",
                               "06+12345678",
                               "6",
                               "-",
                               "#N/A",
                               "06 12 34 56 78;",
                               "06_12_34_56_78",
                               "0612345678\u2013"}) {  // en dash: not a separator people type
    INFO(spelling);
    CHECK(phone(spelling) == "invalid");
  }
}

TEST_CASE("format_phone writes the national form of French and overseas numbers", "[french]") {
  CHECK(format_phone("+33612345678") == "06 12 34 56 78");
  CHECK(format_phone("+33123456789") == "01 23 45 67 89");
  CHECK(format_phone("+33800123456") == "08 00 12 34 56");
  CHECK(format_phone("+590590123456") == "05 90 12 34 56");
  CHECK(format_phone("+590690123456") == "06 90 12 34 56");
  CHECK(format_phone("+594694123456") == "06 94 12 34 56");
  CHECK(format_phone("+596596123456") == "05 96 12 34 56");
  CHECK(format_phone("+262262123456") == "02 62 12 34 56");
  CHECK(format_phone("+262639012345") == "06 39 01 23 45");
  // Foreign numbers, and overseas codes with another department's number, stay in E.164.
  CHECK(format_phone("+442079460958") == "+442079460958");
  CHECK(format_phone("+262590123456") == "+262590123456");
  CHECK(format_phone("+590976012345") == "+590976012345");
  // Not E.164: returned unchanged rather than mangled.
  CHECK(format_phone("") == "");
  CHECK(format_phone("0612345678") == "0612345678");
  CHECK(format_phone("+33 6") == "+33 6");
}

TEST_CASE("normalize_phone(format_phone(x)) == x for every normal form", "[french]") {
  for (const auto* spelling :
       {"06 12 34 56 78",   "01 23 45 67 89",  "09 70 12 34 56", "08 00 12 34 56",    "0590 12 34 56",
        "0690 12 34 56",    "0691 23 45 67",   "0594 12 34 56",  "0694 12 34 56",     "0596 12 34 56",
        "0696 12 34 56",    "0697 27 12 34",   "0262 12 34 56",  "0263 01 23 45",     "0692 12 34 56",
        "0693 12 34 56",    "0269 61 23 45",   "0639 01 23 45",  "+262 590 12 34 56", "+590 976 01 23 45",
        "+44 20 7946 0958", "+1 514 555 0199", "+352 123 45",    "+861234567890123",  "+33 0 12 34 56 78 9"}) {
    INFO(spelling);
    const auto normal = normalize_phone(spelling);
    REQUIRE(normal);
    CHECK(normalize_phone(format_phone(*normal)) == normal);
    // Normalising is idempotent too.
    CHECK(normalize_phone(*normal) == normal);
  }
}

TEST_CASE("dates in French and ISO spellings", "[french]") {
  CHECK(date("04/03/2015") == "2015-03-04");
  CHECK(date("4/3/2015") == "2015-03-04");
  CHECK(date("04/3/2015") == "2015-03-04");
  CHECK(date("04-03-2015") == "2015-03-04");
  CHECK(date("04.03.2015") == "2015-03-04");
  CHECK(date("2015-03-04") == "2015-03-04");
  CHECK(date(" 04/03/2015\u00A0") == "2015-03-04");
  CHECK(date("31/12/1999") == "1999-12-31");
  CHECK(date("01/01/1900") == "1900-01-01");
  CHECK(date("31/12/2100") == "2100-12-31");
}

TEST_CASE("spreadsheet date-times are accepted at midnight only", "[french]") {
  CHECK(date("04/03/2015 00:00") == "2015-03-04");
  CHECK(date("04/03/2015 00:00:00") == "2015-03-04");
  CHECK(date("4/3/2015 0:00") == "2015-03-04");
  CHECK(date("2015-03-04 00:00:00") == "2015-03-04");
  CHECK(date("2015-03-04T00:00:00") == "2015-03-04");
  CHECK(date("2015-03-04T00:00:00.000") == "2015-03-04");
  // A time of day means a timestamp, not a birth date.
  CHECK(date("04/03/2015 14:30") == "invalid");
  CHECK(date("04/03/2015 00:00:01") == "invalid");
  CHECK(date("04/03/2015 0") == "invalid");
  CHECK(date("04/03/2015 00:00 PM") == "invalid");
  CHECK(date("04/03/2015T00:00") == "invalid");
  CHECK(date("04/03/2015 00:0") == "invalid");
}

TEST_CASE("impossible and ambiguous dates are refused", "[french]") {
  for (const auto* spelling : {"31/02/2015",
                               "30/02/2016",
                               "29/02/2023",
                               "29/02/1900",
                               "29/02/2100",
                               "31/04/2015",
                               "31/06/2015",
                               "31/09/2015",
                               "31/11/2015",
                               "32/01/2015",
                               "00/01/2015",
                               "01/00/2015",
                               "01/13/2015",
                               "04/03/15",
                               "04/03/015",
                               "04/03/20150",
                               "31/12/1899",
                               "01/01/2101",
                               "2015-3-4",
                               "2015-02-29",
                               "2015/03/04",
                               "04/03-2015",
                               "04.03/2015",
                               "004/03/2015",
                               "04/003/2015",
                               "4 mars 2015",
                               "04/03/2015x",
                               "",
                               "  ",
                               "2015",
                               "04/03",
                               "//",
                               "+04/03/2015",
                               "-1/03/2015",
                               "99999999999/01/2015"}) {
    INFO(spelling);
    CHECK(date(spelling) == "invalid");
  }
}

TEST_CASE("leap years follow the Gregorian rules", "[french]") {
  CHECK(date("29/02/2000") == "2000-02-29");  // divisible by 400
  CHECK(date("29/02/2024") == "2024-02-29");
  CHECK(date("29/02/2016") == "2016-02-29");
  CHECK(date("29/02/1904") == "1904-02-29");
  CHECK(date("2096-02-29") == "2096-02-29");
  CHECK(date("29/02/1900") == "invalid");  // divisible by 100 only
  CHECK(date("29/02/2100") == "invalid");
  CHECK(date("29/02/2023") == "invalid");
  CHECK(date("28/02/2023") == "2023-02-28");
}

TEST_CASE("Date prints ISO and French forms", "[french]") {
  const Date d{2015, 3, 4};
  CHECK(d.iso() == "2015-03-04");
  CHECK(d.french() == "04/03/2015");
  CHECK(Date{1900, 12, 31}.french() == "31/12/1900");
  const auto parsed = parse_date(d.french());
  REQUIRE(parsed);
  CHECK(*parsed == d);
  CHECK(parse_date(d.iso()) == parse_date(d.french()));
}

TEST_CASE("civility in any usual spelling", "[french]") {
  for (const auto* spelling : {"M", "M.", "m.", "Mr", "Mr.", "MR", "mr", "Monsieur", "monsieur", "MONSIEUR", "Mons.",
                               " M. ", "M..", "M .", "\u00A0Monsieur\u00A0"}) {
    INFO(spelling);
    CHECK(civility(spelling) == "M");
  }
  for (const auto* spelling : {"Mme", "Mme.", "MME", "mme", "Madame", "MADAME", "Mlle", "Mlle.", "Melle", "Mélle",
                               "Mademoiselle", "MADEMOISELLE", "Mrs", "Mrs.", "Ms", "Ms.", "Miss", " Mme "}) {
    INFO(spelling);
    CHECK(civility(spelling) == "MME");
  }
}

TEST_CASE("civility that is not one adult is refused — blank is empty", "[french]") {
  CHECK(normalize_civility("") == std::string());
  CHECK(normalize_civility("  ") == std::string());
  for (const auto* spelling : {"Dr", "Dr.", "Docteur", "M. et Mme", "M et Mme", "Mme et M.", "M./Mme", "MM.", "Mmes",
                               "Monsieur ou Madame", "Me", "X", "1", "Mx"}) {
    INFO(spelling);
    CHECK(civility(spelling) == "invalid");
  }
}

TEST_CASE("postal codes are five digits", "[french]") {
  CHECK(postal("73200") == "73200");
  CHECK(postal("73 200") == "73200");
  CHECK(postal("73\u00A0200") == "73200");
  CHECK(postal(" 75001 ") == "75001");
  CHECK(postal("01000") == "01000");
  CHECK(postal("1000") == "01000");  // a spreadsheet dropped the leading zero
  CHECK(postal("9100") == "09100");
  CHECK(postal("7320") == "07320");
  CHECK(postal("97100") == "97100");
  CHECK(postal("20000") == "20000");
  CHECK(normalize_postal_code("") == std::string());
  CHECK(normalize_postal_code("\u00A0") == std::string());
  for (const auto* spelling :
       {"0100", "00100", "732000", "732", "73-200", "73.200", "F-73200", "73200 CEDEX", "2A000", "7320O", "73200,0"}) {
    INFO(spelling);
    CHECK(postal(spelling) == "invalid");
  }
}

TEST_CASE("e-mail addresses are trimmed, their domain lower-cased", "[french]") {
  CHECK(email("jean.dupont@gmail.com") == "jean.dupont@gmail.com");
  CHECK(email("  Jean.Dupont@GMAIL.COM\u00A0") == "Jean.Dupont@gmail.com");
  CHECK(email("mailto:jean@orange.fr") == "jean@orange.fr");
  CHECK(email("MAILTO: jean@orange.fr") == "jean@orange.fr");
  CHECK(email("jean+ecole@mairie-mantes.fr") == "jean+ecole@mairie-mantes.fr");
  CHECK(email("j_o'neil@sub.domain.co.uk") == "j_o'neil@sub.domain.co.uk");
  CHECK(email("a@b.co") == "a@b.co");
  CHECK(email("x@xn--80ak6aa92e.xn--p1ai") == "x@xn--80ak6aa92e.xn--p1ai");
  CHECK(email("1234@123.fr") == "1234@123.fr");
  CHECK(normalize_email("") == std::string());
  CHECK(normalize_email(" \t") == std::string());
}

TEST_CASE("invalid e-mail addresses are refused", "[french]") {
  for (const auto* spelling : {"jean.dupont@gmail,com",
                               "jean.dupont@gmail",
                               "jean.dupont.gmail.com",
                               "jean@@gmail.com",
                               "jean@dupont@gmail.com",
                               "@gmail.com",
                               "jean dupont@gmail.com",
                               "jean@gmail .com",
                               "jean@gmail..com",
                               "jean@.gmail.com",
                               "jean@gmail.com.",
                               ".jean@gmail.com",
                               "jean.@gmail.com",
                               "jean..dupont@gmail.com",
                               "jean@-gmail.com",
                               "jean@gmail-.com",
                               "jean@gmail.c",
                               "jean@gmail.123",
                               "jean@gmail_com.fr",
                               "jean@gmail.com;marie@orange.fr",
                               "jean@gmail.com, marie@orange.fr",
                               "Jean Dupont <jean@gmail.com>",
                               "jean,dupont@gmail.com",
                               "rené@orange.fr",
                               "jean@orangé.fr",
                               "mailto:",
                               "jean@",
                               "jean"}) {
    INFO(spelling);
    CHECK(email(spelling) == "invalid");
  }
  CHECK(email(std::string(65, 'a') + "@gmail.com") == "invalid");
  CHECK(email(std::string(64, 'a') + "@gmail.com") == std::string(64, 'a') + "@gmail.com");
}

TEST_CASE("family quotients are whole numbers of euros", "[french]") {
  CHECK(parse_euros_integer("1234") == 1234);
  CHECK(parse_euros_integer("1 234") == 1234);
  CHECK(parse_euros_integer("1\u00A0234") == 1234);
  CHECK(parse_euros_integer("1\u202F234") == 1234);
  CHECK(parse_euros_integer("1 234,00") == 1234);
  CHECK(parse_euros_integer("1234.00") == 1234);
  CHECK(parse_euros_integer("1234,0") == 1234);
  CHECK(parse_euros_integer("1 234,00 €") == 1234);
  CHECK(parse_euros_integer("1234€") == 1234);
  CHECK(parse_euros_integer("1234 EUR") == 1234);
  CHECK(parse_euros_integer(" 0 ") == 0);
  CHECK(parse_euros_integer("1 234 567") == 1234567);
  CHECK(parse_euros_integer("999999999") == 999999999);
}

TEST_CASE("quotients with a fraction, a sign or an ambiguous mark are refused", "[french]") {
  for (const auto* spelling : {"12,5",   "12.50",    "1234,001", "1.234", "1,234",      "1.000", "12 34",  "1234 567",
                               "1  234", "1 234 56", "-12",      "+12",   "12-",        "abc",   "12 abc", "1234,",
                               "1234.",  ",00",      "€",        "1e3",   "1234567890", "=1234"}) {
    INFO(spelling);
    CHECK_FALSE(parse_euros_integer(spelling));
  }
  // Blank is nullopt too: the import tells it apart with is_blank before calling.
  CHECK_FALSE(parse_euros_integer(""));
  CHECK_FALSE(parse_euros_integer("  "));
}
