#include <catch2/catch.hpp>
#include <string>

#include "accounts/identifiers.hpp"
#include "util/error.hpp"

using namespace imuse;

namespace {

IdentifierFields family(std::string last, std::string first, std::string ref = "F0001", std::int64_t id = 42,
                        std::string site = "CONS1", std::int64_t seq = 7) {
  return IdentifierFields{std::move(last), std::move(first), std::move(ref), id, std::move(site), seq};
}

std::string render(const std::string& pattern, const IdentifierFields& fields) {
  return IdentifierPattern(pattern).render(fields);
}

}  // namespace

TEST_CASE("the default pattern folds names to lower-case ASCII", "[identifiers]") {
  CHECK(render("{nom}.{prenom}", family("Lefèvre", "Hélène")) == "lefevre.helene");
  CHECK(render("{nom}.{prenom}", family("Œuvray", "François")) == "oeuvray.francois");
  CHECK(render("{nom}.{prenom}", family("Dupré-Lagarde", "Jean-Baptiste")) == "dupre-lagarde.jean-baptiste");
  CHECK(render("{nom}.{prenom}", family("Ben Saïd", "Leïla")) == "ben-said.leila");
  CHECK(render("{nom}.{prenom}", family("D'Almeida", "Inês")) == "d-almeida.ines");
  CHECK(render("{nom}.{prenom}", family("L’Hôpital", "Ægir")) == "l-hopital.aegir");
  CHECK(render("{nom}.{prenom}", family("Straße", "Nguyễn")) == "strasse.nguyen");
  CHECK(render("{nom}.{prenom}", family("  DA   COSTA ", "Zoé")) == "da-costa.zoe");
}

TEST_CASE("characters without an ASCII form are dropped and separators collapse", "[identifiers]") {
  CHECK(render("{nom}.{prenom}", family("Ψ Smith", "Anne")) == "smith.anne");
  CHECK(render("{nom}.{prenom}", family("J.-B. (fils)", "Paul")) == "j-b-fils.paul");
  CHECK(render("{nom}..{prenom}", family("Martin", "Paul")) == "martin.paul");
  CHECK(render("{nom}.{prenom}", family("Martin", "")) == "martin");
  CHECK(render("{prenom}.{nom}", family("Martin", "")) == "martin");
  CHECK(render("--{nom}--", family("Martin", "")) == "martin");
}

TEST_CASE("an identifier that nothing fills is empty, never invented", "[identifiers]") {
  CHECK(render("{prenom}", family("Martin", "")).empty());
  CHECK(render("{prenom}", family("Martin", "Ψ")).empty());
  CHECK(render("{ref}", family("Martin", "Paul", "")).empty());
  CHECK(render(".-_", family("Martin", "Paul")).empty());
}

TEST_CASE("every placeholder of the pattern", "[identifiers]") {
  const auto f = family("Martin", "Paul", "F-0001", 42, "CONS1", 7);
  CHECK(render("{ref}", f) == "f-0001");
  CHECK(render("{id}", f) == "42");
  CHECK(render("{site}-{id}", f) == "cons1-42");
  CHECK(render("{site}{seq:5}", f) == "cons100007");
  CHECK(render("fam{seq}", f) == "fam7");
  CHECK(render("{seq:2}", family("a", "b", "", 1, "X", 12345)) == "12345");
  CHECK(render("{Nom}.{Prénom}", f) == "martin.paul");
  CHECK(render("Famille {NOM}@École", f) == "famille-martin@ecole");
  CHECK(IdentifierPattern("{site}{seq:5}").uses_sequence());
  CHECK_FALSE(IdentifierPattern("{nom}.{prenom}").uses_sequence());
}

TEST_CASE("an unknown placeholder or a broken pattern is a configuration error naming it", "[identifiers]") {
  CHECK_THROWS_AS(IdentifierPattern("{nom}.{surname}"), ConfigError);
  CHECK_THROWS_WITH(IdentifierPattern("{nom}.{surname}"), Catch::Contains("{surname}"));
  CHECK_THROWS_WITH(IdentifierPattern("{nom}.{prenom"), Catch::Contains("no closing"));
  CHECK_THROWS_WITH(IdentifierPattern("{nom:3}"), Catch::Contains("only {seq:N}"));
  CHECK_THROWS_AS(IdentifierPattern("{seq:0}"), ConfigError);
  CHECK_THROWS_AS(IdentifierPattern("{seq:x}"), ConfigError);
  CHECK_THROWS_AS(IdentifierPattern("{seq:21}"), ConfigError);
  CHECK_THROWS_AS(IdentifierPattern("{}"), ConfigError);
}

TEST_CASE("identifiers stay within 64 characters and pass the database check", "[identifiers]") {
  const std::string longname(80, 'x');
  const std::string id = render("{nom}.{prenom}", family(longname, "Paul"));
  CHECK(id == std::string(64, 'x'));
  const std::string cut = render("{nom}.{prenom}", family(std::string(63, 'y'), "Paul"));
  CHECK(cut == std::string(63, 'y'));  // the cut leaves "yyy.", whose trailing '.' goes
  for (const auto& f : {family("Lefèvre", "Hélène"), family(longname, "Paul"), family("Ψ Smith", "Anne")}) {
    CHECK(is_valid_identifier(render("{nom}.{prenom}", f)));
  }
  CHECK(is_valid_identifier("martin.paul+2@x"));
  CHECK_FALSE(is_valid_identifier(""));
  CHECK_FALSE(is_valid_identifier(".martin"));
  CHECK_FALSE(is_valid_identifier("martin paul"));
  CHECK_FALSE(is_valid_identifier("hélène"));
  CHECK_FALSE(is_valid_identifier(std::string(65, 'a')));
}

TEST_CASE("uniqueness suffixes", "[identifiers]") {
  CHECK(identifier_with_suffix("martin.paul", 2) == "martin.paul2");
  CHECK(identifier_with_suffix("martin.paul", 13) == "martin.paul13");
  CHECK(identifier_with_suffix("f0001", 2) == "f0001-2");
  const std::string full(64, 'z');
  CHECK(identifier_with_suffix(full, 2) == std::string(63, 'z') + "2");
  CHECK(identifier_with_suffix(full, 10).size() == 64);
  CHECK(identifier_with_suffix(std::string(62, 'z') + ".9", 3) == std::string(62, 'z') + "3");
  CHECK(is_valid_identifier(identifier_with_suffix(std::string(63, 'a') + "1", 99)));
}
