#pragma once
// Sites (the schools of an authority), each with its own portal URL.
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "config/config.hpp"
#include "util/report.hpp"

namespace imuse {

struct Site {
  std::string code;
  std::string name;
  std::string portal_url;
};

// The canonical (upper-case) site code, or nullopt when it is not a valid code.
std::optional<std::string> normalize_site_code(const std::string& code);
// Why a site is invalid ("" when it is valid); `code` must already be normalised.
std::string site_problem(const Site& site);

// DataError when no site has this code (for commands that filter on --site).
void require_site(pqxx::transaction_base& tx, const std::string& code);
// Adds a site; an identical existing site is "unchanged", a different one is a DataError.
void site_add(pqxx::transaction_base& tx, const Site& site, Report& report);
// Changes the name and/or portal URL of an existing site.
void site_update(pqxx::transaction_base& tx, const std::string& code, const std::optional<std::string>& name,
                 const std::optional<std::string>& portal_url, Report& report);
// Fills the report's table with every site.
void site_list(pqxx::transaction_base& tx, Report& report);
// Fills the report's details with one site and its counts; DataError when unknown.
void site_show(pqxx::transaction_base& tx, const std::string& code, Report& report);
// Creates or updates sites from a YAML list; bad entries abort (DataError) or, with
// `skip_bad`, become rejected items while the good ones are applied.
void site_import(pqxx::transaction_base& tx, const std::string& file, bool skip_bad, Report& report);
// Creates or updates the sites declared in the configuration file.
void site_sync(pqxx::transaction_base& tx, const std::vector<SiteSetting>& sites, Report& report);

}  // namespace imuse
