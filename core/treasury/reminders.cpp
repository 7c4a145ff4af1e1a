#include "treasury/reminders.hpp"

#include <nlohmann/json.hpp>

#include "db/cursor.hpp"
#include "mail/outbox.hpp"
#include "mail/templates.hpp"
#include "treasury/treasury.hpp"
#include "util/error.hpp"
#include "util/money.hpp"
#include "util/text.hpp"

namespace imuse::treasury {

namespace {

std::string text_of(const pqxx::field& f) {
  return f.is_null() ? std::string() : f.as<std::string>();
}

nlohmann::json school_variables(const Config& config) {
  nlohmann::json school = nlohmann::json::object();
  for (const char* key : {"name", "address", "postal_code", "city", "phone", "email", "website"}) {
    school[key] = config.get(std::string("school.") + key);
  }
  return school;
}

// "15/10/2026|13970;15/01/2027|13969" -> [{date, amount}, ...]
nlohmann::json due_dates(const std::string& packed) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& item : split(packed, ';')) {
    const auto parts = split(item, '|');
    if (parts.size() == 2) {
      list.push_back({{"date", parts[0]}, {"amount", format_euros(std::stoll(parts[1]))}});
    }
  }
  return list;
}

}  // namespace

void remind_overdue(pqxx::work& tx, const Config& config, const RemindOptions& o, Report& report) {
  if (config.get("mail.from").empty()) {
    throw ConfigError("mail.from is not set: set the sender address of the school's e-mails first");
  }
  const Date cutoff = overdue_cutoff(tx, o.today, o.overdue_days);
  create_overdue_lines(tx, "reminder_lines", cutoff, o.site);
  const nlohmann::json school = school_variables(config);
  std::int64_t queued = 0;
  std::int64_t already = 0;
  Cents amount_total = 0;
  Table table{{"invoice", "site", "family_ref", "family", "email", "amount_due", "amount_due_cents", "outbox_id"}, {}};
  for_each_row(
      tx,
      "SELECT i.id, i.number, i.school_year, i.label, i.ledger, coalesce(i.payfip_reference, i.number), "
      "       to_char(i.issued_on, 'DD/MM/YYYY'), sum(l.amount_cents)::bigint, "
      "       string_agg(to_char(l.due_on, 'DD/MM/YYYY') || '|' || l.amount_cents, ';' "
      "                  ORDER BY l.due_on, l.instalment_number), "
      "       f.id, coalesce(f.email, (SELECT a.email FROM accounts a WHERE a.family_id = f.id ORDER BY a.id LIMIT "
      "1)), "
      "       f.civility, f.last_name, f.first_name, f.external_ref, s.id, s.code, s.name, s.portal_url "
      "FROM reminder_lines l JOIN invoices i ON i.id = l.invoice_id JOIN families f ON f.id = i.family_id "
      "JOIN sites s ON s.id = i.site_id "
      "WHERE NOT EXISTS (SELECT 1 FROM invoice_reminders r WHERE r.invoice_id = i.id AND r.level = $1) "
      "GROUP BY i.id, f.id, s.id ORDER BY s.code, i.number",
      {std::to_string(o.level)}, [&](const pqxx::row& r) {
        const auto invoice_id = r[0].as<std::int64_t>();
        const std::string number = r[1].as<std::string>();
        const Cents due = r[7].as<Cents>();
        const std::string email = text_of(r[10]);
        const std::string civility = text_of(r[11]);
        const std::string last_name = r[12].as<std::string>();
        const std::string first_name = text_of(r[13]);
        const std::string ref = text_of(r[14]);
        const std::string site = r[16].as<std::string>();
        const std::string name = trim(first_name + " " + last_name);
        if (email.empty()) {
          report.rejected.push_back(Problem{"invoice " + number + " (site " + site + ")",
                                            "family " + (ref.empty() ? "" : ref + " ") + "(" + name +
                                                ") has no e-mail address: not reminded of " + format_euros(due) +
                                                "; send the reminder by post"});
          report.add("not_reminded_no_email");
          return;
        }
        nlohmann::json v = {
            {"school", school},
            {"site", {{"code", site}, {"name", r[17].as<std::string>()}, {"portal_url", r[18].as<std::string>()}}},
            {"family",
             {{"civility", civility.empty()    ? ""
                           : civility == "MME" ? "Madame"
                                               : "Monsieur"},
              {"last_name", last_name},
              {"first_name", first_name},
              {"ref", ref}}},
            {"invoice",
             {{"number", number},
              {"school_year", r[2].as<std::string>()},
              {"label", r[3].as<std::string>()},
              {"ledger", r[4].as<std::string>() == "rental" ? "locations" : "cotisations"},
              {"issued_on", r[6].as<std::string>()}}},
            {"amount_due", format_euros(due)},
            {"due_dates", due_dates(r[8].as<std::string>())},
            {"payfip", {{"reference", r[5].as<std::string>()}, {"url", config.get("billing.payfip_url")}}},
            {"payment",
             {{"payee", config.get("billing.payee")},
              {"iban", config.get("billing.iban")},
              {"bic", config.get("billing.bic")}}},
            {"reminder", {{"level", o.level}, {"first", o.level == 1}}},
        };
        v["several_due_dates"] = v["due_dates"].size() > 1;
        const auto rendered = mail::render_template(config, "invoice_reminder", site, v);
        mail::QueuedMail m;
        m.idempotency_key = "invoice_reminder:" + std::to_string(invoice_id) + ":" + std::to_string(o.level);
        m.kind = "invoice_reminder";
        m.family_id = r[9].as<std::int64_t>();
        m.site_id = r[15].as<std::int64_t>();
        m.to = mail::Address{email, name};
        m.subject = rendered.subject;
        m.text = rendered.text;
        m.html = rendered.html;
        m.created_by_command = "invoices remind";
        auto id = mail::queue_mail(tx, config, m);
        if (id) {
          ++queued;
        } else {
          ++already;  // queued by a run whose reminder row was lost: link to it
          const auto existing =
              tx.exec_params("SELECT id FROM mail_outbox WHERE idempotency_key = $1", m.idempotency_key);
          if (!existing.empty()) {
            id = existing[0][0].as<std::int64_t>();
          }
        }
        tx.exec_params0(
            "INSERT INTO invoice_reminders (invoice_id, level, amount_due_cents, outbox_id) VALUES ($1, $2, $3, $4)",
            invoice_id, o.level, due, id);
        amount_total += due;
        table.rows.push_back({number, site, ref.empty() ? Cell{} : Cell{ref}, name, email, format_euros(due),
                              static_cast<std::int64_t>(due), id ? Cell{*id} : Cell{}});
      });
  report.add("reminded", static_cast<std::int64_t>(table.rows.size()));
  report.add("mails_queued", queued);
  if (already > 0) {
    report.add("already_in_outbox", already);
  }
  report.add("amount_due_cents", amount_total);
  report.messages.push_back(std::to_string(queued) + " reminder(s) of level " + std::to_string(o.level) +
                            " queued for instalments due before " + cutoff.french() + " (" +
                            format_euros(amount_total) + "); deliver them with 'imuse-admin mail flush'");
  report.table = std::move(table);
}

}  // namespace imuse::treasury
