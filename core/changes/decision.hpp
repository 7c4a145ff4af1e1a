#pragma once
// Shared by the files of core/changes/: one pending change as loaded, and what deciding it did.
// Not part of the library's interface (commands include changes.hpp and documents.hpp).
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "changes/changes.hpp"
#include "config/config.hpp"
#include "util/report.hpp"

namespace imuse::changes {

// A pending_changes row, with the names the office knows it by.
struct ChangeRow {
  std::int64_t id = 0;
  std::string kind;
  std::string state;
  std::int64_t family_id = 0;
  std::optional<std::int64_t> student_id;
  std::string entity;  // family, student
  std::optional<std::int64_t> request_id;
  std::optional<std::int64_t> document_id;
  std::optional<int> base_version;
  nlohmann::json changes;    // identity: {field: {old?, new}}
  std::string submitted;     // dd/mm/yyyy hh:mm
  std::string decided;       // "approved on 23/11/2026 04:12 by ana@office" ("" while pending)
  std::string label;         // "change 12 (identity, F0001 Lefèvre Hélène, Zoé)"
};

// Loads change `id` (FOR UPDATE when `lock`); nullopt when there is none.
std::optional<ChangeRow> load_change(pqxx::transaction_base& tx, std::int64_t id, bool lock);

// What deciding a change did; the caller records it (state, mail, audit).
struct Decision {
  bool approved = true;
  std::string reason;               // required when !approved; mailed
  bool forced = false;
  std::string mail_template;        // change_approved, change_rejected, reenrolment_confirmed...
  nlohmann::json variables = nlohmann::json::object();  // added to the family's template variables
  nlohmann::json audit_new = nlohmann::json::object();  // what the audit row of the decision records
};

// What a kind-specific step needs.
struct DecisionContext {
  pqxx::work& tx;
  const Config& config;
  const DecideOptions& options;
  Report& report;
};

// Identity: checks staleness and values, applies the fields (audit row of the record with old
// and new values). nullopt when the change must stay pending (a rejected item was reported).
std::optional<Decision> approve_identity(DecisionContext& ctx, const ChangeRow& change);
// Re-enrolment: creates the target year's enrolments (none for a decline).
std::optional<Decision> approve_reenrolment(DecisionContext& ctx, const ChangeRow& change);
// Document: validated when the stored file passes check_document_file, else refused.
std::optional<Decision> approve_document(DecisionContext& ctx, const ChangeRow& change);

// The template variables describing what the change asked (for both decisions).
nlohmann::json identity_variables(pqxx::transaction_base& tx, const ChangeRow& change);
nlohmann::json reenrolment_variables(pqxx::transaction_base& tx, const ChangeRow& change);
nlohmann::json document_variables(pqxx::transaction_base& tx, const ChangeRow& change);

// `changes show` parts per kind: details and a table added to the report.
void show_identity(pqxx::transaction_base& tx, const ChangeRow& change, Report& report);
void show_reenrolment(pqxx::transaction_base& tx, const ChangeRow& change, Report& report);
void show_document(pqxx::transaction_base& tx, const ChangeRow& change, Report& report);

// The French label of an identity field ("phone_mobile" -> "Mobile"); the name itself if unknown.
std::string field_label(const std::string& field);

// A nullable text field as a Cell / an optional.
Cell text_cell(const pqxx::field& f);
std::optional<std::string> optional_text(const pqxx::field& f);

}  // namespace imuse::changes
