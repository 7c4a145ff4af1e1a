#pragma once
// payments record / import / list / cancel on the database. Every payment settles one issued
// invoice and gets a receipt number (payments.operation_number) from the gapless 'RECU' counter
// of invoice_counters, drawn in the same transaction: RECU<year digits><6-digit sequence>.
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <vector>

#include "import/flat_import.hpp"
#include "util/french.hpp"
#include "util/money.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse {

// The database value of a payment mode ("cheque", "cash", "card", "transfer", "direct_debit",
// "payfip") from what the command line, offices and banks write: "direct-debit", "Chèque",
// "Espèces", "CB", "Carte bancaire", "Virement", "VIR SEPA", "Prélèvement", "PRLV", "PayFIP"...
// nullopt for anything else, including "TAV": only the treasury export records those.
std::optional<std::string> parse_payment_mode(std::string_view text);

// True when `text` names the TAV mode (transfer to the Trésor Public), refused outside the
// treasury export.
bool is_tav_mode(std::string_view text);

// The French label of a stored mode, as the family ledger shows it ("Chèque", "Prélèvement", "TAV").
std::string payment_mode_label(std::string_view mode);

// The words of a bank or PayFIP label that may be an invoice number or a PayFIP reference, upper
// case, in order, without repeats: alphanumeric runs holding both a letter and a digit (at least
// 6 characters), plus a run of at most 8 letters glued to the run of at least 8 digits that
// follows it ("FACT 20262027000012" -> "FACT20262027000012"). "VIR SEPA DUPONT FACT20262027000012" ->
// {"FACT20262027000012"}.
std::vector<std::string> reference_candidates(std::string_view label);

// A receipt or invoice number: series + the school year's digits + 6-digit sequence
// ("RECU", "2026/2027", 1 -> "RECU20262027000001").
std::string document_number(const std::string& series, const std::string& school_year, long long sequence);

// Draws the next receipt number of (site, school year) from invoice_counters ('RECU'), creating
// the counter at 1. The row stays locked until the transaction ends, so numbers are gapless.
std::string next_receipt_number(pqxx::transaction_base& tx, int site_id, const std::string& school_year);

struct RecordPaymentOptions {
  std::string invoice;  // invoice number or PayFIP reference
  std::string site;     // "" = any site (refused when the number exists on several)
  Cents amount = 0;
  std::string mode;  // database value
  Date paid_on;
  std::string reference;          // cheque number, bank reference... ("" = none)
  std::optional<int> instalment;  // instalment number (1..12) the payment settles
  bool allow_overpayment = false;
  std::string actor;
};

// Records one payment: DataError (65) for an unknown, cancelled or credit-note number, an
// unknown instalment, or an amount above what is still due (unless allow_overpayment). The
// report gives the receipt number, the amount and what remains due.
void record_payment(pqxx::transaction_base& tx, const RecordPaymentOptions& options, Report& report);

struct PaymentsImportOptions : FlatImportOptions {
  std::string default_mode;  // database value for rows without a Mode cell ("" = the row is rejected)
  std::string actor;
};

// The columns of a bank or PayFIP statement file.
const std::vector<ColumnSpec>& payment_columns();

// Imports a bank/PayFIP statement: each row is matched to one invoice by the invoice numbers or
// PayFIP references its label holds. Unmatched, ambiguous and overpaying rows are rejected
// (DataError, nothing written, unless options.skip_bad). Rows already imported (same
// payments.import_key: "bank:<operation id>", or "line:<sha256 of date, amount, label, mode and
// occurrence>" without an id) are counted as already_recorded and not recorded again.
void import_payments(pqxx::transaction_base& tx, const PaymentsImportOptions& options, Progress& progress,
                     Report& report);

struct PaymentListOptions {
  std::string invoice;      // invoice number ("" = all)
  std::string family;       // family id or reference ("" = all)
  std::string school_year;  // "2026/2027" ("" = all)
  std::string site;         // "" = every site
};

// Lists payments, newest first: id, date, invoice, receipt, family, mode, amount, state.
void list_payments(pqxx::transaction_base& tx, const PaymentListOptions& options, Report& report);

// Cancels payment `id` (cancelled_at, cancel_reason; the row stays). DataError for an unknown,
// already cancelled or TAV payment (cancel the treasury batch instead).
void cancel_payment(pqxx::transaction_base& tx, long long id, const std::string& reason, const std::string& actor,
                    Report& report);

}  // namespace imuse
