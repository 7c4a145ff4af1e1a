#include "billing/payments.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>

#include "billing/statement.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/schedule.hpp"
#include "util/text.hpp"

namespace imuse {

namespace {

bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// "2026/2027" -> "20262027".
std::string year_digits(const std::string& school_year) {
  std::string digits;
  for (char c : school_year) {
    if (is_digit(c)) {
      digits += c;
    }
  }
  return digits;
}

struct InvoiceRow {
  long long id = 0;
  int site_id = 0;
  std::string school_year;
  std::string number;
  Cents due = 0;
};

// The issued invoice of `key` (number or PayFIP reference) on `site` ("" = any), locked so that
// two payments of the same invoice cannot both pass the overpayment check.
InvoiceRow find_invoice(pqxx::transaction_base& tx, const std::string& key, const std::string& site) {
  const auto rows = tx.exec_params(
      "SELECT i.id, i.site_id, i.school_year, i.number, i.kind, i.state, s.code FROM invoices i "
      "JOIN sites s ON s.id = i.site_id "
      "WHERE (i.number = upper($1) OR i.payfip_reference = $1) AND ($2 = '' OR s.code = upper($2)) "
      "ORDER BY s.code FOR UPDATE OF i",
      key, site);
  const std::string where = site.empty() ? "" : " on site " + ascii_upper(site);
  if (rows.empty()) {
    throw DataError("--invoice \"" + key + "\": no invoice with that number or PayFIP reference" + where +
                    " (expected a number such as FACT20262027000001; see 'imuse-admin invoices list')");
  }
  if (rows.size() > 1) {
    std::vector<std::string> sites;
    for (const auto& r : rows) {
      sites.push_back(r[6].as<std::string>());
    }
    throw DataError("--invoice \"" + key + "\" exists on several sites (" + join(sites, ", ") + "): give --site");
  }
  const auto& r = rows[0];
  const std::string number = r[3].as<std::string>();
  if (r[4].as<std::string>() != "invoice") {
    throw DataError("--invoice \"" + key + "\": " + number +
                    " is a credit note (avoir), not an invoice: payments settle invoices");
  }
  if (r[5].as<std::string>() != "issued") {
    throw DataError("--invoice \"" + key + "\": invoice " + number + " is cancelled");
  }
  InvoiceRow invoice{r[0].as<long long>(), r[1].as<int>(), r[2].as<std::string>(), number, 0};
  invoice.due =
      tx.exec_params1("SELECT due_cents FROM invoice_balances WHERE invoice_id = $1", invoice.id)[0].as<Cents>();
  return invoice;
}

Cents due_of(pqxx::transaction_base& tx, long long invoice_id) {
  return tx.exec_params1("SELECT due_cents FROM invoice_balances WHERE invoice_id = $1", invoice_id)[0].as<Cents>();
}

}  // namespace

std::optional<std::string> parse_payment_mode(std::string_view text) {
  static const std::map<std::string, std::string> kModes = {
      {"cheque", "cheque"},
      {"cheques", "cheque"},
      {"chq", "cheque"},
      {"check", "cheque"},
      {"remisecheque", "cheque"},
      {"remisedecheque", "cheque"},
      {"cash", "cash"},
      {"especes", "cash"},
      {"espece", "cash"},
      {"numeraire", "cash"},
      {"card", "card"},
      {"carte", "card"},
      {"cartebancaire", "card"},
      {"cartebleue", "card"},
      {"cb", "card"},
      {"tpe", "card"},
      {"transfer", "transfer"},
      {"virement", "transfer"},
      {"vir", "transfer"},
      {"virsepa", "transfer"},
      {"virementsepa", "transfer"},
      {"directdebit", "direct_debit"},
      {"prelevement", "direct_debit"},
      {"prelevementsepa", "direct_debit"},
      {"prlv", "direct_debit"},
      {"prlvsepa", "direct_debit"},
      {"sdd", "direct_debit"},
      {"payfip", "payfip"},
      {"tipi", "payfip"},
  };
  const auto it = kModes.find(fold_key(text));
  if (it == kModes.end()) {
    return std::nullopt;
  }
  return it->second;
}

bool is_tav_mode(std::string_view text) {
  return fold_key(text) == "tav";
}

std::string payment_mode_label(std::string_view mode) {
  if (mode == "cheque") {
    return "Chèque";
  }
  if (mode == "cash") {
    return "Espèces";
  }
  if (mode == "card") {
    return "Carte bancaire";
  }
  if (mode == "transfer") {
    return "Virement";
  }
  if (mode == "direct_debit") {
    return "Prélèvement";
  }
  if (mode == "payfip") {
    return "PayFIP";
  }
  if (mode == "tav") {
    return "TAV";
  }
  return std::string(mode);
}

std::vector<std::string> reference_candidates(std::string_view label) {
  std::vector<std::string> runs;
  std::string run;
  for (std::size_t i = 0; i <= label.size(); ++i) {
    const char c = i < label.size() ? label[i] : ' ';
    if (is_alpha(c) || is_digit(c)) {
      run += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (!run.empty()) {
      runs.push_back(run);
      run.clear();
    }
  }
  std::vector<std::string> found;
  auto add = [&found](const std::string& word) {
    bool letter = false;
    bool digit = false;
    for (char c : word) {
      letter = letter || is_alpha(c);
      digit = digit || is_digit(c);
    }
    if (letter && digit && word.size() >= 6 && word.size() <= 30 &&
        std::find(found.begin(), found.end(), word) == found.end()) {
      found.push_back(word);
    }
  };
  auto all_of = [](const std::string& w, bool (*pred)(char)) { return std::all_of(w.begin(), w.end(), pred); };
  for (std::size_t k = 0; k < runs.size(); ++k) {
    add(runs[k]);
    if (k + 1 < runs.size() && runs[k].size() <= 8 && runs[k + 1].size() >= 8 && all_of(runs[k], is_alpha) &&
        all_of(runs[k + 1], is_digit)) {
      add(runs[k] + runs[k + 1]);
    }
  }
  return found;
}

std::string document_number(const std::string& series, const std::string& school_year, long long sequence) {
  char seq[32];
  std::snprintf(seq, sizeof seq, "%06lld", sequence);
  return series + year_digits(school_year) + seq;
}

std::string next_receipt_number(pqxx::transaction_base& tx, int site_id, const std::string& school_year) {
  const auto n = tx.exec_params1(
                       "INSERT INTO invoice_counters (site_id, school_year, series, last_number) "
                       "VALUES ($1, $2, 'RECU', 1) "
                       "ON CONFLICT (site_id, school_year, series) DO UPDATE "
                       "SET last_number = invoice_counters.last_number + 1, updated_at = now() "
                       "RETURNING last_number",
                       site_id, school_year)[0]
                     .as<long long>();
  return document_number("RECU", school_year, n);
}

void record_payment(pqxx::transaction_base& tx, const RecordPaymentOptions& o, Report& report) {
  if (o.amount <= 0) {
    throw DataError("--amount: expected a positive amount such as 24,00");
  }
  const InvoiceRow invoice = find_invoice(tx, o.invoice, o.site);
  if (o.amount > invoice.due && !o.allow_overpayment) {
    throw DataError("--amount " + format_euros(o.amount) + " is more than what is still due on invoice " +
                    invoice.number + ": " + format_euros(invoice.due < 0 ? 0 : invoice.due) +
                    " (nothing was recorded; give --allow-overpayment to record it anyway)");
  }
  std::optional<long long> instalment_id;
  if (o.instalment) {
    const auto rows =
        tx.exec_params("SELECT id FROM instalments WHERE invoice_id = $1 AND number = $2", invoice.id, *o.instalment);
    if (rows.empty()) {
      const auto numbers = tx.exec_params1(
          "SELECT coalesce(string_agg(number::text, ', ' ORDER BY number), 'none') FROM instalments "
          "WHERE invoice_id = $1",
          invoice.id)[0];
      throw DataError("--instalment " + std::to_string(*o.instalment) + ": invoice " + invoice.number +
                      " has no such instalment (its instalments: " + numbers.as<std::string>() + ")");
    }
    instalment_id = rows[0][0].as<long long>();
  }
  const std::string receipt = next_receipt_number(tx, invoice.site_id, invoice.school_year);
  const auto id = tx.exec_params1(
                        "INSERT INTO payments (invoice_id, instalment_id, amount_cents, mode, paid_on, reference, "
                        "operation_number, recorded_by) "
                        "VALUES ($1, $2, $3, $4, $5::date, nullif($6, ''), $7, $8) RETURNING id",
                        invoice.id, instalment_id, o.amount, o.mode, o.paid_on.iso(), o.reference, receipt, o.actor)[0]
                      .as<long long>();
  const Cents remaining = due_of(tx, invoice.id);
  tx.exec_params0(
      "INSERT INTO audit_log (actor, command, site_id, entity, entity_id, new_values) "
      "SELECT $1, 'payments record', i.site_id, 'payment', p.id, to_jsonb(p) "
      "FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.id = $2",
      o.actor, id);
  report.messages.push_back("receipt " + receipt + ": " + format_euros(o.amount) + " (" + payment_mode_label(o.mode) +
                            ") on invoice " + invoice.number +
                            "; Reste à payer : " + format_euros(remaining < 0 ? 0 : remaining));
  if (remaining < 0) {
    report.warnings.push_back("invoice " + invoice.number + " is now overpaid by " + format_euros(-remaining));
  }
  report.details = {
      {"payment_id", static_cast<std::int64_t>(id)},
      {"receipt", receipt},
      {"invoice", invoice.number},
      {"amount", format_euros(o.amount)},
      {"amount_cents", static_cast<std::int64_t>(o.amount)},
      {"mode", payment_mode_label(o.mode)},
      {"reste_a_payer", format_euros(remaining < 0 ? 0 : remaining)},
      {"reste_a_payer_cents", static_cast<std::int64_t>(remaining < 0 ? 0 : remaining)},
  };
  report.add("recorded");
}

void list_payments(pqxx::transaction_base& tx, const PaymentListOptions& o, Report& report) {
  std::optional<long long> family;
  if (!o.family.empty()) {
    family = find_family(tx, o.family, o.site);
  }
  Table table{{"id", "date", "invoice", "receipt", "family_id", "family", "mode", "amount", "reference", "state"}, {}};
  Cents total = 0;
  for (const auto& r : tx.exec_params(
           "SELECT p.id, to_char(p.paid_on, 'DD/MM/YYYY'), i.number, p.operation_number, f.id, "
           "       coalesce(f.external_ref || ' ', '') || f.last_name || coalesce(' ' || f.first_name, ''), "
           "       p.mode, p.amount_cents, p.reference, "
           "       CASE WHEN p.cancelled_at IS NULL THEN 'recorded' "
           "            ELSE 'cancelled ' || to_char(p.cancelled_at, 'DD/MM/YYYY') || ': ' || p.cancel_reason END "
           "FROM payments p JOIN invoices i ON i.id = p.invoice_id JOIN families f ON f.id = i.family_id "
           "JOIN sites s ON s.id = i.site_id "
           "WHERE ($1 = '' OR i.number = upper($1) OR i.payfip_reference = $1) "
           "  AND ($2::bigint IS NULL OR i.family_id = $2::bigint) AND ($3 = '' OR i.school_year = $3) "
           "  AND ($4 = '' OR s.code = upper($4)) "
           "ORDER BY p.paid_on DESC, p.id DESC",
           o.invoice, family, o.school_year, o.site)) {
    const Cents amount = r[7].as<Cents>();
    const bool live = r[9].as<std::string>() == "recorded";
    total += live ? amount : 0;
    table.rows.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                          r[3].is_null() ? Cell{} : Cell{r[3].as<std::string>()}, r[4].as<std::int64_t>(),
                          r[5].as<std::string>(), payment_mode_label(r[6].as<std::string>()), format_euros(amount),
                          r[8].is_null() ? Cell{} : Cell{r[8].as<std::string>()}, r[9].as<std::string>()});
  }
  report.add("payments", static_cast<std::int64_t>(table.rows.size()));
  report.add("total_cents", total);
  report.table = std::move(table);
}

void cancel_payment(pqxx::transaction_base& tx, long long id, const std::string& reason, const std::string& actor,
                    Report& report) {
  if (is_blank(reason)) {
    throw UsageError("--reason: say why the payment is cancelled");
  }
  const auto rows = tx.exec_params(
      "SELECT p.mode, p.cancelled_at IS NOT NULL, to_char(p.cancelled_at, 'DD/MM/YYYY'), i.number, p.invoice_id, "
      "       to_jsonb(p), i.site_id FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.id = $1 "
      "FOR UPDATE OF p",
      id);
  if (rows.empty()) {
    throw DataError("no payment " + std::to_string(id) + " (see 'imuse-admin payments list')");
  }
  const auto& r = rows[0];
  if (r[1].as<bool>()) {
    throw DataError("payment " + std::to_string(id) + " was already cancelled on " + r[2].as<std::string>());
  }
  if (r[0].as<std::string>() == "tav") {
    throw DataError("payment " + std::to_string(id) +
                    " is a transfer to the Trésor Public (TAV): cancel its treasury batch instead");
  }
  tx.exec_params0("UPDATE payments SET cancelled_at = now(), cancel_reason = $2 WHERE id = $1", id,
                  std::string(trim_blank(reason)));
  tx.exec_params0(
      "INSERT INTO audit_log (actor, command, site_id, entity, entity_id, old_values, new_values) "
      "SELECT $1, 'payments cancel', $3, 'payment', p.id, $4::jsonb, to_jsonb(p) FROM payments p WHERE p.id = $2",
      actor, id, r[6].as<int>(), r[5].as<std::string>());
  const Cents due = due_of(tx, r[4].as<long long>());
  report.messages.push_back("payment " + std::to_string(id) + " cancelled; invoice " + r[3].as<std::string>() +
                            ": Reste à payer : " + format_euros(due < 0 ? 0 : due));
  report.add("cancelled");
}

}  // namespace imuse
