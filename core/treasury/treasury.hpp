#pragma once
// Treasury: bordereaux of titles: selection, numbering, TAV settlements, list/show/cancel.
//
// What is transferred is counted per instalment (échéance): the unpaid rest of every
// instalment due before the cut-off date that no live bordereau names. Payments that name an
// instalment reduce it; payments that name none, credit notes and what was paid above an
// instalment reduce the instalments oldest due first. The sum over an invoice's instalments is
// then exactly its invoice_balances.due_cents (when not overpaid). An export makes one title
// per invoice (one treasury_pieces row and one TAV payment, naming the latest instalment the
// title claims); later instalments go to later bordereaux under new titles.
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "config/config.hpp"
#include "util/french.hpp"
#include "util/money.hpp"
#include "util/report.hpp"

namespace imuse::treasury {

// Creates the temporary table `table` (dropped at the end of the transaction) of the lines a
// transfer would carry: one row per instalment of an issued invoice (or per invoice without
// instalments) due before `cutoff`, with an unpaid rest > 0 and in no live bordereau, on site
// `site` ("" = every site). Columns: invoice_id, instalment_id (NULL for an invoice without
// instalments), instalment_number, due_on, amount_cents, site_id, family_id.
// Returns the number of rows.
long long create_overdue_lines(pqxx::transaction_base& tx, const std::string& table, const Date& cutoff,
                               const std::string& site);

// The day before which a due date counts as overdue: `today` − `days`.
Date overdue_cutoff(pqxx::transaction_base& tx, const Date& today, int days);

struct ExportOptions {
  std::string site;                 // --site, "" = every site
  Date today;                       // the run's date: DteStr, DteBordEm, exercise, paid_on
  std::optional<int> overdue_days;  // --overdue-days (default treasury.overdue_days)
  std::optional<Date> due_before;   // --due-before (instead of the delay)
  std::optional<Cents> min_amount;  // --min-amount (default treasury.min_amount)
  std::string out;                  // FILE.xml, or an existing folder for one file per site
  bool dry_run = false;
  std::string actor;
};

// `treasury export`: selects, numbers and records the titles and their TAV settlements in one
// transaction on `connection`, writes one PES V2 file per site (validated against the schema
// compiled into the binary before the COMMIT, published by renaming after it), and first
// recovers a file left by a killed run. UsageError (64) when the selection spans several sites
// and `out` is a file; ConfigError (78) for missing or invalid treasury.* settings; Fatal 70 when
// the written file does not validate (a bug: nothing is recorded). Families whose identity the
// treasury would refuse are rejected items (their invoices stay un-transferred, exit 1).
void export_bordereaux(pqxx::connection& connection, const Config& config, const ExportOptions& options,
                       Report& report);

// Which bordereau `treasury show/cancel N` names.
struct BordereauKey {
  long number = 0;
  std::string site;  // "" = the only site that has number N in that exercise
  int exercise = 0;
};

// `treasury list`: bordereaux, newest first (number, exercise, site, date, state, pieces, total,
// file); `site` "" = every site, `exercise` 0 = every year.
void list_bordereaux(pqxx::transaction_base& tx, const std::string& site, int exercise, Report& report);

// `treasury show N`: the bordereau and its titles (title, invoice, family, amount).
void show_bordereau(pqxx::transaction_base& tx, const BordereauKey& key, Report& report);

// `treasury cancel N`: the bordereau becomes cancelled with `reason` (its number is never used
// again) and its TAV settlements are cancelled, so its invoices are due again and a later export
// selects them. DataError for an unknown or already cancelled bordereau.
void cancel_bordereau(pqxx::transaction_base& tx, const BordereauKey& key, const std::string& reason,
                      const std::string& actor, Report& report);

}  // namespace imuse::treasury
