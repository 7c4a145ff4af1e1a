// invoices check / list / show.
#include <string>

#include "billing/invoices.hpp"
#include "sites/sites.hpp"
#include "util/error.hpp"
#include "util/money.hpp"

namespace imuse {

namespace {

// "AND <alias>.school_year = ..." / site filters as SQL text with quoted literals.
std::string filters(pqxx::transaction_base& tx, const std::string& alias, const std::string& year,
                    const std::string& site) {
  std::string sql;
  if (!year.empty()) {
    sql += " AND " + alias + ".school_year = " + tx.quote(year);
  }
  if (!site.empty()) {
    sql += " AND " + alias + ".site_id = (SELECT id FROM sites WHERE code = " + tx.quote(site) + ")";
  }
  return sql;
}

std::string checked_site(pqxx::transaction_base& tx, const std::string& site) {
  if (site.empty()) {
    return site;
  }
  const auto code = normalize_site_code(site);
  if (!code) {
    throw UsageError("--site \"" + site + "\" is not a site code");
  }
  require_site(tx, *code);
  return *code;
}

std::string euros(const pqxx::field& f) {
  return format_euros(f.is_null() ? 0 : f.as<Cents>());
}

}  // namespace

void check_invoices(pqxx::transaction_base& tx, const std::string& school_year, const std::string& site_in,
                    Report& report) {
  const std::string site = checked_site(tx, site_in);
  const std::string fi = filters(tx, "i", school_year, site);
  const std::string fc = filters(tx, "c", school_year, site);
  auto problem = [&](const std::string& item, const std::string& message) {
    report.rejected.push_back({item, message});
  };

  // Numbering: sequences 1..last_number, each once, per site, year and series.
  std::int64_t series_count = 0;
  for (const auto& r : tx.exec(
           "SELECT s.code, c.school_year, c.series, c.last_number, count(i.id), COALESCE(max(i.sequence), 0), "
           "       count(DISTINCT i.sequence), "
           "       (SELECT string_agg(n::text, ', ') FROM (SELECT n FROM generate_series(1, GREATEST(c.last_number, "
           "            COALESCE(max(i.sequence), 0))) n WHERE n NOT IN (SELECT sequence FROM invoices x "
           "            WHERE x.site_id = c.site_id AND x.school_year = c.school_year AND x.series = c.series) "
           "            ORDER BY n LIMIT 10) m) "
           "FROM invoice_counters c JOIN sites s ON s.id = c.site_id "
           "LEFT JOIN invoices i ON i.site_id = c.site_id AND i.school_year = c.school_year AND i.series = c.series "
           "WHERE c.series <> 'RECU'" +
           fc + " GROUP BY s.code, c.site_id, c.school_year, c.series, c.last_number ORDER BY 1, 2, 3")) {
    ++series_count;
    const std::string item =
        "series " + r[2].as<std::string>() + " " + r[1].as<std::string>() + " of site " + r[0].as<std::string>();
    const auto last = r[3].as<std::int64_t>();
    const auto count = r[4].as<std::int64_t>();
    const auto max = r[5].as<std::int64_t>();
    const auto distinct = r[6].as<std::int64_t>();
    if (distinct != count) {
      problem(item, std::to_string(count - distinct) + " duplicate sequence number(s)");
    }
    if (max > last) {
      problem(item,
              "invoice number " + std::to_string(max) + " is above the counter's last_number " + std::to_string(last));
    }
    if (!r[7].is_null()) {
      problem(item, "numbers missing (gap): " + r[7].as<std::string>() + " (counter last_number " +
                        std::to_string(last) + ", " + std::to_string(count) + " invoices)");
    }
  }
  // Receipts: the series RECU numbers payments (payments.operation_number, RECU<year><6 digits>)
  // per site and school year of the invoice paid; cancelled payments keep their number.
  for (const auto& r : tx.exec(
           "SELECT s.code, c.school_year, c.last_number, count(p.id), count(DISTINCT p.operation_number), "
           "       COALESCE(max(substr(p.operation_number, 13)::bigint), 0), "
           "       (SELECT string_agg(n::text, ', ') FROM (SELECT n FROM generate_series(1, c.last_number) n "
           "            WHERE NOT EXISTS (SELECT 1 FROM payments y JOIN invoices z ON z.id = y.invoice_id "
           "                  WHERE z.site_id = c.site_id AND z.school_year = c.school_year "
           "                  AND y.operation_number = 'RECU' || replace(c.school_year, '/', '') "
           "                                           || lpad(n::text, 6, '0')) "
           "            ORDER BY n LIMIT 10) m) "
           "FROM invoice_counters c JOIN sites s ON s.id = c.site_id "
           "LEFT JOIN (payments p JOIN invoices i ON i.id = p.invoice_id) ON i.site_id = c.site_id "
           "     AND i.school_year = c.school_year "
           "     AND p.operation_number ~ ('^RECU' || replace(c.school_year, '/', '') || '[0-9]{6}$') "
           "WHERE c.series = 'RECU'" +
           fc + " GROUP BY s.code, c.site_id, c.school_year, c.last_number ORDER BY 1, 2")) {
    ++series_count;
    const std::string item = "receipts RECU " + r[1].as<std::string>() + " of site " + r[0].as<std::string>();
    const auto last = r[2].as<std::int64_t>();
    const auto count = r[3].as<std::int64_t>();
    if (r[4].as<std::int64_t>() != count) {
      problem(item, std::to_string(count - r[4].as<std::int64_t>()) + " duplicate receipt number(s)");
    }
    if (r[5].as<std::int64_t>() > last) {
      problem(item, "receipt number " + r[5].as<std::string>() + " is above the counter's last_number " +
                        std::to_string(last));
    }
    if (!r[6].is_null()) {
      problem(item, "receipt numbers missing (gap): " + r[6].as<std::string>() + " (counter last_number " +
                        std::to_string(last) + ", " + std::to_string(count) + " receipts)");
    }
  }
  for (const auto& r :
       tx.exec("SELECT i.number, s.code, i.series || replace(i.school_year, '/', '') || lpad(i.sequence::text, 6, '0') "
               "FROM invoices i JOIN sites s ON s.id = i.site_id "
               "WHERE i.number <> i.series || replace(i.school_year, '/', '') || lpad(i.sequence::text, 6, '0')" +
               fi)) {
    problem("invoice " + r[0].as<std::string>() + " (site " + r[1].as<std::string>() + ")",
            "its number does not match its series, year and sequence (expected " + r[2].as<std::string>() + ")");
  }

  // Amounts: lines and instalments sum to the total.
  std::int64_t invoices = 0;
  for (const auto& r :
       tx.exec("SELECT i.number, s.code, i.kind, i.total_cents, "
               "       (SELECT COALESCE(sum(amount_cents), 0) FROM invoice_lines l WHERE l.invoice_id = i.id), "
               "       (SELECT COALESCE(sum(amount_cents), 0) FROM instalments n WHERE n.invoice_id = i.id), "
               "       (SELECT count(*) FROM instalments n WHERE n.invoice_id = i.id) "
               "FROM invoices i JOIN sites s ON s.id = i.site_id WHERE true" +
               fi + " ORDER BY s.code, i.number")) {
    ++invoices;
    const std::string item = "invoice " + r[0].as<std::string>() + " (site " + r[1].as<std::string>() + ")";
    const auto total = r[3].as<Cents>();
    const auto lines = r[4].as<Cents>();
    const auto instalments = r[5].as<Cents>();
    if (lines != total) {
      problem(item, "its lines sum to " + format_euros(lines) + ", its total is " + format_euros(total));
    }
    if (r[2].as<std::string>() == "invoice" && total > 0 && instalments != total) {
      problem(item, "its instalments sum to " + format_euros(instalments) + ", its total is " + format_euros(total));
    }
    if (r[2].as<std::string>() == "credit_note" && r[6].as<std::int64_t>() > 0) {
      problem(item, "a credit note has no instalments, this one has " + r[6].as<std::string>());
    }
  }

  // Credit notes: against an issued invoice of the same family, ledger and year, never more than
  // it billed, in total and per line key.
  for (const auto& r :
       tx.exec("SELECT i.number, s.code, t.number, t.kind, t.family_id = i.family_id AND t.ledger = i.ledger "
               "       AND t.school_year = i.school_year AND t.site_id = i.site_id "
               "FROM invoices i JOIN invoices t ON t.id = i.corrects_invoice_id JOIN sites s ON s.id = i.site_id "
               "WHERE i.kind = 'credit_note'" +
               fi +
               " AND (t.kind <> 'invoice' OR t.family_id <> i.family_id OR t.ledger <> i.ledger "
               "      OR t.school_year <> i.school_year OR t.site_id <> i.site_id)")) {
    problem("credit note " + r[0].as<std::string>() + " (site " + r[1].as<std::string>() + ")",
            "it corrects " + r[2].as<std::string>() +
                (r[3].as<std::string>() != "invoice" ? ", which is a credit note"
                                                     : ", an invoice of another family, ledger, year or site"));
  }
  for (const auto& r :
       tx.exec("SELECT t.number, s.code, t.total_cents, sum(i.total_cents) "
               "FROM invoices i JOIN invoices t ON t.id = i.corrects_invoice_id JOIN sites s ON s.id = t.site_id "
               "WHERE i.kind = 'credit_note' AND i.state = 'issued'" +
               fi + " GROUP BY t.id, t.number, s.code, t.total_cents HAVING sum(i.total_cents) > t.total_cents")) {
    problem("invoice " + r[0].as<std::string>() + " (site " + r[1].as<std::string>() + ")",
            "its credit notes total " + euros(r[3]) + ", more than the " + euros(r[2]) + " it billed");
  }
  for (const auto& r :
       tx.exec("WITH credited AS (SELECT i.corrects_invoice_id AS target, l.line_key, sum(l.amount_cents) AS cents "
               "                  FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id "
               "                  WHERE i.kind = 'credit_note' AND i.state = 'issued'" +
               fi +
               "                  GROUP BY 1, 2), "
               "billed AS (SELECT invoice_id AS target, line_key, sum(amount_cents) AS cents FROM invoice_lines "
               "           GROUP BY 1, 2) "
               "SELECT t.number, s.code, c.line_key, c.cents, COALESCE(b.cents, 0) "
               "FROM credited c JOIN invoices t ON t.id = c.target JOIN sites s ON s.id = t.site_id "
               "LEFT JOIN billed b ON b.target = c.target AND b.line_key IS NOT DISTINCT FROM c.line_key "
               "WHERE c.cents > COALESCE(b.cents, 0)")) {
    problem("invoice " + r[0].as<std::string>() + " (site " + r[1].as<std::string>() + ")",
            "its credit notes credit " + euros(r[3]) + " for " + (r[2].is_null() ? "lines without key" : r[2].c_str()) +
                ", more than the " + euros(r[4]) + " it billed for it");
  }

  // Payments only on issued invoices (not on credit notes or cancelled invoices).
  for (const auto& r : tx.exec(
           "SELECT i.number, s.code, i.kind, i.state, count(*) FROM payments p JOIN invoices i ON i.id = p.invoice_id "
           "JOIN sites s ON s.id = i.site_id WHERE p.cancelled_at IS NULL AND (i.kind <> 'invoice' OR "
           "i.state <> 'issued')" +
           fi + " GROUP BY 1, 2, 3, 4")) {
    problem("invoice " + r[0].as<std::string>() + " (site " + r[1].as<std::string>() + ")",
            r[4].as<std::string>() + " payment(s) recorded on a " +
                (r[2].as<std::string>() == "credit_note" ? "credit note" : "cancelled invoice"));
  }
  // Overpaid invoices: allowed (a credit note after payment), to be refunded: warnings.
  std::int64_t overpaid = 0;
  for (const auto& r : tx.exec("SELECT i.number, s.code, -i.due_cents FROM invoice_balances i JOIN sites s ON "
                               "s.id = i.site_id WHERE i.due_cents < 0 AND i.state = 'issued'" +
                               fi + " ORDER BY 2, 1")) {
    ++overpaid;
    report.warnings.push_back("invoice " + r[0].as<std::string>() + " (site " + r[1].as<std::string>() +
                              ") is overpaid by " + euros(r[2]) + ": refund it");
  }
  report.add("series", series_count);
  report.add("invoices", invoices);
  report.add("problems", static_cast<std::int64_t>(report.rejected.size()));
  report.add("overpaid", overpaid);
  if (report.rejected.empty()) {
    report.messages.push_back("invoices check: " + std::to_string(invoices) + " invoices and credit notes in " +
                              std::to_string(series_count) + " number series, no problem found");
  }
}

void list_invoices(pqxx::transaction_base& tx, const ListOptions& o, Report& report) {
  const std::string site = checked_site(tx, o.site);
  std::string where = filters(tx, "b", o.school_year, site);
  if (o.family) {
    where += " AND b.family_id = " + std::to_string(*o.family);
  }
  if (!o.ledger.empty()) {
    where += " AND b.ledger = " + tx.quote(o.ledger);
  }
  if (o.unpaid) {
    where += " AND b.kind = 'invoice' AND b.state = 'issued' AND b.due_cents > 0";
  }
  Table t;
  t.columns = {"number",    "site",   "family_id", "family",   "school_year", "ledger", "kind",
               "issued_on", "due_on", "total",     "credited", "paid",        "due",    "state"};
  Cents total = 0;
  Cents due = 0;
  for (const auto& r :
       tx.exec("SELECT b.number, s.code, b.family_id, f.last_name || COALESCE(' ' || f.first_name, ''), b.school_year, "
               "b.ledger, b.kind, b.issued_on::text, b.due_on::text, b.total_cents, b.credited_cents, "
               "b.paid_cents + b.transferred_cents, b.due_cents, b.state "
               "FROM invoice_balances b JOIN sites s ON s.id = b.site_id JOIN families f ON f.id = b.family_id "
               "WHERE true" +
               where + " ORDER BY s.code, b.school_year, b.number")) {
    std::vector<Cell> row;
    row.emplace_back(r[0].as<std::string>());
    row.emplace_back(r[1].as<std::string>());
    row.emplace_back(r[2].as<std::int64_t>());
    row.emplace_back(r[3].as<std::string>());
    row.emplace_back(r[4].as<std::string>());
    row.emplace_back(r[5].as<std::string>());
    row.emplace_back(r[6].as<std::string>());
    row.emplace_back(r[7].as<std::string>());
    row.emplace_back(r[8].as<std::string>());
    for (int c = 9; c <= 12; ++c) {
      row.emplace_back(format_euros(r[c].as<Cents>()));
    }
    row.emplace_back(r[13].as<std::string>());
    if (r[6].as<std::string>() == "invoice") {
      total += r[9].as<Cents>();
    }
    due += r[12].as<Cents>();
    t.rows.push_back(std::move(row));
  }
  report.add("invoices", static_cast<std::int64_t>(t.rows.size()));
  report.add("total_cents", total);
  report.add("due_cents", due);
  report.table = std::move(t);
}

void show_invoice(pqxx::transaction_base& tx, const std::string& number, const std::string& site_in, Report& report) {
  const std::string site = checked_site(tx, site_in);
  const auto found = tx.exec_params(
      "SELECT b.invoice_id, s.code, b.kind, b.state, b.family_id, "
      "       f.last_name || COALESCE(' ' || f.first_name, ''), b.school_year, b.ledger, i.label, "
      "       b.issued_on::text, b.due_on::text, b.total_cents, b.credited_cents, b.paid_cents, "
      "       b.transferred_cents, b.due_cents, (SELECT number FROM invoices WHERE id = i.corrects_invoice_id), "
      "       (SELECT string_agg(number, ', ' ORDER BY number) FROM invoices WHERE corrects_invoice_id = i.id), "
      "       i.payfip_reference, i.tariff_file "
      "FROM invoice_balances b JOIN invoices i ON i.id = b.invoice_id JOIN sites s ON s.id = b.site_id "
      "JOIN families f ON f.id = b.family_id WHERE b.number = $1 AND ($2 = '' OR s.code = $2) ORDER BY s.code",
      number, site);
  if (found.empty()) {
    throw DataError("no invoice " + number + (site.empty() ? "" : " at site " + site) +
                    " (see imuse-admin invoices list)");
  }
  if (found.size() > 1) {
    throw UsageError("invoice " + number + " exists at several sites: give --site");
  }
  const auto& r = found[0];
  const auto id = r[0].as<std::int64_t>();
  auto& d = report.details;
  d.emplace_back("number", number);
  d.emplace_back("site", r[1].as<std::string>());
  d.emplace_back("kind", r[2].as<std::string>());
  d.emplace_back("state", r[3].as<std::string>());
  d.emplace_back("family_id", r[4].as<std::int64_t>());
  d.emplace_back("family", r[5].as<std::string>());
  d.emplace_back("school_year", r[6].as<std::string>());
  d.emplace_back("ledger", r[7].as<std::string>());
  d.emplace_back("label", r[8].as<std::string>());
  d.emplace_back("issued_on", r[9].as<std::string>());
  d.emplace_back("due_on", r[10].as<std::string>());
  d.emplace_back("total", format_euros(r[11].as<Cents>()));
  d.emplace_back("credited", format_euros(r[12].as<Cents>()));
  d.emplace_back("paid", format_euros(r[13].as<Cents>()));
  d.emplace_back("transferred", format_euros(r[14].as<Cents>()));
  d.emplace_back("due", format_euros(r[15].as<Cents>()));
  d.emplace_back("total_cents", r[11].as<std::int64_t>());
  d.emplace_back("due_cents", r[15].as<std::int64_t>());
  if (!r[16].is_null()) {
    d.emplace_back("corrects", r[16].as<std::string>());
  }
  if (!r[17].is_null()) {
    d.emplace_back("credit_notes", r[17].as<std::string>());
  }
  if (!r[18].is_null()) {
    d.emplace_back("payfip_reference", r[18].as<std::string>());
  }
  int n = 0;
  for (const auto& i :
       tx.exec_params("SELECT number, due_on::text, amount_cents, direct_debit FROM instalments WHERE invoice_id = $1 "
                      "ORDER BY number",
                      id)) {
    ++n;
    d.emplace_back(
        "instalment_" + i[0].as<std::string>(),
        i[1].as<std::string>() + " " + format_euros(i[2].as<Cents>()) + (i[3].as<bool>() ? " (direct debit)" : ""));
  }
  Table t;
  t.columns = {"position", "label", "quantity", "unit_price", "discount", "amount", "line_key"};
  for (const auto& l :
       tx.exec_params("SELECT position, label, quantity, unit_price_cents, discount_cents, amount_cents, line_key "
                      "FROM invoice_lines WHERE invoice_id = $1 ORDER BY position",
                      id)) {
    t.rows.push_back({l[0].as<std::int64_t>(), l[1].as<std::string>(), l[2].as<std::int64_t>(),
                      format_euros(l[3].as<Cents>()), format_euros(l[4].as<Cents>()), format_euros(l[5].as<Cents>()),
                      l[6].is_null() ? Cell{} : Cell{l[6].as<std::string>()}});
  }
  report.add("lines", static_cast<std::int64_t>(t.rows.size()));
  report.add("instalments", n);
  report.table = std::move(t);
}

}  // namespace imuse
