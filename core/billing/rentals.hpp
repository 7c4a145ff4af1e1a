#pragma once
// rentals import / list: instruments, rooms and equipment rented by families, billed on the
// rentals ledger (facturation locations).
//
// A rental is identified (natural key, for idempotent re-imports) by its family, school year and
// kind, plus its item reference when it has one (an instrument's inventory number: the student,
// label, tariff, period, quantity and dates of that rental are then updated by a new import), or
// else its label (case ignored) and student. Importing the same file again changes nothing.
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "import/flat_import.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse {

// "instrument", "room" or "equipment" from French or English ("Salle", "matériel"...); "" otherwise.
std::string parse_rental_kind(const std::string& text);
// "year" or "term" from "année", "annuel", "year", "trimestre", "term"...; "" otherwise.
std::string parse_rental_period(const std::string& text);

// The columns of a rentals file.
const std::vector<ColumnSpec>& rental_columns();

// Creates new rentals and updates changed ones; counters rows, created, updated, unchanged,
// rejected_rows. Bad rows: DataError listing them (nothing written) unless options.skip_bad.
void import_rentals(pqxx::transaction_base& tx, const FlatImportOptions& options, Progress& progress, Report& report);

struct RentalListOptions {
  std::string school_year;  // "" = every year
  std::string family;       // id, identifier or reference; "" = every family
  std::string site;         // "" = every site
};

// Lists rentals: id, family, student, year, kind, label, item, tariff, period, quantity, dates.
void list_rentals(pqxx::transaction_base& tx, const RentalListOptions& options, Report& report);

}  // namespace imuse
