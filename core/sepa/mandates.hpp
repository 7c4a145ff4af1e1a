#pragma once
// SEPA: families' direct-debit mandates: set, show, revoke, import. A family has at most one
// active mandate; setting a new one revokes the previous one as of the new signature date (its
// RUM is never reused) and the new one starts with a FRST collection. Listings, reports, JSON,
// the audit log and messages show only the last 4 characters of an IBAN.
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "import/flat_import.hpp"
#include "util/french.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse::sepa {

struct MandateInput {
  std::string family;  // id, login identifier or reference (Réf famille)
  std::string site;    // for references used on several sites ("" = any)
  std::string iban;    // as typed: spaces and case do not matter
  std::string bic;
  std::string rum;  // "" = generated: rum_prefix-REF-N
  Date signed_on;
  std::string holder;  // account holder when not the family's responsible adult ("" = none)
  std::string rum_prefix;
  std::string actor;
  Date today;  // a signature after it is refused
};

// `families mandate set`: checks the IBAN (DataError naming --iban), BIC, RUM and dates, then
// stores the mandate (or reports it unchanged when the active one is the same).
void set_mandate(pqxx::transaction_base& tx, const MandateInput& input, Report& report);

// `families mandate show`: the active mandate in details (IBAN masked) and every mandate of the
// family, newest first, in the table.
void show_mandate(pqxx::transaction_base& tx, const std::string& family, const std::string& site, Report& report);

// `families mandate revoke`: the active mandate is revoked as of `on` (no collection after it).
void revoke_mandate(pqxx::transaction_base& tx, const std::string& family, const std::string& site, const Date& on,
                    const std::string& actor, Report& report);

struct MandatesImportOptions : FlatImportOptions {
  std::string rum_prefix;
  std::string actor;
  Date today;
};

// The columns of a mandates file: Réf famille, IBAN, BIC, RUM, Date de signature, Titulaire, Site.
const std::vector<ColumnSpec>& mandate_columns();

// `families mandate import`: one mandate per row, each checked as `set` checks it; bad rows are
// reported "<file>:<line>:<column>" (DataError, nothing written, unless --on-error skip).
// A row equal to the family's active mandate is counted unchanged.
void import_mandates(pqxx::transaction_base& tx, const MandatesImportOptions& options, Progress& progress,
                     Report& report);

}  // namespace imuse::sepa
