#pragma once
// The office's validation queue (table pending_changes): what families submitted in the portal
// — identity edits, re-enrolment answers, uploaded documents — listed, shown, approved or
// rejected. Every decision is taken under a row lock, mailed through the outbox and written to
// the audit log, inside the command's transaction (so --dry-run decides and mails nothing).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "config/config.hpp"
#include "util/report.hpp"

namespace imuse {

// The kinds of pending changes, as stored in pending_changes.kind.
const std::vector<std::string>& change_kinds();

struct ChangeListOptions {
  std::string kind;                    // "" = every kind
  std::string site;                    // "" = every site
  std::optional<int> older_than_days;  // only changes submitted more than this many days ago
};

// Fills the report's table with the pending changes, oldest first: id, kind, family, student,
// submitted, age, summary.
void list_changes(pqxx::transaction_base& tx, const ChangeListOptions& options, Report& report);
// Shows change `id`: who, when, state, and what it asks (fields current → requested, the
// re-enrolment answer, or the file and its detected type). DataError when there is no such change.
void show_change(pqxx::transaction_base& tx, std::int64_t id, Report& report);

struct DecideOptions {
  std::vector<std::int64_t> ids;  // the changes to decide...
  bool all = false;               // ...or every pending change of `kind` (on `site`)
  std::string kind;
  std::string site;
  bool force = false;   // approve identity changes even when the record changed since the edit
  std::string reason;   // reject: required, mailed to the family
  std::string actor;    // user@host: decided_by and the audit log
  std::string command;  // "changes approve": the audit log and the outbox
};

// Approves each change (see imuse-admin-changes(1)): identity fields applied, re-enrolment
// enrolments created, documents validated when their bytes are really PDF, JPEG or PNG (else
// refused with the reason). Stale or invalid changes stay pending and are rejected items
// (exit 1); already decided ones are counted and left alone. DataError for an unknown id.
void approve_changes(pqxx::work& tx, const Config& config, const DecideOptions& options, Report& report);
// Rejects each change with options.reason, which is mailed to the family.
void reject_changes(pqxx::work& tx, const Config& config, const DecideOptions& options, Report& report);

}  // namespace imuse
