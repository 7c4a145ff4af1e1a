#pragma once
// Invoice and receipt PDFs from the database: which documents a run prints, what each shows
// (read a batch at a time, three set-based queries per batch), rendering on worker threads,
// files written atomically, and the printed / duplicata marks.
#include <cstdint>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "pdf/invoice_pdf.hpp"
#include "util/progress.hpp"
#include "util/report.hpp"

namespace imuse {

// Which documents: at most one of `number`, `id`, `family_id`, `school_year`, `unprinted`
// is the main criterion; `site_code` narrows any of them.
struct DocumentSelection {
  std::optional<std::int64_t> id;  // invoice id (--invoice 123) or payment id (--payment)
  std::string number;              // FACT… (--invoice) or RECU… (--receipt)
  std::optional<std::int64_t> family_id;
  std::string school_year;
  bool unprinted = false;
  std::string site_code;
};

struct PrintOptions {
  std::string out_dir;
  bool duplicata = false;  // mark every document DUPLICATA, even a first print
  int jobs = 1;            // rendering threads
  bool dry_run = false;    // render, write no file
  int batch = 500;         // documents read from the database at a time
  std::int64_t now = 0;    // seconds since 1970: the documents' date unless SOURCE_DATE_EPOCH
};

// Renders and writes FACT….pdf for the selected invoices into out_dir; the first print sets
// invoices.printed_at, a re-print (or --duplicata) is marked DUPLICATA and counts in
// invoices.duplicata_count. A document that cannot be rendered or written is in
// report.rejected and the batch goes on.
void print_invoice_pdfs(pqxx::work& tx, const Config& config, const DocumentSelection& selection,
                        const PrintOptions& options, Progress& progress, Report& report);

// Likewise RECU….pdf for payments (receipt number = payments.operation_number), marking
// payments.receipt_printed_at.
void print_receipt_pdfs(pqxx::work& tx, const Config& config, const DocumentSelection& selection,
                        const PrintOptions& options, Progress& progress, Report& report);

// What an invoice shows, for the given invoice ids (in id order).
std::vector<pdf::InvoiceDocument> read_invoices(pqxx::work& tx, const std::vector<std::int64_t>& ids);

}  // namespace imuse
