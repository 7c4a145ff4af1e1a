// Mail templates: built-in French copies, override folders, escaping rules, errors.
#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "mail/templates.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"

using namespace imuse;
using namespace imuse::mail;

namespace {

Config config_with_templates(const TempDir& dir, const std::string& folder) {
  ConfigInputs in;
  in.getenv = [](const std::string&) { return std::optional<std::string>(); };
  in.search_path = {"/nonexistent/imuse-admin.yaml"};
  in.config_file = dir.write("imuse-admin.yaml", "mail:\n  templates: " + folder + "\n");
  return load_config(in);
}

nlohmann::json variables() {
  return {
      {"school",
       {{"name", "École de musique"},
        {"email", "secretariat@emd.example.fr"},
        {"phone", "01 99 00 12 34"},
        {"website", "https://www.example.fr/emd/"}}},
      {"site",
       {{"code", "CONS1"}, {"name", "Conservatoire 1"}, {"portal_url", "https://portail.example.fr/p?a=1&t=usager"}}},
      {"family", {{"civility", "Madame"}, {"last_name", "ŒUVRAY"}, {"first_name", "Zoé"}, {"ref", "F0001"}}},
      {"account", {{"identifier", "oeuvray.zoe"}}},
      {"password", "Gh7&k<Pq\"2'x"},
  };
}

std::string error_of(const Config& config, const std::string& name, const std::string& site = "") {
  try {
    render_template(config, name, site, variables());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("render_template: built-in identifier template", "[mail]") {
  const auto r = render_template(default_config(), "identifier", "CONS1", variables());
  CHECK(r.subject == "Votre identifiant pour l'extranet usagers – École de musique");
  CHECK(contains(r.text, "Bonjour Madame ŒUVRAY,\n"));
  CHECK(contains(r.text, "Identifiant : oeuvray.zoe\n"));
  CHECK(contains(r.text, "Site : Conservatoire 1\n"));
  CHECK(contains(r.text, "https://portail.example.fr/p?a=1&t=usager"));
  CHECK(contains(r.text, "Mot de passe perdu"));
  CHECK(contains(
      r.html,
      "<strong style=\"font-family: 'Courier New', Courier, monospace; font-size: 17px;\">oeuvray.zoe</strong>"));
  CHECK(contains(r.html, "href=\"https://portail.example.fr/p?a=1&amp;t=usager\""));
  CHECK_FALSE(contains(r.text, "{{"));
  CHECK_FALSE(contains(r.html, "{{"));

  auto vars = variables();
  vars["family"]["civility"] = "";
  vars["school"]["phone"] = nullptr;
  const auto plain = render_template(default_config(), "identifier", "", vars);
  CHECK(plain.text.rfind("Bonjour,\n", 0) == 0);
  CHECK_FALSE(contains(plain.text, "Tél."));
}

TEST_CASE("render_template: password templates give the password and say the old one is dead", "[mail]") {
  for (const std::string name : {"password", "password_reset"}) {
    INFO(name);
    const auto r = render_template(default_config(), name, "", variables());
    CHECK_FALSE(r.subject.empty());
    CHECK(r.subject.find('\n') == std::string::npos);
    CHECK(contains(r.text, "Mot de passe : Gh7&k<Pq\"2'x\n"));
    CHECK(contains(r.text, "Identifiant : oeuvray.zoe"));
    CHECK(contains(r.text, "ne fonctionne plus"));
    CHECK(contains(r.text, "ne le communiquez à personne"));
  }
  CHECK(contains(render_template(default_config(), "password", "", variables()).html, "Gh7&amp;k&lt;Pq&quot;2&apos;x"));
  CHECK(render_template(default_config(), "password_reset", "", variables()).html.empty());
  CHECK(contains(render_template(default_config(), "password_reset", "", variables()).text, "à votre demande"));
}

TEST_CASE("render_template: text and subject are not HTML-escaped, HTML is", "[mail]") {
  auto vars = variables();
  vars["school"]["name"] = "Musique & Danse <Mantes> \"l'école\"";
  const auto r = render_template(default_config(), "identifier", "", vars);
  CHECK(contains(r.subject, "Musique & Danse <Mantes> \"l'école\""));
  CHECK(contains(r.text, "Musique & Danse <Mantes> \"l'école\""));
  CHECK(contains(r.html, "Musique &amp; Danse &lt;Mantes&gt; &quot;l&apos;école&quot;"));
  CHECK_FALSE(contains(r.html, "<Mantes>"));
}

TEST_CASE("render_template: the templates folder overrides the built-in parts, a site folder overrides both",
          "[mail]") {
  TempDir dir;
  dir.write("tpl/identifier.txt", "Dossier {{family.ref}} : {{account.identifier}} & {{school.name}}\n");
  dir.write("tpl/CONS1/identifier.subject", "Conservatoire :\n{{account.identifier}}\n\n");
  dir.write("tpl/MANTES/identifier.html", "");
  const Config config = config_with_templates(dir, (dir.path() / "tpl").string());

  const auto general = render_template(config, "identifier", "", variables());
  CHECK(general.text == "Dossier F0001 : oeuvray.zoe & École de musique\n");
  CHECK(general.subject == "Votre identifiant pour l'extranet usagers – École de musique");
  CHECK(contains(general.html, "oeuvray.zoe"));

  const auto cons1 = render_template(config, "identifier", "CONS1", variables());
  CHECK(cons1.subject == "Conservatoire : oeuvray.zoe");
  CHECK(cons1.text == general.text);

  // An empty HTML file drops the HTML part for that site.
  const auto mantes = render_template(config, "identifier", "MANTES", variables());
  CHECK(mantes.html.empty());
  CHECK(mantes.subject == general.subject);
}

TEST_CASE("render_template: unknown templates and broken ones are configuration errors", "[mail]") {
  TempDir dir;
  dir.write("tpl/broken.subject", "Sujet\n");
  dir.write("tpl/broken.txt", "{{#family}} jamais fermé\n");
  dir.write("tpl/latin1.subject", "R\xE9inscription\n");
  dir.write("tpl/latin1.txt", "x\n");
  const Config config = config_with_templates(dir, (dir.path() / "tpl").string());
  CHECK(contains(error_of(config, "nosuch"), "unknown mail template \"nosuch\""));
  CHECK(contains(error_of(default_config(), "nosuch"), "unknown mail template"));
  CHECK(contains(error_of(config, "broken"), "broken.txt"));
  CHECK(contains(error_of(config, "latin1"), "latin1.subject is not UTF-8"));
  CHECK(contains(error_of(config, "../identifier"), "must be letters"));
  CHECK(contains(error_of(config, "identifier", "../x"), "site code"));
}

TEST_CASE("builtin_templates: every built-in template renders", "[mail]") {
  REQUIRE(builtin_templates().size() >= 8);
  for (const auto& [file, text] : builtin_templates()) {
    INFO(file);
    CHECK_FALSE(text.empty());
    const std::string name(file.substr(0, file.find('.')));
    const auto r = render_template(default_config(), name, "", variables());
    CHECK_FALSE(r.subject.empty());
    CHECK_FALSE(contains(r.text, "{{"));
  }
}

TEST_CASE("render_template: a section tag alone on its line leaves no empty line", "[mail]") {
  TempDir dir;
  dir.write("tpl/lines.subject", "Sujet\n");
  dir.write("tpl/lines.txt",
            "{{#family.civility}}\n"
            "Bonjour {{family.civility}} {{family.last_name}},\n"
            "{{/family.civility}}\n"
            "{{^family.civility}}\n"
            "Bonjour,\n"
            "{{/family.civility}}\n"
            "  {{! a comment for whoever edits this }}  \n"
            "Élèves :\n"
            "{{#students}}\n"
            "  - {{name}}\n"
            "{{/students}}\n"
            "\n"
            "Fin {{#site.name}}{{site.name}}{{/site.name}}.\n");
  const Config config = config_with_templates(dir, (dir.path() / "tpl").string());
  auto vars = variables();
  vars["students"] = nlohmann::json::array({{{"name", "Zoé"}}, {{"name", "Léo"}}});
  CHECK(render_template(config, "lines", "", vars).text ==
        "Bonjour Madame ŒUVRAY,\nÉlèves :\n  - Zoé\n  - Léo\n\nFin Conservatoire 1.\n");
  vars["family"]["civility"] = "";
  vars["students"] = nlohmann::json::array();
  CHECK(render_template(config, "lines", "", vars).text == "Bonjour,\nÉlèves :\n\nFin Conservatoire 1.\n");
}
