#pragma once
// Re-enrolment campaigns in the database: open (and notify), close, list, remind; plus the
// queries status and responses share (who is eligible, who owes which document).
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "campaign/definition.hpp"
#include "config/config.hpp"
#include "util/report.hpp"

namespace imuse {

// A campaign as stored.
struct StoredCampaign {
  std::int64_t id = 0;
  std::string code;
  std::string label;
  std::string school_year;    // target year
  std::string previous_year;  // the year whose students re-enrol
  std::string state;          // draft, open, closed
  std::string opens_on;       // dd/mm/yyyy
  std::string closes_on;      // dd/mm/yyyy
  std::string rules_url;
  std::vector<std::string> sites;  // codes
  int reminder_min_days = 7;
};

// The campaign `code`; with "" the only open campaign (covering `site` when not ""). DataError
// naming the choices when there is none or several.
StoredCampaign find_campaign(pqxx::transaction_base& tx, const std::string& code, const std::string& site);

// Temp table campaign_eligible(student_id, family_id, site_id): students of families of the
// campaign's sites with an enrolment (not withdrawn) in the previous school year.
void stage_eligible(pqxx::transaction_base& tx, const StoredCampaign& campaign);
// Temp table campaign_owed(document_type_id, mandatory, family_id, student_id): the documents
// each eligible student (or family) owes, conditions applied; students who decline owe none.
// Needs campaign_eligible.
void stage_owed_documents(pqxx::transaction_base& tx, const StoredCampaign& campaign);

struct OpenOptions {
  std::string file;
  bool notify = false;  // queue the campaign_open e-mail to the eligible families
};

// Records the campaign of `options.file` and opens it (see imuse-admin-campaign(1) for what an
// existing campaign of the same code becomes). DataError for a bad file or a site that already
// has an open campaign for that year.
void open_campaign(pqxx::work& tx, const Config& config, const OpenOptions& options, Report& report);
// Closes campaign `code` ("" = the only open one); closing a closed campaign changes nothing.
void close_campaign(pqxx::transaction_base& tx, const std::string& code, Report& report);
// Fills the report's table with every campaign, newest first.
void list_campaigns(pqxx::transaction_base& tx, Report& report);

struct RemindOptions {
  std::string campaign;         // "" = the only open one
  std::string site;             // "" = every site of the campaign
  std::optional<int> min_days;  // default: the campaign's notifications.reminder_min_days
};

// Queues the campaign_reminder e-mail to each family with an eligible student who has not
// answered, unless it was reminded less than min_days ago.
void remind_campaign(pqxx::work& tx, const Config& config, const RemindOptions& options, Report& report);

// '{"a","b"}': a PostgreSQL array literal of texts, for one query parameter.
std::string pg_text_array(const std::vector<std::string>& values);

}  // namespace imuse
