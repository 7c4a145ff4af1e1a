#pragma once
// SEPA: direct-debit files (pain.008.001.02): selection of the instalments to collect, FRST/RCUR
// per mandate, the file written and recorded exactly once, listing, cancellation of a file the
// bank rejected, and returned debits (R-transactions).
#include <pqxx/pqxx>
#include <string>

#include "config/config.hpp"
#include "import/flat_import.hpp"
#include "util/french.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse::sepa {

struct ExportOptions {
  Date collection_date;  // ReqdColltnDt: the one collection date of the file
  std::string site;      // site code, "" = every site
  std::string out;       // the file, or an existing folder (file named by sepa.file_name)
  bool dry_run = false;  // exact counts and sums per sequence type; nothing written
  std::string actor;
};

// `sepa export`. Selects every direct-debit instalment due on or before the collection date of
// an issued invoice, not in a live or returned collection, not transferred to the treasury,
// with an amount still due (the instalment's amount less the payments against it, capped by
// what the invoice still owes, instalments taken in order); families without a mandate valid on
// that date are rejected items (exit 1). In one transaction on `connection`: the batch, its
// collections and their direct-debit payments, the mandates moved to RCUR; the file is written
// pending, validated against the schema (Fatal 70 when invalid), sealed, and published after the
// COMMIT. A file left pending by a killed run is first published or removed (CommittedFile).
// ConfigError (78) naming the key for a bad sepa.ics, sepa.iban, sepa.bic or creditor name.
void export_collections(pqxx::connection& connection, const Config& config, const ExportOptions& options,
                        Progress& progress, Report& report);

// `sepa list`: the files, newest first, with counts, sums and state.
void list_batches(pqxx::transaction_base& tx, const std::string& site, Report& report);

// `sepa show`: one file and its collections (IBANs masked).
void show_batch(pqxx::transaction_base& tx, long long id, Report& report);

// `sepa cancel`: the bank rejected the whole file. The batch, its live collections and their
// payments are cancelled (the instalments can be exported again); each mandate involved goes
// back to FRST unless another live collection used it.
void cancel_batch(pqxx::transaction_base& tx, long long id, const std::string& reason, const std::string& actor,
                  Report& report);

struct ReturnsImportOptions : FlatImportOptions {
  std::string actor;
  std::string command = "sepa import-returns";
};

// The columns of a returns file: EndToEndId, RUM, Montant, Date de prélèvement, Date de retour, Motif.
const std::vector<ColumnSpec>& return_columns();

// The French label of an ISO 20022 return reason code ("AM04" -> "provision insuffisante"),
// "" for a code not in the table.
std::string return_reason_label(const std::string& code);

// `sepa import-returns`: each row names a collection (by EndToEndId, or by RUM + amount +
// collection date) that the bank returned: the collection is marked returned (date, code, French
// label), its payment cancelled, the instalment due again, and the family mailed (template
// sepa_return, once per collection). Rows already applied change nothing.
void import_returns(pqxx::work& tx, const Config& config, const ReturnsImportOptions& options, Progress& progress,
                    Report& report);

}  // namespace imuse::sepa
