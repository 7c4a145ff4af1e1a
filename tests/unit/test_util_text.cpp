#include <catch2/catch.hpp>

#include "util/text.hpp"

using namespace imuse;

TEST_CASE("trim and case folding", "[text]") {
  CHECK(trim("  a b \t\r\n") == "a b");
  CHECK(trim("") == "");
  CHECK(ascii_upper("cons1-é") == "CONS1-é");
  CHECK(ascii_lower("MANTES") == "mantes");
}

TEST_CASE("split keeps empty fields and join reverses it", "[text]") {
  const auto parts = split("a;;b;", ';');
  REQUIRE(parts.size() == 4);
  CHECK(parts[1].empty());
  CHECK(join(parts, ";") == "a;;b;");
}

TEST_CASE("closest_match suggests a near key and nothing for a far one", "[text]") {
  const std::vector<std::string> keys{"mail.transport", "mail.from", "database.url"};
  CHECK(closest_match("mail.tranport", keys) == "mail.transport");
  CHECK(closest_match("databse.url", keys) == "database.url");
  CHECK(closest_match("school.name", keys).empty());
}

TEST_CASE("passwords are masked in URLs and keyword connection strings", "[text]") {
  CHECK(mask_conninfo_password("postgresql://u:p%40ss@h:5432/db") == "postgresql://u:***@h:5432/db");
  CHECK(mask_conninfo_password("postgres://u@h/db") == "postgres://u@h/db");
  CHECK(mask_conninfo_password("host=h password=secret dbname=x") == "host=h password=*** dbname=x");
  CHECK(mask_conninfo_password("host=h password='a b' dbname=x") == "host=h password=*** dbname=x");
  CHECK(mask_conninfo_password("postgresql://h/db?user=u&password=secret") == "postgresql://h/db?user=u&password=***");
}

TEST_CASE("portal URLs must be http(s) with a host", "[text]") {
  CHECK(is_http_url("https://www.imuse-saiga17.fr/arlysere/extranet/extranet2/portail_nc.php?p=nc_connexion&t=usager"));
  CHECK(is_http_url("http://localhost:8080/"));
  CHECK_FALSE(is_http_url("ftp://x.fr/"));
  CHECK_FALSE(is_http_url("https://"));
  CHECK_FALSE(is_http_url("https://x.fr/a b"));
}
