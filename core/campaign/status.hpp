#pragma once
// `campaign status`: per site and department, who re-enrolled, declined, waits for the office,
// has not answered, and how many mandatory documents are missing.
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <string>

#include "util/report.hpp"

namespace imuse {

struct StatusOptions {
  std::string campaign;  // "" = the only open campaign
  std::string site;      // "" = every site of the campaign
};

// The counts in the shape documented in imuse-admin-campaign(1) (stable: scripts parse it).
nlohmann::ordered_json campaign_status(pqxx::transaction_base& tx, const StatusOptions& options);
// The same counts as a table: one row per site and department, a total row per site, a grand total.
void status_report(const nlohmann::ordered_json& status, Report& report);

}  // namespace imuse
