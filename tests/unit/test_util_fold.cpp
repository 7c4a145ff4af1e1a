#include <catch2/catch.hpp>

#include "util/fold.hpp"

using namespace imuse;

TEST_CASE("fold_text lower-cases, removes accents and collapses punctuation", "[fold]") {
  CHECK(fold_text("  Jean-Pierre  L’HÔPITAL ") == "jean pierre l hopital");
  CHECK(fold_text("Hélène") == "helene");
  CHECK(fold_text("ÉLODIE D'ALMEIDA") == "elodie d almeida");
  CHECK(fold_text("François-Xavier") == "francois xavier");
  CHECK(fold_text("Noël Müller") == "noel muller");
  CHECK(fold_text("Ève-Marie Aïcha") == "eve marie aicha");
  CHECK(fold_text("Ñúñez Ørsted Åsa") == "nunez orsted asa");
  CHECK(fold_text("Chorale 1er cycle") == "chorale 1er cycle");
  CHECK(fold_text("") == "");
  CHECK(fold_text(" \t-- ") == "");
}

TEST_CASE("fold_text expands ligatures and sharp s", "[fold]") {
  CHECK(fold_text("Œuvre cœur") == "oeuvre coeur");
  CHECK(fold_text("Lætitia ÆSOP") == "laetitia aesop");
  CHECK(fold_text("Straße STRAẞE") == "strasse strasse");
  CHECK(fold_text("ﬁnal ﬂûte ﬀ ﬃ ﬄ") == "final flute ff ffi ffl");
  CHECK(fold_text("Þór ĳssel") == "thor ijssel");
}

TEST_CASE("fold_text treats typographic quotes, dashes and spaces as punctuation", "[fold]") {
  CHECK(fold_text("« Guitare A »") == "guitare a");
  CHECK(fold_text("l‘orgue – le piano — la harpe") == "l orgue le piano la harpe");
  CHECK(fold_text("d\u02BCArc") == "d arc");
  CHECK(fold_text("1\u00A0234\u202F567") == "1 234 567");
  CHECK(fold_text("N° 12 …") == "n 12");
  CHECK(fold_text("a\u2009b\u3000c") == "a b c");
  CHECK(fold_text("10 € × 2") == "10 2");
}

TEST_CASE("fold_text folds Latin Extended-A, Romanian and Vietnamese letters", "[fold]") {
  CHECK(fold_text("Łukasz Wałęsa") == "lukasz walesa");
  CHECK(fold_text("Dvořák Čapek Šťastný Žižka") == "dvorak capek stastny zizka");
  CHECK(fold_text("Ştefan Ţiriac Ștefan Țiriac") == "stefan tiriac stefan tiriac");
  CHECK(fold_text("Gökçe Ağaoğlu İlhan ılık") == "gokce agaoglu ilhan ilik");
  CHECK(fold_text("Nguyễn Thị Hồng Phương") == "nguyen thi hong phuong");
  CHECK(fold_text("Đặng Trần") == "dang tran");
  CHECK(fold_text("ĀĂĄāăą ŸŷŶ ſ") == "aaaaaa yyy s");
}

TEST_CASE("fold_text drops combining accents of decomposed text without splitting words", "[fold]") {
  // "Hélène" as macOS writes it: e followed by U+0301, U+0300.
  CHECK(fold_text("He\u0301le\u0300ne") == "helene");
  CHECK(fold_text("Zoe\u0308") == "zoe");
  // Soft hyphen, zero-width space and BOM are invisible.
  CHECK(fold_text("\xEF\xBB\xBFJean\u00ADne\u200Bton") == "jeanneton");
}

TEST_CASE("fold_text keeps other letters, lower-casing Greek and Cyrillic capitals", "[fold]") {
  CHECK(fold_text("ΣΩΚΡΑΤΗΣ") == "σωκρατησ");
  CHECK(fold_text("ИВАНОВ Ёлка") == "иванов ёлка");
  CHECK(fold_text("王 芳") == "王 芳");
  // Distinct foreign names never fold alike.
  CHECK(fold_key("王芳") != fold_key("李娜"));
  CHECK(fold_text("Ｊｅａｎ") == "jean");
  CHECK(fold_text("Marie 🎻 Violon") == "marie violon");
}

TEST_CASE("fold_text reads bytes that are not UTF-8 as Windows-1252", "[fold]") {
  CHECK(fold_text("H\xE9l\xE8ne") == "helene");
  CHECK(fold_text("\x8Cuvre c\x9Cur") == "oeuvre coeur");
  CHECK(fold_text("l\x92orgue") == "l orgue");
  // Truncated and overlong sequences fall back byte by byte, never reading past the end.
  CHECK(fold_text("caf\xC3") == "cafa");
  CHECK(fold_text("\xC0\xAF") == "a");
}

TEST_CASE("fold_key removes every space and punctuation mark", "[fold]") {
  CHECK(fold_key("Réf. famille") == "reffamille");
  CHECK(fold_key("E-mail") == "email");
  CHECK(fold_key("Tél domicile") == "teldomicile");
  CHECK(fold_key("Œuvre") == "oeuvre");
  CHECK(fold_key("Élève  prénom") == "eleveprenom");
  CHECK(fold_key("Établissement scolaire") == "etablissementscolaire");
  CHECK(fold_key("Personne à prévenir") == "personneaprevenir");
  CHECK(fold_key("CODE_POSTAL") == "codepostal");
  CHECK(fold_key("\xEF\xBB\xBFRéf famille") == "reffamille");
  CHECK(fold_key("Quotient\u00A0familial") == "quotientfamilial");
  CHECK(fold_key("  ") == "");
}

TEST_CASE("portal headers match whatever the office did to case, accents and punctuation", "[fold]") {
  CHECK(fold_key("REF FAMILLE") == fold_key("Réf famille"));
  CHECK(fold_key("tel. pro") == fold_key("Tél pro"));
  CHECK(fold_key("Date de naissance") == fold_key("date_de_naissance"));
  CHECK(fold_key("Code socio-professionnel") == fold_key("CODE SOCIO PROFESSIONNEL"));
  CHECK(fold_key("Élève civilité") == fold_key("eleve civilite"));
  CHECK(fold_key("Tél urgence") != fold_key("Tél domicile"));
}

TEST_CASE("is_blank and trim_blank know no-break spaces", "[fold]") {
  CHECK(is_blank(""));
  CHECK(is_blank(" \t\r\n"));
  CHECK(is_blank("\u00A0\u202F\u2009 "));
  CHECK(is_blank("\xEF\xBB\xBF"));
  CHECK_FALSE(is_blank("a"));
  CHECK_FALSE(is_blank("\u00A0-\u00A0"));
  CHECK(trim_blank("\u00A0 06 12\u00A034 \u202F") == "06 12\u00A034");
  CHECK(trim_blank("é") == "é");
  CHECK(trim_blank("  x") == "x");
  CHECK(trim_blank("") == "");
}

TEST_CASE("space_length_at measures one space character", "[fold]") {
  const std::string_view text = "a \u00A0\u202Fb";
  CHECK(space_length_at(text, 0) == 0);
  CHECK(space_length_at(text, 1) == 1);
  CHECK(space_length_at(text, 2) == 2);
  CHECK(space_length_at(text, 4) == 3);
  CHECK(space_length_at(text, 7) == 0);
  CHECK(space_length_at(text, 8) == 0);
}
