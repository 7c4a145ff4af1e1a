#pragma once
// invoices generate / simulate / check / list / show on the database.
#include <optional>
#include <ostream>
#include <pqxx/pqxx>
#include <string>

#include "util/french.hpp"
#include "util/report.hpp"

namespace imuse {

struct GenerateOptions {
  std::string school_year;  // "2026/2027"
  std::string ledger;       // "" (both), "tuition" or "rental"
  std::string site;         // "" = every site of the grid
  std::string tariffs_file;
  std::optional<Date> issued;  // default: today (the database's current_date)
  int due_days = 30;           // billing.due_days
};

// Bills the year: invoices, correcting invoices and credit notes so that what every family is
// billed per line key equals what the tariffs give now; numbers from invoice_counters, written
// with COPY. DataError (nothing written) for a grid that lacks a price a family needs.
void generate_invoices(pqxx::work& tx, const GenerateOptions& options, Report& report);

struct SimulateOptions {
  std::string school_year;
  std::string ledger;
  std::string site;
  std::string tariffs_file;
  bool json = false;  // else CSV
};

// Per family and ledger: net billed now, what `tariffs_file` would bill, the difference; then
// the totals. Writes CSV or JSON to `out`; reads only.
void simulate_invoices(pqxx::transaction_base& tx, const SimulateOptions& options, std::ostream& out, Report& report);

// Numbering without gap or duplicate (and up to invoice_counters.last_number), instalments
// summing to totals, lines summing to totals, credit notes within what they correct, payments
// only on issued invoices. Every problem is a Report.rejected entry (exit 1). Overpaid invoices
// (due < 0) are warnings: refunds are made outside the tool.
void check_invoices(pqxx::transaction_base& tx, const std::string& school_year, const std::string& site,
                    Report& report);

struct ListOptions {
  std::optional<std::int64_t> family;
  std::string school_year;
  std::string ledger;
  std::string site;
  bool unpaid = false;
};

// Invoices and credit notes with total, credited, paid and due (invoice_balances).
void list_invoices(pqxx::transaction_base& tx, const ListOptions& options, Report& report);
// One invoice: header, balance, lines (table) and instalments (messages). DataError when unknown.
void show_invoice(pqxx::transaction_base& tx, const std::string& number, const std::string& site, Report& report);

// "FACT" + "20262027" + 6-digit sequence.
std::string invoice_number(const std::string& series, const std::string& school_year, int sequence);

}  // namespace imuse
