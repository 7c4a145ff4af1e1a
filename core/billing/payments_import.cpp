// `payments import`: a bank or PayFIP statement, one payment per row, on the shared flat import frame.
#include <map>
#include <set>

#include "billing/payments.hpp"
#include "util/fold.hpp"

namespace imuse {

namespace {

enum Field : std::size_t { kDate, kAmount, kReference, kMode, kOperation, kSite };

// Banks call the label "Libellé" and the amount of a credit "Crédit"; PayFIP says "Référence".
const std::vector<ColumnSpec> kColumns = {
    {"date", "Date", true, "Date opération"},
    {"amount", "Montant", true, "Crédit"},
    {"reference", "Référence", true, "Libellé"},
    {"mode", "Mode", false, "Mode de règlement"},
    {"operation_id", "Identifiant opération", false, "Numéro d'opération"},
    {"site", "Site", false},
};

class PaymentsImport : public FlatImport {
 public:
  PaymentsImport(pqxx::transaction_base& tx, const PaymentsImportOptions& options, Progress& progress, Report& report)
      : FlatImport(tx, options, "payments", kColumns, progress, report), payments_options_(options) {}

  void run() {
    run_staged("import_payments",
               {{"pos", "bigint"}, {"site_id", "int"}, {"paid_on", "date"}, {"amount", "bigint"}, {"mode", "text"},
                {"candidates", "text[]"}, {"reference", "text"}, {"op_key", "text"}, {"line_content", "text"}},
               [this] { match(); }, [this] { record(); });
  }

 private:
  struct Accepted {
    long long pos;
    long long invoice_id;
    int site_id;
    std::string school_year;
    std::string number;
    std::string paid_on;
    Cents amount;
    std::string mode;
    std::string reference;
    std::string import_key;
  };

  void stage(FlatRow& row, CopyWriter& copy) override {
    const auto& cells = row.cells;
    const auto date = parse_date(cells[kDate]);
    if (!date) {
      row.problem(kDate, "expected a date such as 05/10/2026 (dd/mm/yyyy), got " + imuse::quoted(cells[kDate]));
    }
    const auto amount = parse_amount(cells[kAmount], true);
    if (!amount) {
      row.problem(kAmount, "expected an amount such as 24,00 or 24.00, got " + imuse::quoted(cells[kAmount]));
    } else if (*amount <= 0) {
      row.problem(kAmount, "expected a positive amount (a credit), got " + imuse::quoted(cells[kAmount]) +
                               ": a debit is not a payment of a family");
    }
    std::string mode = payments_options_.default_mode;
    if (!cells[kMode].empty()) {
      if (is_tav_mode(cells[kMode])) {
        row.problem(kMode, "TAV (transfer to the Trésor Public) is recorded only by the treasury export");
      } else if (auto m = parse_payment_mode(cells[kMode])) {
        mode = *m;
      } else {
        row.problem(kMode, "expected Chèque, Espèces, Carte bancaire, Virement, Prélèvement or PayFIP, got " +
                               imuse::quoted(cells[kMode]));
      }
    } else if (mode.empty()) {
      row.row_problem("no payment mode: the row has no \"Mode\" and no --mode was given", kMode);
    }
    const auto candidates = reference_candidates(cells[kReference]);
    if (candidates.empty()) {
      row.problem(kReference, "no invoice number or PayFIP reference (such as FACT20262027000012) in " +
                                  imuse::quoted(cells[kReference]));
    }
    std::optional<int> site;
    if (!cells[kSite].empty() || !options_.default_site.empty()) {
      site = site_of(row, kSite);
    }
    if (!row.issues.empty()) {
      return;
    }
    copy.field(std::to_string(row.pos()));
    if (site) {
      copy.field(std::to_string(*site));
    } else {
      copy.null();
    }
    copy.field(date->iso());
    copy.field(std::to_string(*amount));
    copy.field(mode);
    copy.field("{" + join_words(candidates) + "}");
    copy.field(cells[kReference]);
    if (!cells[kOperation].empty()) {
      copy.field("bank:" + cells[kOperation]);
      copy.null();
    } else {
      // Without an operation id, the same line twice in one file is two payments (two cheques of
      // the same amount the same day): the occurrence number keeps their keys apart.
      const std::string content =
          date->iso() + "|" + std::to_string(*amount) + "|" + fold_text(cells[kReference]) + "|" + mode;
      copy.null();
      copy.field(content + "#" + std::to_string(++occurrences_[content]));
    }
    copy.end_row();
  }

  static std::string join_words(const std::vector<std::string>& words) {
    std::string s;
    for (const auto& w : words) {
      s += (s.empty() ? "" : ",") + w;
    }
    return s;
  }

  void match() {
    std::set<std::string> seen_keys;
    std::map<long long, Cents> remaining;
    report_.add("already_recorded", 0);
    // Each word of each label, on each site it may belong to, looked up through the (site_id,
    // number) and (site_id, payfip_reference) indexes.
    tx_.exec0("ANALYZE import_payments");
    tx_.exec0(
        "CREATE TEMP TABLE import_payment_words ON COMMIT DROP AS "
        "SELECT p.pos, s.id AS site_id, w.word FROM import_payments p "
        "JOIN sites s ON p.site_id IS NULL OR s.id = p.site_id CROSS JOIN LATERAL unnest(p.candidates) AS w(word)");
    tx_.exec0("ANALYZE import_payment_words");
    tx_.exec0(
        "CREATE TEMP TABLE import_payment_matches ON COMMIT DROP AS "
        "SELECT w.pos, i.id AS invoice_id FROM import_payment_words w "
        "  JOIN invoices i ON i.site_id = w.site_id AND i.number = w.word "
        "UNION "
        "SELECT w.pos, i.id FROM import_payment_words w "
        "  JOIN invoices i ON i.site_id = w.site_id AND i.payfip_reference = w.word");
    tx_.exec0("ANALYZE import_payment_matches");
    // The invoices the file names stay locked until the end, as `payments record` locks its
    // invoice: what is due cannot change between the overpayment check and the insert.
    tx_.exec(
        "SELECT i.id FROM invoices i WHERE i.id IN (SELECT invoice_id FROM import_payment_matches) "
        "ORDER BY i.id FOR UPDATE");
    for (const auto& r :
         tx_.exec("SELECT p.pos, k.import_key, EXISTS (SELECT 1 FROM payments x WHERE x.import_key = k.import_key), "
                  "       coalesce(m.n, 0), m.first_id, m.numbers, array_to_string(p.candidates, ', '), st.code, "
                  "       i.kind, i.state, i.number, i.site_id, i.school_year, b.due_cents, "
                  "       p.paid_on::text, p.amount, p.mode, p.reference "
                  "FROM import_payments p "
                  "CROSS JOIN LATERAL (SELECT coalesce(p.op_key, 'line:' || encode(sha256(convert_to(p.line_content, "
                  "                    'UTF8')), 'hex')) AS import_key) k "
                  "LEFT JOIN (SELECT x.pos, count(*) AS n, min(x.invoice_id) AS first_id, "
                  "       string_agg(s.code || ' ' || i.number, ', ' ORDER BY s.code, i.number) AS numbers "
                  "     FROM import_payment_matches x JOIN invoices i ON i.id = x.invoice_id JOIN sites s ON s.id = "
                  "i.site_id "
                  "     GROUP BY x.pos) m ON m.pos = p.pos "
                  "LEFT JOIN invoices i ON i.id = m.first_id AND m.n = 1 "
                  "LEFT JOIN invoice_balances b ON b.invoice_id = i.id "
                  "LEFT JOIN sites st ON st.id = p.site_id "
                  "ORDER BY p.pos")) {
      const auto pos = r[0].as<long long>();
      const auto key = r[1].as<std::string>();
      if (r[2].as<bool>() || !seen_keys.insert(key).second) {
        report_.add("already_recorded");
        continue;
      }
      const auto n = r[3].as<long long>();
      const std::string on_site = r[7].is_null() ? "" : " on site " + r[7].as<std::string>();
      if (n == 0) {
        reject(pos, kReference,
               "no invoice matches: " + r[6].as<std::string>() +
                   " is neither an invoice number nor a PayFIP "
                   "reference" +
                   on_site + " (expected a number such as FACT20262027000012)");
        continue;
      }
      if (n > 1) {
        reject(pos, kReference,
               "ambiguous: the label matches " + std::to_string(n) + " invoices (" + r[5].as<std::string>() +
                   "); give the \"Site\" column or --site, or record it with 'payments record'");
        continue;
      }
      const auto number = r[10].as<std::string>();
      if (r[8].as<std::string>() != "invoice") {
        reject(pos, kReference, number + " is a credit note (avoir), not an invoice: payments settle invoices");
        continue;
      }
      if (r[9].as<std::string>() != "issued") {
        reject(pos, kReference, "invoice " + number + " is cancelled");
        continue;
      }
      const auto invoice_id = r[4].as<long long>();
      const Cents amount = r[15].as<Cents>();
      auto [it, fresh] = remaining.emplace(invoice_id, r[13].as<Cents>());
      (void)fresh;
      if (amount > it->second) {
        reject(pos, kAmount,
               format_euros(amount) + " is more than what is still due on invoice " + number + ": " +
                   format_euros(it->second < 0 ? 0 : it->second) +
                   " (overpayment not recorded; record it with "
                   "'payments record --allow-overpayment' if it is right)");
        continue;
      }
      it->second -= amount;
      accepted_.push_back(Accepted{pos, invoice_id, r[11].as<int>(), r[12].as<std::string>(), number,
                                   r[14].as<std::string>(), amount, r[16].as<std::string>(), r[17].as<std::string>(),
                                   key});
    }
  }

  void record() {
    Table table{{"location", "invoice", "date", "amount", "mode", "receipt"}, {}};
    Cents total = 0;
    for (const auto& a : accepted_) {
      const std::string receipt = next_receipt_number(tx_, a.site_id, a.school_year);
      tx_.exec_params0(
          "INSERT INTO payments (invoice_id, amount_cents, mode, paid_on, reference, operation_number, import_key, "
          "recorded_by) VALUES ($1, $2, $3, $4::date, left($5, 200), $6, $7, $8)",
          a.invoice_id, a.amount, a.mode, a.paid_on, a.reference, receipt, a.import_key, payments_options_.actor);
      total += a.amount;
      table.rows.push_back({location(a.pos), a.number, parse_date(a.paid_on)->french(), format_euros(a.amount),
                            payment_mode_label(a.mode), receipt});
    }
    report_.add("recorded", static_cast<std::int64_t>(accepted_.size()));
    report_.add("recorded_cents", total);
    if (!table.rows.empty()) {
      report_.table = std::move(table);
    }
  }

  const PaymentsImportOptions& payments_options_;
  std::map<std::string, int> occurrences_;
  std::vector<Accepted> accepted_;
};

}  // namespace

const std::vector<ColumnSpec>& payment_columns() {
  return kColumns;
}

void import_payments(pqxx::transaction_base& tx, const PaymentsImportOptions& options, Progress& progress,
                     Report& report) {
  PaymentsImport(tx, options, progress, report).run();
}

}  // namespace imuse
