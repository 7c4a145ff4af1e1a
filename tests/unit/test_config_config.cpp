#include <catch2/catch.hpp>

#include <map>

#include "config/config.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"

using namespace imuse;

namespace {

struct Env {
  std::map<std::string, std::string> vars;
  std::function<std::optional<std::string>(const std::string&)> fn() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      return it == vars.end() ? std::nullopt : std::optional(it->second);
    };
  }
};

ConfigInputs inputs_for(const Env& env, const std::string& file = "") {
  ConfigInputs in;
  in.getenv = env.fn();
  in.search_path = {"/nonexistent/imuse-admin.yaml"};
  if (!file.empty()) {
    in.config_file = file;
  }
  return in;
}

std::string config_error(const ConfigInputs& in) {
  try {
    load_config(in);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("defaults apply when nothing is configured", "[config]") {
  Env env;
  const Config c = load_config(inputs_for(env));
  CHECK(c.file().empty());
  CHECK(c.get("mail.transport") == "maildir");
  CHECK(c.get("mail.smtp.port") == "587");
  CHECK(c.setting("mail.smtp.port").source == ValueSource::default_value);
  CHECK(describe_source(c.setting("mail.smtp.port")) == "default");
  CHECK(c.display("database.url") == "(libpq defaults)");
}

TEST_CASE("command line beats environment beats file", "[config]") {
  TempDir dir;
  const auto file = dir.write("c.yaml", "database:\n  url: postgresql://file@db/imuse\nsite: mantes\n");
  Env env;
  SECTION("file only") {
    const Config c = load_config(inputs_for(env, file));
    CHECK(c.get("database.url") == "postgresql://file@db/imuse");
    CHECK(c.setting("database.url").source == ValueSource::file);
    CHECK(c.setting("database.url").origin == file + ":2:8");
    CHECK(c.get("site") == "MANTES");  // site codes are upper case
  }
  SECTION("IMUSE_ADMIN_DATABASE_URL beats the file") {
    env.vars["IMUSE_ADMIN_DATABASE_URL"] = "postgresql://env@db/imuse";
    const Config c = load_config(inputs_for(env, file));
    CHECK(c.get("database.url") == "postgresql://env@db/imuse");
    CHECK(describe_source(c.setting("database.url")) == "environment IMUSE_ADMIN_DATABASE_URL");
  }
  SECTION("PG* variables beat the file, and libpq reads them itself") {
    env.vars["PGHOST"] = "/tmp";
    env.vars["PGDATABASE"] = "x";
    const Config c = load_config(inputs_for(env, file));
    CHECK(c.get("database.url").empty());
    CHECK(describe_source(c.setting("database.url")) == "environment PGHOST, PGDATABASE");
  }
  SECTION("--database beats everything") {
    env.vars["IMUSE_ADMIN_DATABASE_URL"] = "postgresql://env@db/imuse";
    auto in = inputs_for(env, file);
    in.database_url = "postgresql://cli@db/imuse";
    const Config c = load_config(in);
    CHECK(c.get("database.url") == "postgresql://cli@db/imuse");
    CHECK(describe_source(c.setting("database.url")) == "command line --database");
  }
}

TEST_CASE("the file is found through IMUSE_ADMIN_CONFIG, then the search path", "[config]") {
  TempDir dir;
  const auto a = dir.write("a.yaml", "mail:\n  from: a@example.fr\n");
  const auto b = dir.write("b.yaml", "mail:\n  from: b@example.fr\n");
  Env env;
  auto in = inputs_for(env);
  in.search_path = {(dir.path() / "missing.yaml").string(), b};
  CHECK(load_config(in).get("mail.from") == "b@example.fr");
  env.vars["IMUSE_ADMIN_CONFIG"] = a;
  CHECK(load_config(in).get("mail.from") == "a@example.fr");
  in.config_file = b;
  CHECK(load_config(in).get("mail.from") == "b@example.fr");
}

TEST_CASE("a missing --config file is a configuration error", "[config]") {
  Env env;
  CHECK(config_error(inputs_for(env, "/nonexistent/x.yaml")) ==
        "configuration file /nonexistent/x.yaml (from --config) does not exist or is not a file");
}

TEST_CASE("bad values name the file, line, key and what was expected", "[config]") {
  TempDir dir;
  Env env;
  SECTION("integer out of range") {
    const auto f = dir.write("c.yaml", "mail:\n  smtp:\n    port: smtp\n");
    CHECK(config_error(inputs_for(env, f)) ==
          f + ":3:11: mail.smtp.port: expected an integer from 1 to 65535, got \"smtp\"");
  }
  SECTION("choice") {
    const auto f = dir.write("c.yaml", "mail:\n  transport: pigeon\n");
    CHECK(config_error(inputs_for(env, f)) ==
          f + ":2:14: mail.transport: expected one of maildir, smtp, got \"pigeon\"");
  }
  SECTION("unknown key with a suggestion") {
    const auto f = dir.write("c.yaml", "mail:\n  tranport: smtp\n");
    CHECK(config_error(inputs_for(env, f)) ==
          f + ":2:3: unknown key 'mail.tranport' (did you mean 'mail.transport'?)");
  }
  SECTION("invalid YAML") {
    const auto f = dir.write("c.yaml", "mail: [\n");
    CHECK_THAT(config_error(inputs_for(env, f)), Catch::StartsWith(f + ":") && Catch::Contains("invalid YAML"));
  }
  SECTION("a list where a value was expected") {
    const auto f = dir.write("c.yaml", "school:\n  name: [a, b]\n");
    CHECK(config_error(inputs_for(env, f)) == f + ":2:9: school.name: expected a text value, got a list or mapping");
  }
  SECTION("SIRET") {
    const auto f = dir.write("c.yaml", "school:\n  siret: '1234'\n");
    CHECK_THAT(config_error(inputs_for(env, f)), Catch::Contains("school.siret: expected a SIRET number: 14 digits"));
  }
  SECTION("site with a bad portal URL") {
    const auto f = dir.write("c.yaml", "sites:\n  CONS1:\n    name: Conservatoire\n    portal_url: ftp://x\n");
    CHECK(config_error(inputs_for(env, f)) ==
          f + ":4:17: sites.CONS1.portal_url: expected an http:// or https:// URL, got \"ftp://x\"");
  }
}

TEST_CASE("sites and relative paths from the file", "[config]") {
  TempDir dir;
  const auto f = dir.write("etc/c.yaml",
                           "sites:\n  cons1:\n    name: Conservatoire 1\n    portal_url: https://x.fr/c1/\n"
                           "mail:\n  maildir: spool/mail\n");
  Env env;
  const Config c = load_config(inputs_for(env, f));
  REQUIRE(c.sites().size() == 1);
  CHECK(c.sites()[0].code == "CONS1");
  CHECK(c.sites()[0].name == "Conservatoire 1");
  CHECK(c.get("mail.maildir") == (dir.path() / "etc/spool/mail").string());
}

TEST_CASE("an empty file is an empty configuration", "[config]") {
  TempDir dir;
  Env env;
  const Config c = load_config(inputs_for(env, dir.write("c.yaml", "")));
  CHECK(c.get("mail.transport") == "maildir");
}

TEST_CASE("database passwords are masked for display", "[config]") {
  Env env;
  auto in = inputs_for(env);
  in.database_url = "postgresql://imuse:s3cret@db.example.fr:5432/imuse";
  CHECK(load_config(in).display("database.url") == "postgresql://imuse:***@db.example.fr:5432/imuse");
}

TEST_CASE("a bad site given on the command line is a usage error", "[config]") {
  Env env;
  auto in = inputs_for(env);
  in.site = "bad code!";
  CHECK_THROWS_AS(load_config(in), UsageError);
}

TEST_CASE("config check finds incomplete SMTP settings and missing files", "[config]") {
  TempDir dir;
  const auto f = dir.write("c.yaml",
                           "mail:\n  transport: smtp\n  from: office@example.fr\n  smtp:\n    username: office\n"
                           "school:\n  name: EMD\n  logo: logo.png\n");
  Env env;
  const Report r = check_config(load_config(inputs_for(env, f)));
  REQUIRE(r.rejected.size() == 3);
  CHECK_THAT(r.rejected[0].message, Catch::Contains("mail.smtp.host"));
  CHECK_THAT(r.rejected[1].message, Catch::Contains("password_file or mail.smtp.password_env"));
  CHECK_THAT(r.rejected[2].message, Catch::Contains("logo.png does not exist"));
  CHECK(r.exit_code() == 78);
}

TEST_CASE("config check accepts a complete configuration", "[config]") {
  TempDir dir;
  dir.write("logo.png", std::string("\x89PNG\r\n\x1a\n", 8) + "rest");
  const auto f = dir.write("c.yaml", "mail:\n  from: office@example.fr\nschool:\n  name: EMD\n  logo: logo.png\n");
  Env env;
  const Report r = check_config(load_config(inputs_for(env, f)));
  CHECK(r.rejected.empty());
  CHECK(r.warnings.empty());
  CHECK(r.exit_code() == 0);
}
