#pragma once
// The family ledger (relevé) as the portal shows it, and a family's billing settings.
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "util/money.hpp"
#include "util/report.hpp"

namespace imuse {

// The id of the family named by `key`: a family id, a portal login identifier, or a reference
// (Réf famille, on `site` when given), as `families show` resolves it. DataError when nothing or
// several families match.
long long find_family(pqxx::transaction_base& tx, const std::string& key, const std::string& site);

enum class LedgerEntry { invoice, credit_note, payment };

// One row of a ledger: an invoice (debit), a credit note or a payment (credit).
struct StatementLine {
  LedgerEntry entry = LedgerEntry::invoice;
  std::string date;              // ISO
  std::string mode;              // stored payment mode, "" for invoices and credit notes
  std::string operation_number;  // invoice, credit note or receipt number ("" when none)
  std::string label;
  Cents debit = 0;
  Cents credit = 0;
  Cents discount = 0;  // the invoice's total discount (remise)
};

// The four totals under a ledger, as the portal names them.
struct StatementTotals {
  Cents billed = 0;   // Montant total facturé: invoices − credit notes
  Cents paid = 0;     // Montant total réglé: payments, TAV included
  Cents balance = 0;  // Solde: réglé − facturé, negative when the family owes
  Cents to_pay = 0;   // Montant à payer: what the family still owes the school, never negative
};

// The totals of a ledger's lines.
StatementTotals statement_totals(const std::vector<StatementLine>& lines);

struct StatementSection {
  std::string ledger;  // "tuition" or "rental"
  std::string school_year;
  std::vector<StatementLine> lines;
  StatementTotals totals;
};

struct Statement {
  long long family_id = 0;
  std::string reference;
  std::string name;
  std::string site;
  std::vector<StatementSection> sections;
};

struct StatementOptions {
  std::string family;       // id, identifier or reference
  std::string site;         // for references used on several sites
  std::string school_year;  // "" = every year
  std::string ledger;       // "", "tuition" or "rental"
};

// The ledgers of a family, one section per ledger and school year (newest year first, tuition
// before rentals). Cancelled invoices and cancelled payments are left out.
Statement family_statement(pqxx::transaction_base& tx, const StatementOptions& options);

// "Facturation cotisations 2026/2027" / "Facturation locations 2026/2027".
std::string section_title(const StatementSection& section);

// The statement as text: French labels and amounts ("1 234,50 €").
void write_statement_text(std::ostream& out, const Statement& statement);
// The statement as JSON, amounts in integer cents.
nlohmann::json statement_json(const Statement& statement);

struct BillingSettings {
  std::optional<int> schedule;          // 1, 2, 3 or 9
  std::optional<std::string> resident;  // "yes", "no" or "auto" (unknown: NULL)
  std::optional<std::string> quotient;  // a non-negative integer or "none"
};

// Shows a family's billing settings (payment schedule, resident, family quotient) and, for each
// setting given, stores it, with the old and new values in the audit log.
void family_billing(pqxx::transaction_base& tx, const std::string& key, const std::string& site,
                    const BillingSettings& settings, const std::string& actor, Report& report);

}  // namespace imuse
