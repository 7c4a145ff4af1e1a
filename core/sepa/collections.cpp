#include "sepa/collections.hpp"

#include <fnmatch.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "db/cursor.hpp"
#include "db/database.hpp"
#include "mail/outbox.hpp"
#include "mail/templates.hpp"
#include "sepa/iban.hpp"
#include "sepa/pain008.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/interrupt.hpp"
#include "util/money.hpp"
#include "util/output_file.hpp"
#include "util/text.hpp"
#include "util/xml.hpp"

namespace imuse::sepa {

namespace fs = std::filesystem;

namespace {

// The creditor from the configuration, checked at every export: ConfigError naming the key.
Creditor creditor_from(const Config& config) {
  Creditor c;
  c.name = config.get("sepa.creditor_name");
  if (is_blank(c.name)) {
    c.name = config.get("school.name");
  }
  if (is_blank(c.name)) {
    throw ConfigError("sepa.creditor_name is not set (nor school.name): the creditor name of direct-debit files");
  }
  if (sepa_text(c.name, 70).empty()) {
    throw ConfigError("sepa.creditor_name: the name has no letter or digit of the SEPA character set");
  }
  c.ics = normalize_account_id(config.get("sepa.ics"));
  if (c.ics.empty()) {
    throw ConfigError(
        "sepa.ics is not set: the creditor identifier (ICS) the bank gave the school, e.g. FR72ZZZ123456");
  }
  if (auto p = creditor_id_problem(c.ics)) {
    throw ConfigError("sepa.ics: the creditor identifier " + c.ics + " " + *p);
  }
  c.iban = normalize_account_id(config.get("sepa.iban"));
  if (c.iban.empty()) {
    throw ConfigError("sepa.iban is not set: the IBAN of the account direct debits are paid into");
  }
  if (auto p = iban_problem(c.iban)) {
    throw ConfigError("sepa.iban: the creditor IBAN " + *p);
  }
  c.bic = normalize_account_id(config.get("sepa.bic"));
  if (!bic_is_valid(c.bic)) {
    throw ConfigError(c.bic.empty() ? std::string("sepa.bic is not set: the BIC of the creditor account")
                                    : "sepa.bic: \"" + c.bic + "\" is not a BIC (8 or 11 letters and digits)");
  }
  return c;
}

// sepa.file_name with {site}, {date} (YYYYMMDD) and {batch} replaced.
std::string file_name(const std::string& pattern, const std::string& site, const Date& date, long long batch) {
  char day[16];
  std::snprintf(day, sizeof day, "%04d%02d%02d", date.year, date.month, date.day);
  std::string name = pattern;
  const std::pair<std::string, std::string> fields[] = {
      {"{site}", site}, {"{date}", day}, {"{batch}", std::to_string(batch)}};
  for (const auto& [key, value] : fields) {
    for (auto pos = name.find(key); pos != std::string::npos; pos = name.find(key, pos + value.size())) {
      name.replace(pos, key.size(), value);
    }
  }
  if (is_blank(name) || name.find('/') != std::string::npos || name == "." || name == "..") {
    throw ConfigError("sepa.file_name: \"" + pattern + "\" does not give a file name (no '/', not empty)");
  }
  return name;
}

// The pattern as a glob ({site}, {date}, {batch} as *), to find the pending files of a folder.
std::string file_glob(const std::string& pattern) {
  std::string glob;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      const auto close = pattern.find('}', i);
      if (close != std::string::npos) {
        glob += '*';
        i = close;
        continue;
      }
    }
    if (pattern[i] == '*' || pattern[i] == '?' || pattern[i] == '[' || pattern[i] == '\\') {
      glob += '\\';
    }
    glob += pattern[i];
  }
  return glob;
}

// A file left pending by a killed export: published when a committed batch names its digest,
// removed otherwise. For a folder, every pending file whose name fits sepa.file_name.
void recover_pending(pqxx::connection& connection, const std::string& out, bool folder, const std::string& pattern,
                     Report& report) {
  const auto committed = [&connection](const std::string& sha256) {
    pqxx::read_transaction tx(connection, "sepa export recovery");
    return tx.exec_params1("SELECT EXISTS (SELECT 1 FROM sepa_batches WHERE file_sha256 = $1)", sha256)[0].as<bool>();
  };
  std::vector<std::string> paths;
  if (!folder) {
    paths.push_back(out);
  } else {
    const std::string glob = file_glob(pattern) + ".pending";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(out, ec)) {
      const std::string name = entry.path().filename().string();
      if (fnmatch(glob.c_str(), name.c_str(), FNM_PERIOD) == 0) {
        const std::string full = entry.path().string();
        paths.push_back(full.substr(0, full.size() - std::string(".pending").size()));
      }
    }
  }
  for (const auto& path : paths) {
    switch (CommittedFile::recover(path, committed)) {
      case CommittedFile::Recovery::published:
        report.messages.push_back("published " + path +
                                  ", left pending by an interrupted export whose batch was committed");
        report.add("recovered_files");
        break;
      case CommittedFile::Recovery::removed:
        report.warnings.push_back("removed " + path + ".pending, left by an interrupted export that committed nothing");
        break;
      case CommittedFile::Recovery::none:
        break;
    }
  }
}

// Which debits a file takes, as one SELECT: every direct-debit instalment due on or before the
// collection date with something left to pay, its mandate (NULL when the family has none valid
// on that date), sequence type and EndToEndId. The export's transaction locks the invoices
// (`lock`) and draws the payments' ids (`payment_ids`; not in a dry run, which must not draw from
// the sequence); the reader that writes the file runs the same query on the same snapshot without
// either, so both see the same rows.
std::string due_sql(pqxx::transaction_base& tx, const Date& date, const std::optional<int>& site_id, bool lock,
                    bool payment_ids) {
  const std::string d = tx.quote(date.iso()) + "::date";
  const std::string site = site_id ? std::to_string(*site_id) : std::string("NULL");
  // Not in a live or returned collection (a returned debit is paid by other means, never
  // re-presented on its own), not transferred to the treasury (the instalment or the whole
  // invoice). What is due cannot change under the export: `payments record` and `payments
  // import` lock the invoice they pay first.
  return "WITH candidates AS ("
         "  SELECT n.id AS instalment_id, n.invoice_id, n.number AS instalment_number, n.due_on, n.amount_cents, "
         "         i.family_id, i.site_id, i.number AS invoice_number "
         "  FROM instalments n JOIN invoices i ON i.id = n.invoice_id "
         "  WHERE n.direct_debit AND n.due_on <= " +
         d + " AND i.kind = 'invoice' AND i.state = 'issued' AND (" + site + "::int IS NULL OR i.site_id = " + site +
         "::int) "
         "    AND NOT EXISTS (SELECT 1 FROM sepa_collections c WHERE c.instalment_id = n.id "
         "                    AND c.state <> 'cancelled') "
         "    AND NOT EXISTS (SELECT 1 FROM payments t WHERE t.invoice_id = n.invoice_id AND t.mode = 'tav' "
         "                    AND t.cancelled_at IS NULL AND (t.instalment_id IS NULL OR t.instalment_id = n.id)) " +
         (lock ? "  ORDER BY i.id FOR UPDATE OF i" : "") +
         "), "
         // The amount of each: the instalment less the payments against it, capped by what the
         // invoice still owes, instalments taken in order (a payment not tied to an instalment
         // counts against the last ones).
         "paid AS ("
         "  SELECT p.instalment_id, sum(p.amount_cents)::bigint AS cents FROM payments p "
         "  JOIN candidates c ON c.instalment_id = p.instalment_id "
         "  WHERE p.cancelled_at IS NULL AND p.mode <> 'tav' GROUP BY p.instalment_id), "
         "owed AS ("
         "  SELECT b.invoice_id, b.due_cents FROM invoice_balances b "
         "  WHERE b.invoice_id IN (SELECT invoice_id FROM candidates)), "
         "rest AS ("
         "  SELECT c.*, greatest(c.amount_cents - coalesce(p.cents, 0), 0) AS rest_cents, o.due_cents "
         "  FROM candidates c LEFT JOIN paid p USING (instalment_id) JOIN owed o USING (invoice_id)), "
         "capped AS ("
         "  SELECT r.*, least(r.rest_cents, greatest(r.due_cents - coalesce(sum(r.rest_cents) OVER ("
         "      PARTITION BY r.invoice_id ORDER BY r.instalment_number "
         "      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0), 0)) AS amount "
         "  FROM rest r), "
         // The mandate: the family's latest one signed on or before the date, not revoked by then.
         "mandates AS ("
         "  SELECT DISTINCT ON (m.family_id) m.family_id, m.id, m.next_sequence_type FROM sepa_mandates m "
         "  WHERE m.signed_on <= " +
         d + " AND (m.revoked_on IS NULL OR m.revoked_on > " + d +
         ") "
         "    AND m.family_id IN (SELECT family_id FROM candidates) "
         "  ORDER BY m.family_id, m.signed_on DESC, m.id DESC), "
         // The attempt numbers the instalment's collections (a cancelled file's included).
         "attempts AS ("
         "  SELECT x.instalment_id, count(*) AS n FROM sepa_collections x "
         "  WHERE x.instalment_id IN (SELECT instalment_id FROM candidates) GROUP BY x.instalment_id), "
         "due AS ("
         "  SELECT c.instalment_id, c.invoice_id, c.instalment_number, c.due_on, c.family_id, c.site_id, "
         "         c.invoice_number, c.amount, m.id AS mandate_id, m.next_sequence_type, 1 + coalesce(a.n, 0) AS "
         "attempt, "
         "         'S' || c.site_id || '-' || c.invoice_number || '-' || lpad(c.instalment_number::text, 2, '0') || "
         "         '-' || (1 + coalesce(a.n, 0)) AS readable_id "
         "  FROM capped c LEFT JOIN mandates m ON m.family_id = c.family_id "
         "  LEFT JOIN attempts a ON a.instalment_id = c.instalment_id "
         "  WHERE c.amount > 0) "
         // One FRST per mandate: the first of its debits in the file takes the mandate's sequence
         // type, the others are RCUR. EndToEndId: S<site id>-<invoice number>-<instalment>-<attempt>.
         "SELECT d.instalment_id, d.invoice_id, d.instalment_number, d.due_on, d.family_id, d.site_id, "
         "       d.invoice_number, d.amount, d.mandate_id, "
         "       CASE WHEN row_number() OVER (PARTITION BY d.mandate_id "
         "                                    ORDER BY d.due_on, d.invoice_id, d.instalment_number) = 1 "
         "            THEN d.next_sequence_type ELSE 'RCUR' END AS sequence_type, "
         "       CASE WHEN length(d.readable_id) <= 35 THEN d.readable_id "
         "            ELSE 'S' || d.site_id || '-I' || d.instalment_id || '-' || d.attempt END AS end_to_end_id, " +
         (payment_ids ? "CASE WHEN d.mandate_id IS NOT NULL THEN nextval(pg_get_serial_sequence('payments', 'id')) END"
                      : "NULL::bigint") +
         " AS payment_id FROM due d";
}

// Families with something to collect but no mandate valid on the date: rejected items.
void report_missing_mandates(pqxx::transaction_base& tx, const Date& date, Report& report) {
  for (const auto& r :
       tx.exec("SELECT coalesce(f.external_ref || ' ', '') || f.last_name || coalesce(' ' || f.first_name, '') || "
               "       ' (id ' || f.id || ')', count(*), sum(d.amount)::bigint, "
               "       (SELECT string_agg(m.rum || ' signed on ' || to_char(m.signed_on, 'DD/MM/YYYY') || "
               "               coalesce(', revoked on ' || to_char(m.revoked_on, 'DD/MM/YYYY'), ''), '; ' "
               "               ORDER BY m.signed_on DESC, m.id DESC) FROM sepa_mandates m WHERE m.family_id = f.id) "
               "FROM sepa_due d JOIN families f ON f.id = d.family_id WHERE d.mandate_id IS NULL "
               "GROUP BY f.id ORDER BY 1")) {
    const auto n = r[1].as<std::int64_t>();
    std::string message = "no SEPA mandate valid on " + date.french() + " for " + std::to_string(n) + " instalment" +
                          (n > 1 ? "s" : "") + " (" + format_euros(r[2].as<Cents>()) +
                          "): left out of the file; enter the mandate with 'imuse-admin families mandate set'";
    if (!r[3].is_null()) {
      message += " (the family's mandates: " + r[3].as<std::string>() + ")";
    }
    report.rejected.push_back(Problem{"family " + r[0].as<std::string>(), message});
  }
}

struct Block {
  std::string sequence_type;
  std::int64_t count = 0;
  Cents sum = 0;
};

// Writes the file from `selection` (due_sql) through a server-side cursor, a batch of rows at a time.
void write_file(pqxx::transaction_base& tx, const std::string& selection, const std::string& path,
                const Creditor& creditor, const Pain008Header& header, const std::vector<Block>& blocks,
                Progress& progress) {
  Pain008Writer writer(path, creditor, header);
  std::map<std::string, const Block*> by_type;
  for (const auto& b : blocks) {
    by_type[b.sequence_type] = &b;
  }
  std::string current;
  std::int64_t rows = 0;
  progress.start("writing " + fs::path(path).filename().string(), static_cast<std::size_t>(header.transactions));
  for_each_row(tx,
               "SELECT s.sequence_type, s.end_to_end_id, s.amount, m.rum, m.signed_on::text, coalesce(m.bic, ''), "
               "       coalesce(m.account_holder, f.last_name || coalesce(' ' || f.first_name, '')), m.iban, "
               "       'Facture ' || s.invoice_number || ' echeance ' || s.instalment_number || "
               "       coalesce(' famille ' || f.external_ref, '') "
               "FROM (" +
                   selection +
                   ") s JOIN sepa_mandates m ON m.id = s.mandate_id JOIN families f ON f.id = s.family_id "
                   "WHERE s.mandate_id IS NOT NULL "
                   "ORDER BY s.sequence_type, s.invoice_number, s.instalment_number, s.instalment_id",
               {}, [&](const pqxx::row& r) {
                 const std::string_view type = r[0].c_str();
                 if (type != current) {
                   current = std::string(type);
                   const Block* b = by_type.at(current);
                   writer.begin_block(current, b->count, b->sum);
                 }
                 DirectDebit d;
                 d.end_to_end_id = r[1].c_str();
                 d.amount = r[2].as<Cents>();
                 d.mandate_id = r[3].c_str();
                 d.mandate_signed_on = r[4].c_str();
                 d.debtor_bic = r[5].c_str();
                 d.debtor_name = r[6].c_str();
                 d.debtor_iban = r[7].c_str();
                 d.remittance = r[8].c_str();
                 writer.add(d);
                 if ((++rows & 1023) == 0) {
                   check_interrupted();
                   progress.advance(1024);
                 }
               });
  writer.finish();
  progress.finish();
}

std::string join_first(const std::vector<std::string>& lines, std::size_t n) {
  std::vector<std::string> first(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(std::min(n, lines.size())));
  return join(first, "; ");
}

}  // namespace

void export_collections(pqxx::connection& connection, const Config& config, const ExportOptions& o, Progress& progress,
                        Report& report) {
  report.dry_run = o.dry_run;
  const Creditor creditor = creditor_from(config);
  const std::string pattern = config.get("sepa.file_name");
  std::error_code ec;
  const bool folder = fs::is_directory(o.out, ec);
  if (!o.dry_run) {
    recover_pending(connection, o.out, folder, pattern, report);
  }
  const Date& date = o.collection_date;
  // Repeatable read: the file is written by a second connection from this transaction's
  // snapshot while this one records the debits (see below).
  pqxx::transaction<pqxx::repeatable_read> tx(connection, "sepa export");
  tx.exec0("SET LOCAL jit = off");
  // Sorts and hashes of a large school stay in memory (server side).
  tx.exec0("SET LOCAL work_mem = '64MB'");
  std::optional<int> site_id;
  std::string site_code = "ALL";
  if (!o.site.empty()) {
    const auto rows = tx.exec_params("SELECT id, code FROM sites WHERE code = upper($1)", o.site);
    if (rows.empty()) {
      throw DataError("site " + o.site + " does not exist (see 'imuse-admin site list')");
    }
    site_id = rows[0][0].as<int>();
    site_code = rows[0][1].as<std::string>();
  }
  try {
    tx.exec0("CREATE TEMP TABLE sepa_due ON COMMIT DROP AS " + due_sql(tx, date, site_id, true, !o.dry_run));
  } catch (const pqxx::serialization_failure&) {
    throw LockBusy("an invoice to collect changed while the export started (a payment being recorded?); run it again");
  }
  tx.exec0("ANALYZE sepa_due");
  report_missing_mandates(tx, date, report);

  std::vector<Block> blocks;
  Pain008Header header;
  header.collection_date = date.iso();
  Table table{{"sequence_type", "transactions", "amount", "amount_cents"}, {}};
  for (const auto& r : tx.exec("SELECT sequence_type, count(*), sum(amount)::bigint FROM sepa_due "
                               "WHERE mandate_id IS NOT NULL GROUP BY sequence_type ORDER BY sequence_type")) {
    Block b{r[0].as<std::string>(), r[1].as<std::int64_t>(), r[2].as<Cents>()};
    header.transactions += b.count;
    header.control_sum += b.sum;
    table.rows.push_back({b.sequence_type, b.count, format_euros(b.sum), b.sum});
    blocks.push_back(std::move(b));
  }
  report.add("transactions", header.transactions);
  report.add("control_sum_cents", header.control_sum);
  for (const char* type : {"FRST", "RCUR"}) {
    std::int64_t n = 0;
    Cents sum = 0;
    for (const auto& b : blocks) {
      if (b.sequence_type == type) {
        n = b.count;
        sum = b.sum;
      }
    }
    report.add(ascii_lower(type), n);
    report.add(ascii_lower(type) + "_cents", sum);
  }
  report.add("families_without_mandate", static_cast<std::int64_t>(report.rejected.size()));
  std::string summary;
  for (const auto& b : blocks) {
    summary += (summary.empty() ? "" : ", ") + b.sequence_type + " " + std::to_string(b.count) + " (" +
               format_euros(b.sum) + ")";
  }
  if (!table.rows.empty()) {
    report.table = std::move(table);
  }
  if (header.transactions == 0) {
    report.messages.push_back("nothing to collect on " + date.french() + "; no file was written");
    return;  // the transaction rolls back
  }
  if (o.dry_run) {
    report.messages.push_back("dry run: " + std::to_string(header.transactions) + " direct debits for " +
                              format_euros(header.control_sum) + " would be collected on " + date.french() + ": " +
                              summary + "; nothing was written");
    return;
  }

  const auto now = tx.exec1(
      "SELECT nextval(pg_get_serial_sequence('sepa_batches', 'id')), to_char(now(), 'YYYY-MM-DD\"T\"HH24:MI:SS'), "
      "       to_char(now(), 'YYYYMMDDHH24MISS'), pg_export_snapshot()");
  const long long batch_id = now[0].as<long long>();
  header.created_at = now[1].as<std::string>();
  header.message_id = "PRLV" + now[2].as<std::string>() + "-" + std::to_string(batch_id);
  const std::string snapshot = now[3].as<std::string>();
  const std::string path =
      folder ? (fs::path(o.out) / file_name(pattern, site_code, date, batch_id)).lexically_normal().string() : o.out;
  CommittedFile file(path);
  file.check_free();
  tx.exec_params0(
      "INSERT INTO sepa_batches (id, site_id, collection_date, message_id, file_name, transaction_count, "
      "control_sum_cents) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3::date, $4, $5, $6, $7)",
      batch_id, site_id, date.iso(), header.message_id, path, header.transactions, header.control_sum);

  // The ledger shows each debit as paid on the collection date (mode direct_debit, operation
  // number = EndToEndId); a return or a cancelled file cancels the payment. The mandates move to
  // RCUR. These writes are sent at once and run on the server while a second connection, on this
  // transaction's snapshot (the same rows), streams the file, which is then validated and hashed.
  const std::string payments =
      "INSERT INTO payments (id, invoice_id, instalment_id, amount_cents, mode, paid_on, reference, "
      "                      operation_number, recorded_by) OVERRIDING SYSTEM VALUE "
      "SELECT s.payment_id, s.invoice_id, s.instalment_id, s.amount, 'direct_debit', " +
      tx.quote(date.iso()) + "::date, " + tx.quote(header.message_id) + ", s.end_to_end_id, " + tx.quote(o.actor) +
      " FROM sepa_due s WHERE s.mandate_id IS NOT NULL";
  const std::string collections =
      "WITH collected AS ("
      "  INSERT INTO sepa_collections (batch_id, instalment_id, mandate_id, sequence_type, amount_cents, "
      "                                end_to_end_id, payment_id) "
      "  SELECT " +
      std::to_string(batch_id) +
      ", s.instalment_id, s.mandate_id, s.sequence_type, s.amount, s.end_to_end_id, s.payment_id "
      "  FROM sepa_due s WHERE s.mandate_id IS NOT NULL RETURNING amount_cents) "
      "SELECT count(*), coalesce(sum(amount_cents), 0)::bigint FROM collected";
  const std::string moves =
      "WITH moved AS (UPDATE sepa_mandates m SET next_sequence_type = 'RCUR', "
      "                      last_collected_on = greatest(m.last_collected_on, " +
      tx.quote(date.iso()) +
      "::date) "
      "               WHERE m.id IN (SELECT mandate_id FROM sepa_due) RETURNING 1) "
      "SELECT count(*) FROM moved";
  std::vector<std::string> problems;
  std::string sha256;
  pqxx::result written;
  pqxx::result mandates;
  try {
    pqxx::pipeline pipe(tx, "sepa export writes");
    pipe.retain(3);
    const auto payments_id = pipe.insert(payments);
    const auto written_id = pipe.insert(collections);
    const auto mandates_id = pipe.insert(moves);
    pipe.resume();
    {
      const auto reader = connect_database(config, "imuse-admin sepa export (file)");
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> rtx(*reader, "sepa export file");
      rtx.exec0("SET TRANSACTION SNAPSHOT " + rtx.quote(snapshot));
      rtx.exec0("SET LOCAL jit = off");
      rtx.exec0("SET LOCAL work_mem = '64MB'");
      write_file(rtx, due_sql(rtx, date, site_id, false, false), file.pending_path(), creditor, header, blocks,
                 progress);
    }
    problems = xml::validate_file(file.pending_path(), xml::kPain008Schema);
    if (problems.empty()) {
      sha256 = file.seal();
    }
    pipe.retrieve(payments_id);
    written = pipe.retrieve(written_id);
    mandates = pipe.retrieve(mandates_id);
    pipe.complete();
  } catch (const pqxx::serialization_failure&) {
    throw LockBusy("a mandate of the file changed while the export ran ('families mandate'?); run it again");
  }
  if (!problems.empty()) {
    throw Fatal(ExitCode::software,
                "the direct-debit file does not validate against pain.008.001.02 (a bug in imuse-admin, please "
                "report it; nothing was recorded): " +
                    join_first(problems, 5));
  }
  if (written[0][0].as<std::int64_t>() != header.transactions || written[0][1].as<Cents>() != header.control_sum) {
    throw Fatal(ExitCode::software, "sepa export recorded " + written[0][0].as<std::string>() +
                                        " collections instead of " + std::to_string(header.transactions) +
                                        " (a bug in imuse-admin, please report it; nothing was recorded)");
  }
  tx.exec_params0("UPDATE sepa_batches SET file_sha256 = $2 WHERE id = $1", batch_id, sha256);
  tx.exec_params0(
      "INSERT INTO audit_log (actor, command, site_id, entity, entity_id, new_values) "
      "SELECT $1, 'sepa export', b.site_id, 'sepa_batch', b.id, to_jsonb(b) FROM sepa_batches b WHERE b.id = $2",
      o.actor, batch_id);
  file.keep_pending();  // a COMMIT that fails or whose outcome is unknown: the next run decides
  tx.commit();
  file.publish();

  report.add("mandates", mandates[0][0].as<std::int64_t>());
  report.messages.push_back("wrote " + path + ": " + std::to_string(header.transactions) + " direct debits for " +
                            format_euros(header.control_sum) + " to collect on " + date.french() + " (" + summary +
                            "), message " + header.message_id);
  report.details = {{"batch_id", static_cast<std::int64_t>(batch_id)},
                    {"message_id", header.message_id},
                    {"file", path},
                    {"file_sha256", sha256},
                    {"collection_date", date.iso()},
                    {"site", site_code},
                    {"transactions", header.transactions},
                    {"control_sum", format_decimal(header.control_sum)},
                    {"control_sum_cents", header.control_sum}};
}

// ---------------------------------------------------------------------------------------------
// list, show, cancel

namespace {

Cell text_or_null(const pqxx::field& f) {
  return f.is_null() ? Cell{} : Cell{f.as<std::string>()};
}

// After collections of `mandate_ids` were cancelled or returned: a mandate with no standing
// (exported) collection left goes back to FRST, its last collection date to the latest
// standing one. Returns how many went back to FRST.
std::int64_t refresh_sequences(pqxx::transaction_base& tx, const std::string& mandate_ids) {
  return tx
      .exec_params1(
          "WITH standing AS ("
          "  SELECT m.id, m.next_sequence_type AS before, "
          "         count(c.id) FILTER (WHERE c.state = 'exported') AS live, "
          "         max(b.collection_date) FILTER (WHERE c.state = 'exported') AS last "
          "  FROM sepa_mandates m LEFT JOIN sepa_collections c ON c.mandate_id = m.id "
          "  LEFT JOIN sepa_batches b ON b.id = c.batch_id "
          "  WHERE m.id = ANY($1::bigint[]) GROUP BY m.id), "
          "updated AS ("
          "  UPDATE sepa_mandates m SET next_sequence_type = CASE WHEN s.live > 0 THEN 'RCUR' ELSE 'FRST' END, "
          "         last_collected_on = s.last "
          "  FROM standing s WHERE s.id = m.id RETURNING s.before, m.next_sequence_type AS after) "
          "SELECT count(*) FILTER (WHERE before = 'RCUR' AND after = 'FRST') FROM updated",
          mandate_ids)[0]
      .as<std::int64_t>();
}

}  // namespace

void list_batches(pqxx::transaction_base& tx, const std::string& site, Report& report) {
  Table table{{"id", "collection_date", "site", "message_id", "transactions", "amount", "amount_cents", "returned",
               "state", "exported_at", "file"},
              {}};
  for (const auto& r : tx.exec_params(
           "SELECT b.id, to_char(b.collection_date, 'DD/MM/YYYY'), coalesce(s.code, 'ALL'), b.message_id, "
           "       b.transaction_count, b.control_sum_cents, "
           "       (SELECT count(*) FROM sepa_collections c WHERE c.batch_id = b.id AND c.state = 'returned'), "
           "       b.state || coalesce(' ' || to_char(b.cancelled_at, 'DD/MM/YYYY') || ': ' || b.cancel_reason, ''), "
           "       to_char(b.exported_at, 'DD/MM/YYYY HH24:MI'), b.file_name "
           "FROM sepa_batches b LEFT JOIN sites s ON s.id = b.site_id "
           "WHERE ($1 = '' OR s.code = upper($1)) ORDER BY b.id DESC",
           site)) {
    table.rows.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                          r[3].as<std::string>(), r[4].as<std::int64_t>(), format_euros(r[5].as<Cents>()),
                          r[5].as<std::int64_t>(), r[6].as<std::int64_t>(), r[7].as<std::string>(),
                          r[8].as<std::string>(), r[9].as<std::string>()});
  }
  report.add("files", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

void show_batch(pqxx::transaction_base& tx, long long id, Report& report) {
  const auto rows = tx.exec_params(
      "SELECT b.id, b.message_id, b.collection_date::text, coalesce(s.code, 'ALL'), b.file_name, b.file_sha256, "
      "       b.state, to_char(b.exported_at, 'DD/MM/YYYY HH24:MI'), to_char(b.cancelled_at, 'DD/MM/YYYY HH24:MI'), "
      "       b.cancel_reason, b.transaction_count, b.control_sum_cents "
      "FROM sepa_batches b LEFT JOIN sites s ON s.id = b.site_id WHERE b.id = $1",
      id);
  if (rows.empty()) {
    throw DataError("no SEPA file " + std::to_string(id) + " (see 'imuse-admin sepa list')");
  }
  const auto& b = rows[0];
  report.details = {{"id", b[0].as<std::int64_t>()},
                    {"message_id", b[1].as<std::string>()},
                    {"collection_date", parse_date(b[2].as<std::string>())->french()},
                    {"site", b[3].as<std::string>()},
                    {"file", b[4].as<std::string>()},
                    {"file_sha256", text_or_null(b[5])},
                    {"state", b[6].as<std::string>()},
                    {"exported_at", b[7].as<std::string>()},
                    {"cancelled_at", text_or_null(b[8])},
                    {"cancel_reason", text_or_null(b[9])},
                    {"transactions", b[10].as<std::int64_t>()},
                    {"control_sum", format_euros(b[11].as<Cents>())},
                    {"control_sum_cents", b[11].as<std::int64_t>()}};
  Table table{{"end_to_end_id", "sequence_type", "family", "invoice", "instalment", "amount", "amount_cents", "rum",
               "iban", "state", "returned_on", "return_reason"},
              {}};
  std::map<std::string, std::int64_t> counts;
  for (const auto& r :
       tx.exec_params("SELECT c.end_to_end_id, c.sequence_type, "
                      "       coalesce(f.external_ref || ' ', '') || f.last_name || coalesce(' ' || f.first_name, ''), "
                      "       i.number, n.number, c.amount_cents, m.rum, m.iban_last4, c.state, "
                      "       to_char(c.returned_on, 'DD/MM/YYYY'), c.return_reason_code || ' ' || c.return_reason "
                      "FROM sepa_collections c JOIN instalments n ON n.id = c.instalment_id "
                      "JOIN invoices i ON i.id = n.invoice_id JOIN families f ON f.id = i.family_id "
                      "JOIN sepa_mandates m ON m.id = c.mandate_id "
                      "WHERE c.batch_id = $1 ORDER BY c.sequence_type, i.number, n.number",
                      id)) {
    ++counts[r[8].as<std::string>()];
    table.rows.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                          r[3].as<std::string>(), r[4].as<std::int64_t>(), format_euros(r[5].as<Cents>()),
                          r[5].as<std::int64_t>(), r[6].as<std::string>(), "\u2026" + r[7].as<std::string>(),
                          r[8].as<std::string>(), text_or_null(r[9]), text_or_null(r[10])});
  }
  for (const char* state : {"exported", "returned", "cancelled"}) {
    report.add(state, counts[state]);
  }
  report.table = std::move(table);
}

void cancel_batch(pqxx::transaction_base& tx, long long id, const std::string& reason, const std::string& actor,
                  Report& report) {
  const std::string why(trim_blank(reason));
  if (why.empty()) {
    throw UsageError("--reason: say why the bank rejected the file");
  }
  const auto rows = tx.exec_params(
      "SELECT state, message_id, to_char(cancelled_at, 'DD/MM/YYYY'), to_jsonb(b)::text, "
      "       to_char(collection_date, 'DD/MM/YYYY') FROM sepa_batches b WHERE id = $1 FOR UPDATE",
      id);
  if (rows.empty()) {
    throw DataError("no SEPA file " + std::to_string(id) + " (see 'imuse-admin sepa list')");
  }
  const auto& b = rows[0];
  const std::string message_id = b[1].as<std::string>();
  if (b[0].as<std::string>() == "cancelled") {
    throw DataError("SEPA file " + std::to_string(id) + " (" + message_id + ") was already cancelled on " +
                    b[2].as<std::string>());
  }
  const auto done = tx.exec_params1(
      "WITH cancelled AS ("
      "  UPDATE sepa_collections SET state = 'cancelled' WHERE batch_id = $1 AND state = 'exported' "
      "  RETURNING payment_id, mandate_id, amount_cents), "
      "payments_cancelled AS ("
      "  UPDATE payments p SET cancelled_at = now(), cancel_reason = $2 "
      "  FROM cancelled c WHERE p.id = c.payment_id AND p.cancelled_at IS NULL RETURNING p.id) "
      "SELECT (SELECT count(*) FROM cancelled), (SELECT coalesce(sum(amount_cents), 0)::bigint FROM cancelled), "
      "       (SELECT count(*) FROM payments_cancelled), "
      "       (SELECT coalesce(array_agg(DISTINCT mandate_id), '{}')::text FROM cancelled)",
      id, "fichier SEPA " + message_id + " annulé : " + why);
  tx.exec_params0("UPDATE sepa_batches SET state = 'cancelled', cancelled_at = now(), cancel_reason = $2 WHERE id = $1",
                  id, why);
  const std::int64_t back_to_frst = refresh_sequences(tx, done[3].as<std::string>());
  tx.exec_params0(
      "INSERT INTO audit_log (actor, command, site_id, entity, entity_id, old_values, new_values) "
      "SELECT $1, 'sepa cancel', b.site_id, 'sepa_batch', b.id, $3::jsonb, to_jsonb(b) FROM sepa_batches b "
      "WHERE b.id = $2",
      actor, id, b[3].as<std::string>());
  const auto collections = done[0].as<std::int64_t>();
  report.add("collections_cancelled", collections);
  report.add("cancelled_cents", done[1].as<Cents>());
  report.add("payments_cancelled", done[2].as<std::int64_t>());
  report.add("mandates_back_to_frst", back_to_frst);
  report.messages.push_back(
      "SEPA file " + std::to_string(id) + " (" + message_id + ", collection date " + b[4].as<std::string>() +
      ") cancelled: " + std::to_string(collections) + " direct debits for " + format_euros(done[1].as<Cents>()) +
      " are due again and will be in the next export; " + std::to_string(back_to_frst) + " mandate(s) back to FRST");
}

// ---------------------------------------------------------------------------------------------
// sepa import-returns

namespace {

enum ReturnColumn : std::size_t { kEndToEnd, kRum, kAmount, kCollectionDate, kReturnDate, kReason };

const std::vector<ColumnSpec> kReturnColumns = {
    {"end_to_end_id", "EndToEndId", false, "Référence de bout en bout"},
    {"rum", "RUM", false, "Référence du mandat"},
    {"amount", "Montant", false},
    {"collection_date", "Date de prélèvement", false, "Date d'échéance"},
    {"return_date", "Date de retour", true, "Date de rejet"},
    {"reason", "Motif", true, "Code motif"},
};

// ISO 20022 ExternalReturnReason codes met in SEPA direct-debit returns, as French banks word them.
const std::map<std::string, std::string> kReasons = {
    {"AC01", "numéro de compte (IBAN) incorrect"},
    {"AC04", "compte clôturé"},
    {"AC06", "compte bloqué"},
    {"AC13", "type de compte du débiteur invalide"},
    {"AG01", "opération interdite sur ce compte"},
    {"AG02", "code opération incorrect"},
    {"AM04", "provision insuffisante"},
    {"AM05", "opération en double"},
    {"BE05", "identifiant du créancier incorrect"},
    {"CNOR", "banque du créancier non joignable"},
    {"DNOR", "banque du débiteur non joignable"},
    {"FF01", "format de fichier invalide"},
    {"MD01", "absence de mandat"},
    {"MD02", "données du mandat manquantes ou incorrectes"},
    {"MD06", "remboursement demandé par le débiteur (contestation)"},
    {"MD07", "débiteur décédé"},
    {"MS02", "refus du débiteur"},
    {"MS03", "motif non communiqué par la banque"},
    {"RC01", "code BIC incorrect"},
    {"RR01", "identification du compte du débiteur manquante (motif réglementaire)"},
    {"RR02", "nom ou adresse du débiteur manquant (motif réglementaire)"},
    {"RR03", "nom ou adresse du créancier manquant (motif réglementaire)"},
    {"RR04", "motif réglementaire"},
    {"SL01", "service spécifique de la banque du débiteur"},
};

// Codes after which the mandate itself is unusable: the office must set a new one or revoke it.
bool mandate_unusable(const std::string& code) {
  return code == "AC01" || code == "AC04" || code == "AC06" || code == "AG01" || code == "MD01" || code == "MD02" ||
         code == "MD07" || code == "RC01";
}

std::string civility_word(const pqxx::field& f) {
  if (f.is_null()) {
    return "";
  }
  return f.as<std::string>() == "MME" ? "Madame" : "Monsieur";
}

class ReturnsImport : public FlatImport {
 public:
  ReturnsImport(pqxx::work& tx, const Config& config, const ReturnsImportOptions& options, Progress& progress,
                Report& report)
      : FlatImport(tx, options, "returns", kReturnColumns, progress, report),
        work_(tx),
        config_(config),
        returns_options_(options) {}

  void run() {
    run_staged("import_returns",
               {{"pos", "bigint"}, {"end_to_end_id", "text"}, {"rum", "text"}, {"amount", "bigint"},
                {"collection_date", "date"}, {"return_date", "date"}, {"reason_code", "text"}},
               [this] { match(); }, [this] { record(); });
  }

 private:
  struct Accepted {
    long long pos;
    long long collection_id;
    std::string return_date;
    std::string code;
  };

  void stage(FlatRow& row, CopyWriter& copy) override {
    const auto& cells = row.cells;
    const auto returned = parse_date(cells[kReturnDate]);
    if (!returned) {
      row.problem(kReturnDate,
                  "expected a date such as 08/10/2026 (dd/mm/yyyy), got " + imuse::quoted(cells[kReturnDate]));
    }
    const std::string code = ascii_upper(cells[kReason]);
    if (code.size() != 4 || code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != std::string::npos) {
      row.problem(kReason, "expected an ISO 20022 reason code of 4 letters and digits such as AM04, got " +
                               imuse::quoted(cells[kReason]));
    }
    std::optional<Cents> amount;
    std::optional<Date> collected;
    if (!cells[kAmount].empty()) {
      amount = parse_amount(cells[kAmount]);
      if (!amount || *amount == 0) {
        row.problem(kAmount, "expected a positive amount such as 72,47, got " + imuse::quoted(cells[kAmount]));
      }
    }
    if (!cells[kCollectionDate].empty()) {
      collected = parse_date(cells[kCollectionDate]);
      if (!collected) {
        row.problem(kCollectionDate,
                    "expected a date such as 05/10/2026, got " + imuse::quoted(cells[kCollectionDate]));
      }
    }
    if (cells[kEndToEnd].empty() && (cells[kRum].empty() || cells[kAmount].empty() || cells[kCollectionDate].empty())) {
      row.row_problem("the row names no direct debit: give its EndToEndId, or its RUM, amount and collection date",
                      kEndToEnd);
    }
    if (!row.issues.empty()) {
      return;
    }
    copy.field(std::to_string(row.pos()));
    cells[kEndToEnd].empty() ? copy.null() : copy.field(cells[kEndToEnd]);
    cells[kRum].empty() ? copy.null() : copy.field(cells[kRum]);
    amount ? copy.field(std::to_string(*amount)) : copy.null();
    collected ? copy.field(collected->iso()) : copy.null();
    copy.field(returned->iso());
    copy.field(code);
    copy.end_row();
  }

  void match() {
    std::map<long long, long long> seen;  // collection id -> first pos
    report_.add("already_returned", 0);
    for (const auto& r :
         tx_.exec("SELECT p.pos, p.end_to_end_id, p.rum, p.return_date::text, p.reason_code, "
                  "       (SELECT array_agg(c.id ORDER BY c.state = 'cancelled', c.id)::text FROM sepa_collections c "
                  "        JOIN sepa_mandates m ON m.id = c.mandate_id JOIN sepa_batches b ON b.id = c.batch_id "
                  "        WHERE CASE WHEN p.end_to_end_id IS NOT NULL THEN c.end_to_end_id = p.end_to_end_id "
                  "                   ELSE m.rum = p.rum AND c.amount_cents = p.amount AND b.collection_date = "
                  "p.collection_date "
                  "              END), "
                  "       (SELECT count(*) FROM sepa_collections c "
                  "        JOIN sepa_mandates m ON m.id = c.mandate_id JOIN sepa_batches b ON b.id = c.batch_id "
                  "        WHERE p.end_to_end_id IS NULL AND c.state <> 'cancelled' AND m.rum = p.rum "
                  "          AND c.amount_cents = p.amount AND b.collection_date = p.collection_date) "
                  "FROM import_returns p ORDER BY p.pos")) {
      const long long pos = r[0].as<long long>();
      const bool by_id = !r[1].is_null();
      if (r[5].is_null()) {
        if (by_id) {
          reject(pos, kEndToEnd, "no direct debit has this EndToEndId (see 'imuse-admin sepa show')");
        } else {
          reject(pos, kRum,
                 "no direct debit of mandate " + r[2].as<std::string>() +
                     " has this amount and collection date (see 'imuse-admin sepa show')");
        }
        continue;
      }
      // By RUM, amount and date, the debit of a cancelled file and its collection again match
      // alike: the one not cancelled is meant (listed first).
      const std::string ids = r[5].as<std::string>();
      if (r[6].as<long long>() > 1) {
        reject(pos, kRum,
               "several direct debits of mandate " + r[2].as<std::string>() +
                   " have this amount and collection date: give the EndToEndId");
        continue;
      }
      const long long id = std::stoll(ids.substr(1, ids.find_first_of(",}") - 1));
      const auto c = tx_.exec_params1(
          "SELECT c.state, c.return_reason_code, b.collection_date > $2::date, to_char(b.collection_date, "
          "'DD/MM/YYYY'), "
          "       b.message_id FROM sepa_collections c JOIN sepa_batches b ON b.id = c.batch_id WHERE c.id = $1 "
          "FOR UPDATE OF c",
          id, r[3].as<std::string>());
      const std::string state = c[0].as<std::string>();
      const std::string code = r[4].as<std::string>();
      if (state == "returned" || seen.count(id) > 0) {
        report_.add("already_returned");
        if (state == "returned" && c[1].as<std::string>() != code) {
          report_.warnings.push_back(location(pos) + ": this direct debit was already recorded as returned with " +
                                     c[1].as<std::string>() + ", not " + code + "; nothing was changed");
        }
        continue;
      }
      if (state == "cancelled") {
        reject(pos, by_id ? kEndToEnd : kRum,
               "this direct debit belongs to SEPA file " + c[4].as<std::string>() +
                   ", which was cancelled ('sepa cancel'): it was never collected");
        continue;
      }
      if (c[2].as<bool>()) {
        reject(pos, kReturnDate, "the return date is before the collection date " + c[3].as<std::string>());
        continue;
      }
      seen.emplace(id, pos);
      accepted_.push_back(Accepted{pos, id, r[3].as<std::string>(), code});
    }
  }

  void record() {
    Table table{{"location", "end_to_end_id", "family", "invoice", "amount", "reason", "mailed"}, {}};
    Cents total = 0;
    std::vector<std::string> mandates;
    for (const auto& a : accepted_) {
      check_interrupted();
      const std::string label = return_reason_label(a.code);
      const std::string reason = label.empty() ? "motif " + a.code : label;
      const auto c = tx_.exec_params1(
          "UPDATE sepa_collections SET state = 'returned', returned_on = $2::date, return_reason_code = $3, "
          "       return_reason = $4 WHERE id = $1 "
          "RETURNING end_to_end_id, amount_cents, payment_id, mandate_id, instalment_id, batch_id",
          a.collection_id, a.return_date, a.code, reason);
      const Date returned = *parse_date(a.return_date);
      tx_.exec_params0(
          "UPDATE payments SET cancelled_at = now(), cancel_reason = $2 WHERE id = $1 AND cancelled_at IS NULL",
          c[2].as<long long>(), "prélèvement rejeté le " + returned.french() + " (" + a.code + " : " + reason + ")");
      mandates.push_back(c[3].as<std::string>());
      tx_.exec_params0(
          "INSERT INTO audit_log (actor, command, site_id, entity, entity_id, new_values) "
          "SELECT $1, $2, i.site_id, 'sepa_collection', c.id, to_jsonb(c) FROM sepa_collections c "
          "JOIN invoices i ON i.id = (SELECT invoice_id FROM instalments WHERE id = c.instalment_id) WHERE c.id = $3",
          returns_options_.actor, returns_options_.command, a.collection_id);
      const Cents amount = c[1].as<Cents>();
      total += amount;
      const auto mailed = notify(a, reason);
      const auto info = tx_.exec_params1(
          "SELECT coalesce(f.external_ref || ' ', '') || f.last_name || coalesce(' ' || f.first_name, ''), i.number "
          "FROM instalments n JOIN invoices i ON i.id = n.invoice_id JOIN families f ON f.id = i.family_id "
          "WHERE n.id = $1",
          c[4].as<long long>());
      table.rows.push_back({location(a.pos), c[0].as<std::string>(), info[0].as<std::string>(),
                            info[1].as<std::string>(), format_euros(amount), a.code + " " + reason, mailed});
      if (mandate_unusable(a.code)) {
        report_.warnings.push_back(location(a.pos) + ": " + a.code + " (" + reason + ") for family " +
                                   info[0].as<std::string>() +
                                   ": its mandate is likely unusable; set a new one ('families mandate set') or "
                                   "revoke it ('families mandate revoke')");
      }
    }
    const std::int64_t back_to_frst = mandates.empty() ? 0 : refresh_sequences(tx_, "{" + join(mandates, ",") + "}");
    report_.add("returned", static_cast<std::int64_t>(accepted_.size()));
    report_.add("returned_cents", total);
    report_.add("mandates_back_to_frst", back_to_frst);
    if (!table.rows.empty()) {
      report_.table = std::move(table);
    }
  }

  // Queues the sepa_return mail of a returned collection (once per collection); "yes", or "no"
  // when the family has no e-mail address.
  std::string notify(const Accepted& a, const std::string& reason) {
    const auto r = tx_.exec_params1(
        "SELECT coalesce(f.email, (SELECT a.email FROM accounts a WHERE a.family_id = f.id LIMIT 1)), f.civility, "
        "       f.last_name, coalesce(f.first_name, ''), coalesce(f.external_ref, ''), s.id, s.code, s.name, "
        "       s.portal_url, c.amount_cents, to_char(b.collection_date, 'DD/MM/YYYY'), i.number, n.number, "
        "       m.rum, m.iban_last4, c.end_to_end_id, greatest(ib.due_cents, 0), i.payfip_reference, f.id, "
        "       to_char(n.due_on, 'DD/MM/YYYY') "
        "FROM sepa_collections c JOIN sepa_batches b ON b.id = c.batch_id "
        "JOIN instalments n ON n.id = c.instalment_id JOIN invoices i ON i.id = n.invoice_id "
        "JOIN invoice_balances ib ON ib.invoice_id = i.id "
        "JOIN families f ON f.id = i.family_id JOIN sites s ON s.id = f.site_id "
        "JOIN sepa_mandates m ON m.id = c.mandate_id WHERE c.id = $1",
        a.collection_id);
    if (r[0].is_null()) {
      report_.add("not_mailed");
      report_.warnings.push_back(location(a.pos) + ": the family has no e-mail address; tell it by another means");
      return "no";
    }
    nlohmann::json school = nlohmann::json::object();
    for (const char* key : {"name", "address", "postal_code", "city", "phone", "email", "website"}) {
      school[key] = config_.get(std::string("school.") + key);
    }
    const Date returned = *parse_date(a.return_date);
    const nlohmann::json variables = {
        {"school", school},
        {"site",
         {{"code", r[6].as<std::string>()}, {"name", r[7].as<std::string>()}, {"portal_url", r[8].as<std::string>()}}},
        {"family",
         {{"civility", civility_word(r[1])},
          {"last_name", r[2].as<std::string>()},
          {"first_name", r[3].as<std::string>()},
          {"ref", r[4].as<std::string>()}}},
        {"debit",
         {{"amount", format_euros(r[9].as<Cents>())},
          {"collection_date", r[10].as<std::string>()},
          {"invoice", r[11].as<std::string>()},
          {"instalment", r[12].as<std::int64_t>()},
          {"instalment_due_on", r[19].as<std::string>()},
          {"rum", r[13].as<std::string>()},
          {"iban", "\u2026" + r[14].as<std::string>()},
          {"end_to_end_id", r[15].as<std::string>()}}},
        {"return", {{"code", a.code}, {"reason", reason}, {"date", returned.french()}}},
        {"invoice",
         {{"number", r[11].as<std::string>()},
          {"due", format_euros(r[16].as<Cents>())},
          {"payfip_reference", r[17].is_null() ? std::string() : r[17].as<std::string>()}}},
        {"payfip_url", config_.get("billing.payfip_url")},
        {"payee", config_.get("billing.payee")},
    };
    const std::string site_code = r[6].as<std::string>();
    const auto rendered = mail::render_template(config_, "sepa_return", site_code, variables);
    mail::QueuedMail mail;
    mail.idempotency_key = "sepa_return:" + std::to_string(a.collection_id);
    mail.kind = "sepa_return";
    mail.family_id = r[18].as<std::int64_t>();
    mail.site_id = r[5].as<std::int64_t>();
    mail.to = mail::Address{r[0].as<std::string>(), trim(r[3].as<std::string>() + " " + r[2].as<std::string>())};
    mail.subject = rendered.subject;
    mail.text = rendered.text;
    mail.html = rendered.html;
    mail.created_by_command = returns_options_.command;
    if (mail::queue_mail(work_, config_, mail)) {
      report_.add("mails_queued");
      return "yes";
    }
    return "already";
  }

  pqxx::work& work_;
  const Config& config_;
  const ReturnsImportOptions& returns_options_;
  std::vector<Accepted> accepted_;
};

}  // namespace

const std::vector<ColumnSpec>& return_columns() {
  return kReturnColumns;
}

std::string return_reason_label(const std::string& code) {
  const auto it = kReasons.find(code);
  return it == kReasons.end() ? std::string() : it->second;
}

void import_returns(pqxx::work& tx, const Config& config, const ReturnsImportOptions& options, Progress& progress,
                    Report& report) {
  ReturnsImport(tx, config, options, progress, report).run();
}

}  // namespace imuse::sepa
