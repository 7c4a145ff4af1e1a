#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "sepa/iban.hpp"
#include "sepa/pain008.hpp"
#include "temp_dir.hpp"
#include "util/xml.hpp"

using namespace imuse;
using namespace imuse::sepa;

namespace {

// The IBAN with one character changed: same country and length, broken check digits.
std::string mistyped(std::string iban, std::size_t pos) {
  char& c = iban[pos];
  c = c == '9' ? '0' : (c == 'Z' ? 'A' : static_cast<char>(c + 1));
  return iban;
}

}  // namespace

TEST_CASE("IBAN check digits of published example IBANs", "[sepa]") {
  // The example IBANs of the national banks and of the SWIFT IBAN registry (ISO 13616).
  const char* examples[] = {
      "FR14 2004 1010 0505 0001 3M02 606",  // France (registry example, letters in the account)
      "FR76 3000 6000 0112 3456 7890 189",  // France (Société Générale example)
      "DE89 3704 0044 0532 0130 00",        // Germany
      "GB29 NWBK 6016 1331 9268 19",        // United Kingdom
      "BE68 5390 0754 7034",                // Belgium
      "IT60 X054 2811 1010 0000 0123 456",  // Italy
      "ES91 2100 0418 4502 0005 1332",      // Spain
      "NL91 ABNA 0417 1643 00",             // Netherlands
      "CH93 0076 2011 6238 5295 7",         // Switzerland
      "AT61 1904 3002 3457 3201",           // Austria
      "LU28 0019 4006 4475 0000",           // Luxembourg
      "PT50 0002 0123 1234 5678 9015 4",    // Portugal
      "MC58 1122 2000 0101 2345 6789 030",  // Monaco
  };
  for (const char* example : examples) {
    const std::string iban = normalize_account_id(example);
    INFO(iban);
    CHECK_FALSE(iban_problem(iban));
    CHECK(iban_is_valid(iban));
    for (std::size_t pos : {std::size_t{2}, std::size_t{5}, iban.size() - 1}) {
      const auto problem = iban_problem(mistyped(iban, pos));
      REQUIRE(problem);
      CHECK_THAT(*problem, Catch::Contains("check digits"));
    }
  }
}

TEST_CASE("IBAN normal form, length per country, SEPA countries", "[sepa]") {
  CHECK(normalize_account_id(" fr76 3000-6000\u00a00112 3456 7890 189 ") == "FR7630006000011234567890189");
  CHECK(normalize_account_id("bdfe frpp cct") == "BDFEFRPPCCT");
  CHECK(sepa_iban_length("FR") == 27);
  CHECK(sepa_iban_length("DE") == 22);
  CHECK(sepa_iban_length("NO") == 15);
  CHECK(sepa_iban_length("MT") == 31);
  CHECK(sepa_iban_length("US") == 0);

  // One character short or long: the length is named, not the check digits.
  const auto short_fr = iban_problem("FR763000600001123456789018");
  REQUIRE(short_fr);
  CHECK_THAT(*short_fr, Catch::Contains("26 characters") && Catch::Contains("FR IBAN has 27"));
  const auto long_de = iban_problem("DE893704004405320130000");
  REQUIRE(long_de);
  CHECK_THAT(*long_de, Catch::Contains("DE IBAN has 22"));
  // A valid Brazilian IBAN (registry example) is no SEPA account.
  const auto brazil = iban_problem("BR1800360305000010009795493C1");
  REQUIRE(brazil);
  CHECK_THAT(*brazil, Catch::Contains("not a SEPA country"));
  CHECK(iban_problem(""));
  CHECK(iban_problem("FR76 3000"));  // not in normal form
  CHECK(iban_problem("7630006000011234567890189FR"));
  // The messages never repeat the IBAN: they end up in logs.
  CHECK_THAT(*iban_problem(mistyped("FR7630006000011234567890189", 10)), !Catch::Contains("30006"));
}

TEST_CASE("IBAN masking shows only the last 4 characters", "[sepa]") {
  const std::string masked = mask_iban("FR7630006000011234567890189");
  CHECK(masked == "\u20260189");
  CHECK(masked.find("FR76") == std::string::npos);
  CHECK(masked.find("3000") == std::string::npos);
  CHECK(mask_iban("BE68539007547034") == "\u20267034");
}

TEST_CASE("BIC format", "[sepa]") {
  CHECK(bic_is_valid("BDFEFRPPCCT"));
  CHECK(bic_is_valid("PSSTFRPP"));
  CHECK(bic_is_valid("COBADEFFXXX"));
  CHECK(bic_is_valid("GKCCBEBB"));
  CHECK_FALSE(bic_is_valid(""));
  CHECK_FALSE(bic_is_valid("BDFEFRPPC"));    // 9 characters
  CHECK_FALSE(bic_is_valid("BDF1FRPPCCT"));  // digit in the bank code
  CHECK_FALSE(bic_is_valid("BDFEF1PPCCT"));  // digit in the country
  CHECK_FALSE(bic_is_valid("BDFEFR1PCCT"));  // location may not start with 0 or 1
  CHECK_FALSE(bic_is_valid("BDFEFRPO"));     // second location character O: a test BIC
  CHECK_FALSE(bic_is_valid("bdfefrppcct"));  // not in normal form
}

TEST_CASE("Creditor identifier (ICS) check digits", "[sepa]") {
  // Published identifiers: the DGFiP's ICS (prélèvement des impôts), the Deutsche Bundesbank's
  // example creditor identifier, and the example of the configuration.
  CHECK_FALSE(creditor_id_problem("FR46ZZZ005002"));
  CHECK_FALSE(creditor_id_problem("DE98ZZZ09999999999"));
  CHECK_FALSE(creditor_id_problem("FR72ZZZ123456"));
  // The business code is not part of the check.
  CHECK_FALSE(creditor_id_problem("FR72ABC123456"));
  const auto wrong = creditor_id_problem("FR73ZZZ123456");
  REQUIRE(wrong);
  CHECK_THAT(*wrong, Catch::Contains("check digits") && Catch::Contains("expected 72"));
  CHECK(creditor_id_problem("FR46ZZZ005003"));
  const auto short_fr = creditor_id_problem("FR72ZZZ12345");
  REQUIRE(short_fr);
  CHECK_THAT(*short_fr, Catch::Contains("13"));
  CHECK(creditor_id_problem("FR72-ZZZ-123456"));
  CHECK(creditor_id_problem("ZZZ123456"));
}

TEST_CASE("Mandate reference (RUM) character set and generation", "[sepa]") {
  CHECK(rum_is_valid("EMD-F0005-1"));
  CHECK(rum_is_valid("RUM-LEF/2026"));
  CHECK(rum_is_valid("A b?:().,'+-/"));
  CHECK(rum_is_valid(std::string(35, 'X')));
  CHECK_FALSE(rum_is_valid(std::string(36, 'X')));
  CHECK_FALSE(rum_is_valid(""));
  CHECK_FALSE(rum_is_valid("   "));
  CHECK_FALSE(rum_is_valid("RUM_1"));
  CHECK_FALSE(rum_is_valid("RUM#1"));
  CHECK_FALSE(
      rum_is_valid("R\xc3\xa9"
                   "f-1"));  // é

  CHECK(generated_rum("EMD", "F0005", 1) == "EMD-F0005-1");
  CHECK(generated_rum("IMUSE", "F0005", 12) == "IMUSE-F0005-12");
  CHECK(generated_rum("EMD",
                      "R\xc3\xa9"
                      "f 12/A",
                      2) == "EMD-Ref12A-2");
  CHECK(generated_rum("", "F0005", 1) == "F0005-1");
  const std::string long_ref(60, 'Q');
  const std::string rum = generated_rum("EMD", long_ref, 123);
  CHECK(rum.size() == 35);
  CHECK(rum_is_valid(rum));
  CHECK(rum.substr(rum.size() - 4) == "-123");
  for (const auto& [prefix, ref] : {std::pair{"EMD", "F0001"}, std::pair{"Pré fixe&", "Œuvre d'art_7"},
                                    std::pair{"X", "\xce\x95\xce\xbb\xce\xad\xce\xbd\xce\xb7"}}) {
    INFO(prefix << " " << ref);
    CHECK(rum_is_valid(generated_rum(prefix, ref, 1)));
  }
}

TEST_CASE("SEPA Latin subset: transliteration of names", "[sepa]") {
  CHECK(sepa_text("H\xc3\xa9l\xc3\xa8ne Lef\xc3\xa8vre-\xc5\x92uvray & Cie", 70) == "Helene Lefevre-OEuvray + Cie");
  CHECK(sepa_text("L\xe2\x80\x99Ha\xc3\xbf-les-Roses", 70) == "L'Hay-les-Roses");
  CHECK(sepa_text("Stra\xc3\x9f"
                  "e",
                  70) == "Strasse");
  CHECK(sepa_text("\xc5\x81\xc3\xb3"
                  "d\xc5\xba",
                  70) == "Lodz");
  CHECK(sepa_text("\xc8\x98tefan \xc3\x86sa", 70) == "Stefan AEsa");
  CHECK(sepa_text("<Dupont>  \"Jean\"\xc2\xa0\xc2\xa0Pierre", 70) == "Dupont 'Jean' Pierre");
  CHECK(sepa_text("Jean\xe2\x80\x93Pierre_Martin", 70) == "Jean-Pierre-Martin");
  CHECK(sepa_text("\xce\x95\xce\xbb\xce\xad\xce\xbd\xce\xb7", 70).empty());  // Greek: nothing to keep
  CHECK(sepa_text("Caf\xe9", 70) == "Cafe");                                 // Latin-1 byte, not UTF-8
  CHECK(sepa_text("a\tb\nc", 70) == "a b c");
  // Cut to the limit, without a trailing space.
  const std::string long_name = sepa_text(std::string(69, 'A') + " B" + std::string(10, 'C'), 70);
  CHECK(long_name == std::string(69, 'A'));
  CHECK(sepa_text(std::string(200, 'x'), 140).size() == 140);
  for (char c : sepa_text("Ça coûte 10 € — 100 % «garanti» ½ ñ ø å ü @ #", 200)) {
    INFO(c);
    CHECK(is_sepa_id_char(c));
  }
}

TEST_CASE("pain.008 writer: valid file, sums checked against the declaration", "[sepa]") {
  TempDir dir;
  const std::string path = (dir.path() / "prlv.xml").string();
  Creditor creditor{
      "R\xc3\xa9gie de l'\xc3\xa9"
      "cole de musique & de danse <EMD>",
      "FR7630006000011234567890189", "BDFEFRPPCCT", "FR72ZZZ123456"};
  Pain008Header header{"PRLV20261001120000-1", "2026-10-01T12:00:00", "2026-10-05", 3, 7247 + 7241 + 12345};
  {
    Pain008Writer w(path, creditor, header);
    w.begin_block("FRST", 2, 7247 + 7241);
    w.add(DirectDebit{"S1-FACT20262027000005-01-1", 7247, "EMD-F0005-1", "2026-09-01", "PSSTFRPPXXX",
                      "Dupr\xc3\xa9-Lagarde & Fils <test>", "FR1420041010050500013M02606",
                      "Facture FACT20262027000005 echeance 1"});
    w.add(DirectDebit{"S1-FACT20262027000001-01-1", 7241, "RUM-LEF/2026", "2026-09-01", "", std::string(120, 'N'),
                      "DE89370400440532013000", "Facture FACT20262027000001 echeance 1"});
    w.begin_block("RCUR", 1, 12345);
    w.add(DirectDebit{"S2-FACT20262027000001-02-1", 12345, "EMD-M0101-1", "2026-08-30", "GKCCBEBB",
                      "\xce\x95\xce\xbb\xce\xad\xce\xbd\xce\xb7", "BE68539007547034", "Facture"});
    w.finish();
  }
  CHECK(xml::validate_file(path, xml::kPain008Schema).empty());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string xml = text.str();
  CHECK_THAT(xml, Catch::Contains("<CtrlSum>268.33</CtrlSum>"));
  CHECK_THAT(xml, Catch::Contains("<NbOfTxs>2</NbOfTxs>"));
  CHECK_THAT(xml, Catch::Contains("<SeqTp>FRST</SeqTp>"));
  CHECK_THAT(xml, Catch::Contains("<ReqdColltnDt>2026-10-05</ReqdColltnDt>"));
  CHECK_THAT(xml, Catch::Contains("<Nm>Regie de l'ecole de musique + de danse EMD</Nm>"));
  CHECK_THAT(xml, Catch::Contains("<Nm>Dupre-Lagarde + Fils test</Nm>"));
  CHECK_THAT(xml, Catch::Contains("<Nm>" + std::string(70, 'N') + "</Nm>"));
  CHECK_THAT(xml, Catch::Contains("<Id>NOTPROVIDED</Id>"));
  CHECK_THAT(xml, Catch::Contains("<InstdAmt Ccy=\"EUR\">123.45</InstdAmt>"));

  // A block that holds other than what it declared is a bug: the file must not be handed over.
  const std::string bad = (dir.path() / "bad.xml").string();
  Pain008Writer w(bad, creditor, Pain008Header{"M-2", "2026-10-01T12:00:00", "2026-10-05", 1, 100});
  w.begin_block("FRST", 1, 100);
  w.add(DirectDebit{"E-1", 99, "R-1", "2026-09-01", "", "X", "BE68539007547034", "F"});
  CHECK_THROWS_AS(w.finish(), std::logic_error);
}
