#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "temp_dir.hpp"
#include "treasury/pes.hpp"
#include "util/xml.hpp"

using namespace imuse;
using namespace imuse::treasury;

namespace {

FamilyIdentity lefevre() {
  FamilyIdentity f;
  f.ref = "F0001";
  f.civility = "MME";
  f.last_name = "Lefèvre";
  f.first_name = "Hélène";
  f.address1 = "12 rue de l'Église";
  f.address2 = "Bâtiment B, 2e étage";
  f.postal_code = "73200";
  f.city = "Albertville";
  return f;
}

PesFileHeader header() {
  PesFileHeader h;
  h.file_name = "PES_CONS1_2027_1.xml";
  h.sender_sigle = "EMD";
  h.sender_address = "1 place de la Mairie 73200 Albertville";
  h.date = Date{2027, 8, 1};
  h.id_post = "0730000";
  h.id_coll = "21999999200015";
  h.cod_col = "999";
  h.cod_bud = "01";
  h.libelle_col_bud = "Commune d'Albertville - budget principal";
  return h;
}

PesLine line(int number, Cents amount) {
  return PesLine{number, "Échéance " + std::to_string(number) + "/3 du 15/10/2026", "COTI", "7062", amount};
}

}  // namespace

TEST_CASE("pes_text: upper case, accents and ligatures spelled out, rejected characters replaced", "[treasury]") {
  CHECK(pes_text("Lefèvre", 38) == "LEFEVRE");
  CHECK(pes_text("Hélène", 38) == "HELENE");
  CHECK(pes_text("Œuvray", 38) == "OEUVRAY");
  CHECK(pes_text("cœur", 38) == "COEUR");
  CHECK(pes_text("Lætitia", 38) == "LAETITIA");
  CHECK(pes_text("Strauß", 38) == "STRAUSS");
  CHECK(pes_text("Łukasz Wąs", 38) == "LUKASZ WAS");
  CHECK(pes_text("Ștefan Țurcan", 38) == "STEFAN TURCAN");
  CHECK(pes_text("Ben Saïd", 38) == "BEN SAID");
  CHECK(pes_text("Ñúñez", 38) == "NUNEZ");
  // Apostrophes (typographic ones made ASCII), hyphens and a few signs stay; & is spelled out.
  CHECK(pes_text("D’Artagnan", 38) == "D'ARTAGNAN");
  CHECK(pes_text("Jean–Pierre", 38) == "JEAN-PIERRE");
  CHECK(pes_text("Dupont & Fils", 38) == "DUPONT ET FILS");
  CHECK(pes_text("Bât. C, 2/3 (rdc)", 38) == "BAT. C, 2/3 (RDC)");
  // <, >, quotes, semicolons... and white space (line breaks, tabs, no-break spaces) separate words.
  CHECK(pes_text("<script>\"x\";", 38) == "SCRIPT X");
  CHECK(pes_text("  12 rue de l'Église\nBâtiment B\t2e\u00a0étage  ", 160) == "12 RUE DE L'EGLISE BATIMENT B 2E ETAGE");
  CHECK(pes_text("Résidence « Les Tilleuls »", 38) == "RESIDENCE LES TILLEULS");
  // Letters of other scripts cannot be spelled: dropped.
  CHECK(pes_text("Zoé 李", 38) == "ZOE");
}

TEST_CASE("pes_text: cut to the schema's length, empty when nothing meaningful is left", "[treasury]") {
  const std::string long_name(300, 'a');
  CHECK(pes_text(long_name, 38) == std::string(38, 'A'));
  CHECK(pes_text("Élise Dupont-Lagarde de la Rochefoucauld-Montmorency", 38).size() <= 38);
  CHECK(pes_text("Élise Dupont-Lagarde de la Rochefoucauld-Montmorency", 38) ==
        "ELISE DUPONT-LAGARDE DE LA ROCHEFOUCAU");
  // No trailing space after the cut.
  CHECK(pes_text("abcdefghi jklmnop", 10) == "ABCDEFGHI");
  CHECK(pes_text("", 38).empty());
  CHECK(pes_text("   ", 38).empty());
  CHECK(pes_text(".", 38).empty());
  CHECK(pes_text("0000", 38).empty());
  CHECK(pes_text("李小龙", 38).empty());
  CHECK(pes_text("&", 38) == "ET");
  // Malformed UTF-8 is dropped, never written.
  CHECK(pes_text("Ab\xff\xfe"
                 "cd",
                 38) == "ABCD");
}

TEST_CASE("pes_amount: two decimals with a dot, positive only", "[treasury]") {
  CHECK(pes_amount(1) == "0.01");
  CHECK(pes_amount(41908) == "419.08");
  CHECK(pes_amount(123456789) == "1234567.89");
  CHECK(pes_amount(100) == "1.00");
  CHECK_THROWS(pes_amount(0));
  CHECK_THROWS(pes_amount(-5));
}

TEST_CASE("pes_civility: M and MME, never Mademoiselle", "[treasury]") {
  CHECK(pes_civility("M") == std::optional<std::string>("MR"));
  CHECK(pes_civility("MME") == std::optional<std::string>("MME"));
  CHECK_FALSE(pes_civility("MLLE"));
  CHECK_FALSE(pes_civility("Mademoiselle"));
  CHECK_FALSE(pes_civility(""));
}

TEST_CASE("pes_debtor: a complete family, and each field the treasury would refuse", "[treasury]") {
  const auto ok = pes_debtor(lefevre());
  CHECK(ok.problems.empty());
  CHECK(ok.debtor.civility == "MME");
  CHECK(ok.debtor.last_name == "LEFEVRE");
  CHECK(ok.debtor.first_name == "HELENE");
  CHECK(ok.debtor.adr2 == "12 RUE DE L'EGLISE");
  CHECK(ok.debtor.adr1 == "BATIMENT B, 2E ETAGE");
  CHECK(ok.debtor.postal_code == "73200");
  CHECK(ok.debtor.city == "ALBERTVILLE");
  CHECK(ok.debtor.country.empty());

  auto f = lefevre();
  f.first_name = "";
  auto r = pes_debtor(f);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].find("first name (Prenom) missing") != std::string::npos);

  f = lefevre();
  f.civility = "";
  f.address1 = f.address2 = "";
  f.postal_code = "7320";
  r = pes_debtor(f);
  REQUIRE(r.problems.size() == 3);
  CHECK(r.problems[0].find("civility (Civilite) missing") != std::string::npos);
  CHECK(r.problems[1].find("address (Adresse) missing") != std::string::npos);
  CHECK(r.problems[2].find("postal code (CP) \"7320\" is not 5 digits") != std::string::npos);

  f = lefevre();
  f.country_code = "BE";
  f.postal_code = "1000";
  f.city = "Bruxelles";
  r = pes_debtor(f);
  CHECK(r.problems.empty());
  CHECK(r.debtor.country == "131");
  CHECK(r.debtor.postal_code == "99999");
  CHECK(r.debtor.city == "1000 BRUXELLES");
  f.country_code = "JP";
  CHECK(pes_debtor(f).problems.size() == 1);
}

TEST_CASE("PesWriter: a small file validates against the PES V2 schema", "[treasury]") {
  TempDir dir;
  const auto path = (dir.path() / "PES_CONS1_2027_1.xml").string();
  {
    PesWriter w(path, "ISO-8859-1", header());
    w.begin_bordereau(PesBordereau{2027, 1, Date{2027, 8, 1}, 2, 41908 + 2500});
    w.begin_piece(PesPiece{1, "Facture FACT20262027000001 Cotisations 2026/2027"});
    const auto debtor = pes_debtor(lefevre()).debtor;
    w.line(line(1, 13970), debtor);
    w.line(line(2, 13969), debtor);
    w.line(line(3, 13969), debtor);
    w.end_piece();
    auto odd = lefevre();
    odd.last_name = "O'Brien & <Sœur> " + std::string(300, 'x');
    odd.first_name = "Zoë";
    odd.civility = "M";
    odd.address1 = std::string(300, 'y');
    odd.address2 = "";
    w.begin_piece(PesPiece{2, "Facture FACT20262027000002 Locations 2026/2027"});
    w.line(PesLine{1, "Échéance du 15/10/2026", "LOCA", "7083", 2500}, pes_debtor(odd).debtor);
    w.end_piece();
    w.end_bordereau();
    w.finish();
  }
  const auto problems = xml::validate_file(path, xml::kPesAllerSchema);
  INFO((problems.empty() ? std::string() : problems.front()));
  CHECK(problems.empty());
  const auto bytes = read_file_bytes(path);
  CHECK(bytes.find("encoding=\"ISO-8859-1\"") != std::string::npos);
  CHECK(bytes.find("<NbrPce V=\"2\"/>") != std::string::npos);
  CHECK(bytes.find("<MtBordHt V=\"444.08\"/>") != std::string::npos);
  CHECK(bytes.find("<Civilite V=\"MME\"/>") != std::string::npos);
  CHECK(bytes.find("<Civilite V=\"MR\"/>") != std::string::npos);
  CHECK(bytes.find("<Nom V=\"O'BRIEN ET SOEUR " + std::string(21, 'X') + "\"/>") != std::string::npos);
  CHECK(bytes.find("<MtHT V=\"139.70\"/>") != std::string::npos);
  // Every byte is ASCII: nothing depends on the encoding.
  CHECK(std::all_of(bytes.begin(), bytes.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
}

TEST_CASE("PesWriter: a file missing a mandatory value does not validate", "[treasury]") {
  TempDir dir;
  const auto path = (dir.path() / "bad.xml").string();
  {
    PesWriter w(path, "UTF-8", header());
    w.begin_bordereau(PesBordereau{2027, 1, Date{2027, 8, 1}, 1, 100});
    w.begin_piece(PesPiece{1, ""});
    auto debtor = pes_debtor(lefevre()).debtor;
    debtor.postal_code = "ABCDE";  // CP is digits only
    w.line(line(1, 100), debtor);
    w.end_piece();
    w.end_bordereau();
    w.finish();
  }
  CHECK_FALSE(xml::validate_file(path, xml::kPesAllerSchema).empty());
}

TEST_CASE("product codes and budget accounts", "[treasury]") {
  CHECK(is_pes_product_code("COTI"));
  CHECK(is_pes_product_code("L1"));
  CHECK_FALSE(is_pes_product_code("COTIS"));
  CHECK_FALSE(is_pes_product_code(""));
  CHECK_FALSE(is_pes_product_code("C-1"));
  CHECK(is_pes_nature("7062"));
  CHECK_FALSE(is_pes_nature("70A2"));
  CHECK_FALSE(is_pes_nature("0000"));
  CHECK_FALSE(is_pes_nature("1234567890123"));
}
