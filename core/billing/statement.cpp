#include "billing/statement.hpp"

#include <algorithm>

#include "billing/payments.hpp"
#include "util/error.hpp"
#include "util/french.hpp"

namespace imuse {

namespace {

std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string padded(const std::string& s, std::size_t w, bool right) {
  const std::size_t n = display_width(s);
  const std::string fill(n < w ? w - n : 0, ' ');
  return right ? fill + s : s + fill;
}

std::string french_date(const std::string& iso) {
  const auto d = parse_date(iso);
  return d ? d->french() : iso;
}

std::string entry_name(LedgerEntry e) {
  return e == LedgerEntry::invoice ? "invoice" : e == LedgerEntry::credit_note ? "credit_note" : "payment";
}

}  // namespace

long long find_family(pqxx::transaction_base& tx, const std::string& key, const std::string& site) {
  const bool numeric = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos && key.size() < 18;
  // An id first, then a login identifier, then a reference (on --site when given).
  auto matches =
      tx.exec_params("SELECT id FROM families WHERE $1 AND id = $2::bigint", numeric, numeric ? key : std::string("0"));
  if (matches.empty()) {
    matches = tx.exec_params("SELECT family_id FROM accounts WHERE lower(identifier) = lower($1)", key);
  }
  if (matches.empty()) {
    matches = tx.exec_params(
        "SELECT f.id FROM families f JOIN sites s ON s.id = f.site_id "
        "WHERE lower(f.external_ref) = lower($1) AND ($2 = '' OR s.code = upper($2)) ORDER BY f.id",
        key, site);
  }
  if (matches.empty()) {
    throw DataError("no family with id, identifier or reference \"" + key + "\" (see 'imuse-admin families list')");
  }
  if (matches.size() > 1) {
    throw DataError("reference \"" + key + "\" is used by " + std::to_string(matches.size()) +
                    " families (on several sites): give --site, or the family id");
  }
  return matches[0][0].as<long long>();
}

StatementTotals statement_totals(const std::vector<StatementLine>& lines) {
  StatementTotals t;
  for (const auto& l : lines) {
    if (l.entry == LedgerEntry::invoice) {
      t.billed += l.debit;
    } else if (l.entry == LedgerEntry::credit_note) {
      t.billed -= l.credit;
    } else {
      t.paid += l.credit;
    }
  }
  t.balance = t.paid - t.billed;
  t.to_pay = t.balance < 0 ? -t.balance : 0;
  return t;
}

Statement family_statement(pqxx::transaction_base& tx, const StatementOptions& o) {
  Statement st;
  st.family_id = find_family(tx, o.family, o.site);
  const auto f = tx.exec_params1(
      "SELECT coalesce(f.external_ref, ''), f.last_name || coalesce(' ' || f.first_name, ''), s.code "
      "FROM families f JOIN sites s ON s.id = f.site_id WHERE f.id = $1",
      st.family_id);
  st.reference = f[0].as<std::string>();
  st.name = f[1].as<std::string>();
  st.site = f[2].as<std::string>();
  // Tuition before rentals ('tuition' > 'rental'), newest year first; in a ledger, by date, an
  // invoice before the payments of the same day.
  const auto rows = tx.exec_params(
      "SELECT i.ledger, i.school_year, i.kind, i.issued_on::text, '', i.number, i.label, i.total_cents, "
      "       (SELECT coalesce(sum(l.discount_cents), 0) FROM invoice_lines l WHERE l.invoice_id = i.id), "
      "       0 AS entry_order, i.id "
      "FROM invoices i WHERE i.family_id = $1 AND i.state = 'issued' "
      "  AND ($2 = '' OR i.school_year = $2) AND ($3 = '' OR i.ledger = $3) "
      "UNION ALL "
      "SELECT i.ledger, i.school_year, 'payment', p.paid_on::text, p.mode, coalesce(p.operation_number, i.number), "
      "       CASE WHEN p.mode = 'tav' THEN 'Transmis au Trésor Public : facture ' || i.number "
      "            ELSE 'Règlement facture ' || i.number END, "
      "       p.amount_cents, 0, 1, p.id "
      "FROM payments p JOIN invoices i ON i.id = p.invoice_id "
      "WHERE i.family_id = $1 AND p.cancelled_at IS NULL "
      "  AND ($2 = '' OR i.school_year = $2) AND ($3 = '' OR i.ledger = $3) "
      "ORDER BY 2 DESC, 1 DESC, 4, 10, 11",
      st.family_id, o.school_year, o.ledger);
  for (const auto& r : rows) {
    const auto ledger = r[0].as<std::string>();
    const auto year = r[1].as<std::string>();
    if (st.sections.empty() || st.sections.back().ledger != ledger || st.sections.back().school_year != year) {
      st.sections.push_back(StatementSection{ledger, year, {}, {}});
    }
    StatementLine line;
    const auto kind = r[2].as<std::string>();
    line.entry = kind == "invoice"       ? LedgerEntry::invoice
                 : kind == "credit_note" ? LedgerEntry::credit_note
                                         : LedgerEntry::payment;
    line.date = r[3].as<std::string>();
    line.mode = r[4].as<std::string>();
    line.operation_number = r[5].as<std::string>();
    line.label = r[6].as<std::string>();
    const Cents amount = r[7].as<Cents>();
    (line.entry == LedgerEntry::invoice ? line.debit : line.credit) = amount;
    line.discount = r[8].as<Cents>();
    st.sections.back().lines.push_back(std::move(line));
  }
  for (auto& s : st.sections) {
    s.totals = statement_totals(s.lines);
  }
  return st;
}

std::string section_title(const StatementSection& section) {
  return std::string(section.ledger == "rental" ? "Facturation locations " : "Facturation cotisations ") +
         section.school_year;
}

void write_statement_text(std::ostream& out, const Statement& st) {
  out << "Famille " << st.family_id << (st.reference.empty() ? "" : " (" + st.reference + ")") << " : " << st.name
      << ", site " << st.site << '\n';
  if (st.sections.empty()) {
    out << "\nAucune facture ni aucun règlement.\n";
    return;
  }
  const std::vector<std::string> header = {
      "Date", "Mode de règlement", "Numéro d'opération", "Libellé", "Débit", "Crédit", "Remise"};
  for (const auto& s : st.sections) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& l : s.lines) {
      rows.push_back({french_date(l.date), l.mode.empty() ? "" : payment_mode_label(l.mode), l.operation_number,
                      l.label, l.debit != 0 ? format_euros(l.debit) : "", l.credit != 0 ? format_euros(l.credit) : "",
                      l.discount != 0 ? format_euros(l.discount) : ""});
    }
    std::vector<std::size_t> w(header.size());
    for (std::size_t c = 0; c < header.size(); ++c) {
      w[c] = display_width(header[c]);
      for (const auto& row : rows) {
        w[c] = std::max(w[c], display_width(row[c]));
      }
    }
    auto line = [&](const std::vector<std::string>& cells) {
      std::string text;
      for (std::size_t c = 0; c < cells.size(); ++c) {
        text += padded(cells[c], w[c], c >= 4) + (c + 1 < cells.size() ? "  " : "");
      }
      text.erase(text.find_last_not_of(' ') + 1);
      out << text << '\n';
    };
    out << '\n' << section_title(s) << '\n';
    line(header);
    for (const auto& row : rows) {
      line(row);
    }
    out << "Montant total facturé : " << format_euros(s.totals.billed) << '\n'
        << "Montant total réglé : " << format_euros(s.totals.paid) << '\n'
        << "Solde : " << format_euros(s.totals.balance) << '\n'
        << "Montant à payer : " << format_euros(s.totals.to_pay) << '\n';
  }
}

nlohmann::json statement_json(const Statement& st) {
  nlohmann::json j;
  j["family"] = {{"id", st.family_id}, {"reference", st.reference}, {"name", st.name}, {"site", st.site}};
  j["sections"] = nlohmann::json::array();
  for (const auto& s : st.sections) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& l : s.lines) {
      rows.push_back({{"entry", entry_name(l.entry)},
                      {"date", l.date},
                      {"mode", l.mode.empty() ? nlohmann::json() : nlohmann::json(l.mode)},
                      {"mode_label", l.mode.empty() ? nlohmann::json() : nlohmann::json(payment_mode_label(l.mode))},
                      {"operation_number", l.operation_number},
                      {"label", l.label},
                      {"debit_cents", l.debit},
                      {"credit_cents", l.credit},
                      {"discount_cents", l.discount}});
    }
    j["sections"].push_back({{"ledger", s.ledger},
                             {"school_year", s.school_year},
                             {"title", section_title(s)},
                             {"rows", rows},
                             {"totals",
                              {{"billed_cents", s.totals.billed},
                               {"paid_cents", s.totals.paid},
                               {"balance_cents", s.totals.balance},
                               {"to_pay_cents", s.totals.to_pay}}}});
  }
  return j;
}

void family_billing(pqxx::transaction_base& tx, const std::string& key, const std::string& site,
                    const BillingSettings& settings, const std::string& actor, Report& report) {
  const long long id = find_family(tx, key, site);
  const bool change = settings.schedule || settings.resident || settings.quotient;
  const char* kFields =
      "jsonb_build_object('payment_schedule', payment_schedule, 'resident', resident, "
      "'family_quotient', family_quotient)";
  if (change) {
    std::optional<int> quotient;
    if (settings.quotient && *settings.quotient != "none") {
      const auto q = parse_euros_integer(*settings.quotient);
      if (!q || *q < 0) {
        throw UsageError("--quotient: expected a non-negative whole number such as 820, or none, got \"" +
                         *settings.quotient + "\"");
      }
      quotient = *q;
    }
    const std::string resident = settings.resident.value_or("");
    // Two statements: a FOR UPDATE in a CTE of the UPDATE would not see the row it updates.
    const auto old =
        tx.exec_params1(std::string("SELECT ") + kFields + "::text FROM families WHERE id = $1 FOR UPDATE", id);
    const auto r = tx.exec_params1(
        std::string("UPDATE families SET "
                    "  payment_schedule = coalesce($2::int, payment_schedule), "
                    "  resident = CASE $3 WHEN '' THEN resident WHEN 'yes' THEN true WHEN 'no' THEN false "
                    "                     ELSE NULL END, "
                    "  family_quotient = CASE WHEN $4 THEN $5::int ELSE family_quotient END "
                    "WHERE id = $1 RETURNING $6::text, ") +
            kFields + "::text, site_id",
        id, settings.schedule, resident, settings.quotient.has_value(), quotient, old[0].as<std::string>());
    const auto before = nlohmann::json::parse(r[0].as<std::string>());
    const auto after = nlohmann::json::parse(r[1].as<std::string>());
    if (before == after) {
      report.messages.push_back("family " + std::to_string(id) + ": billing settings unchanged");
      report.add("unchanged");
    } else {
      for (const auto& [k, v] : after.items()) {
        if (before[k] != v) {
          report.messages.push_back(k + ": " + before[k].dump() + " -> " + v.dump());
        }
      }
      tx.exec_params0(
          "INSERT INTO audit_log (actor, command, site_id, entity, entity_id, old_values, new_values) "
          "VALUES ($1, 'families billing', $2, 'family', $3, $4::jsonb, $5::jsonb)",
          actor, r[2].as<int>(), id, before.dump(), after.dump());
      report.add("updated");
    }
  }
  const auto f = tx.exec_params1(
      "SELECT f.id, f.external_ref, s.code, f.last_name || coalesce(' ' || f.first_name, ''), f.payment_schedule, "
      "       f.resident, f.family_quotient FROM families f JOIN sites s ON s.id = f.site_id WHERE f.id = $1",
      id);
  const int schedule = f[4].as<int>();
  report.details = {
      {"family_id", f[0].as<std::int64_t>()},
      {"reference", f[1].is_null() ? Cell{} : Cell{f[1].as<std::string>()}},
      {"site", f[2].as<std::string>()},
      {"name", f[3].as<std::string>()},
      {"payment_schedule", static_cast<std::int64_t>(schedule)},
      {"payment_schedule_label", std::string(schedule == 1   ? "1 versement"
                                             : schedule == 9 ? "9 prélèvements mensuels"
                                                             : std::to_string(schedule) + " versements")},
      {"resident", f[5].is_null() ? Cell{} : Cell{f[5].as<bool>()}},
      {"family_quotient", f[6].is_null() ? Cell{} : Cell{static_cast<std::int64_t>(f[6].as<int>())}},
  };
}

}  // namespace imuse
