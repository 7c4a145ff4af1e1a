#include "mail/outbox.hpp"

#include <regex>
#include <stdexcept>

#include "mail/outbox_admin.hpp"
#include "util/error.hpp"

namespace imuse::mail {

namespace {

// The outbox's own rule for addresses (constraint mail_outbox_to_address_format).
bool storable_address(const std::string& email) {
  static const std::regex pattern(R"(^[^@\s]+@[^@\s]+\.[^@\s]+$)");
  return std::regex_match(email, pattern);
}

// Subjects and display names are one line: a CR or LF (and what surrounds it) becomes one space.
std::string one_line(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_break = false;
  for (char c : text) {
    if (c == '\r' || c == '\n') {
      if (!in_break) {
        out += ' ';
      }
      in_break = true;
      continue;
    }
    in_break = false;
    out += c;
  }
  return out;
}

std::optional<std::string> non_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

// A nullable column as a report cell.
Cell cell(const pqxx::field& f) {
  return f.is_null() ? Cell() : Cell(f.as<std::string>());
}

Cell int_cell(const pqxx::field& f) {
  return f.is_null() ? Cell() : Cell(f.as<std::int64_t>());
}

// "Name <address>", or the bare address.
std::string mailbox(const pqxx::field& address, const pqxx::field& name) {
  if (address.is_null()) {
    return "(the configured sender, mail.from)";
  }
  return name.is_null() ? address.as<std::string>() : name.as<std::string>() + " <" + address.as<std::string>() + ">";
}

}  // namespace

std::optional<std::int64_t> queue_mail(pqxx::work& tx, const Config& config, const QueuedMail& mail) {
  const std::string& from = config.get("mail.from");
  if (from.empty()) {
    throw ConfigError("mail.from is not set: set the sender address of the school's e-mails first");
  }
  if (mail.idempotency_key.empty()) {
    throw std::invalid_argument("queue_mail: empty idempotency key");
  }
  if (!storable_address(mail.to.email)) {
    throw DataError("\"" + mail.to.email + "\" is not an e-mail address; nothing was queued for it");
  }
  const auto row = tx.exec_params(
      "INSERT INTO mail_outbox (idempotency_key, kind, family_id, site_id, from_address, from_name, reply_to, "
      "                         to_address, to_name, subject, body_text, body_html, contains_secret, "
      "                         created_by_command) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
      "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
      mail.idempotency_key, mail.kind, mail.family_id, mail.site_id, from,
      non_empty(one_line(config.get("mail.from_name"))), non_empty(config.get("mail.reply_to")), mail.to.email,
      non_empty(one_line(mail.to.name)), one_line(mail.subject), mail.text, non_empty(mail.html), mail.contains_secret,
      non_empty(mail.created_by_command));
  if (row.empty()) {
    return std::nullopt;
  }
  const auto id = row[0][0].as<std::int64_t>();
  int position = 0;
  for (const auto& a : mail.attachments) {
    tx.exec_params0(
        "INSERT INTO mail_outbox_attachments (outbox_id, position, file_name, content_type, content) "
        "VALUES ($1, $2, $3, $4, $5)",
        id, ++position, a.file_name, a.content_type, pqxx::binarystring(a.content));
  }
  return id;
}

void outbox_status(pqxx::transaction_base& tx, Report& report) {
  const auto r = tx.exec1(
      "SELECT count(*) FILTER (WHERE state = 'queued'), "
      "       count(*) FILTER (WHERE state = 'queued' AND next_attempt_at <= now()), "
      "       count(*) FILTER (WHERE state = 'queued' AND next_attempt_at > now()), "
      "       count(*) FILTER (WHERE state = 'sending'), count(*) FILTER (WHERE state = 'sent'), "
      "       count(*) FILTER (WHERE state = 'failed'), "
      "       count(*) FILTER (WHERE state = 'sent' AND sent_at > now() - interval '1 hour'), "
      "       (min(next_attempt_at) FILTER (WHERE state = 'queued' AND next_attempt_at > now()))::timestamp(0)::text "
      "FROM mail_outbox");
  const char* names[] = {"queued", "due", "deferred", "sending", "sent", "failed", "sent_last_hour"};
  for (int i = 0; i < 7; ++i) {
    report.add(names[i], r[i].as<std::int64_t>());
  }
  if (!r[7].is_null()) {
    report.messages.push_back("next retry of a deferred message: " + r[7].as<std::string>());
  }
  if (report.count("sending") > 0) {
    report.messages.push_back(std::to_string(report.count("sending")) +
                              " message(s) marked sending: a flush is running, or one was interrupted (the next "
                              "flush queues them again)");
  }
}

void outbox_list(pqxx::transaction_base& tx, bool failed_only, std::int64_t limit, Report& report) {
  const auto rows = tx.exec_params(
      "SELECT id, state, kind, to_address, subject, attempts, created_at::timestamp(0)::text, "
      "       sent_at::timestamp(0)::text, last_error "
      "FROM mail_outbox WHERE NOT $1 OR state = 'failed' ORDER BY id DESC LIMIT $2",
      failed_only, limit);
  Table table{{"id", "state", "kind", "to", "subject", "attempts", "created_at", "sent_at", "last_error"}, {}};
  for (const auto& r : rows) {
    table.rows.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                          r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::int64_t>(), cell(r[6]),
                          cell(r[7]), cell(r[8])});
  }
  report.add("messages", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

void outbox_show(pqxx::transaction_base& tx, std::int64_t id, Report& report) {
  const auto rows = tx.exec_params(
      "SELECT m.id, m.kind, m.state, m.idempotency_key, m.family_id, s.code, m.from_address, m.from_name, "
      "       m.reply_to, m.to_address, m.to_name, m.subject, m.message_id, m.attempts, "
      "       m.next_attempt_at::timestamp(0)::text, m.claimed_at::timestamp(0)::text, m.claimed_by, m.last_error, "
      "       m.sent_at::timestamp(0)::text, m.redacted_at::timestamp(0)::text, m.created_at::timestamp(0)::text, "
      "       m.created_by_command, m.contains_secret, m.body_html IS NOT NULL, m.body_text, "
      "       (SELECT string_agg(k || ': ' || v, '; ' ORDER BY k) FROM jsonb_each_text(m.headers) AS h(k, v)), "
      "       (SELECT string_agg(a.file_name || ' (' || a.content_type || ', ' || octet_length(a.content) || "
      "               ' bytes)', '; ' ORDER BY a.position) "
      "          FROM mail_outbox_attachments a WHERE a.outbox_id = m.id) "
      "FROM mail_outbox m LEFT JOIN sites s ON s.id = m.site_id WHERE m.id = $1",
      id);
  if (rows.empty()) {
    throw DataError("no message with id " + std::to_string(id) + " in the outbox");
  }
  const auto& r = rows[0];
  const std::string state = r[2].as<std::string>();
  std::string body = r[24].as<std::string>();
  if (r[22].as<bool>()) {
    body = r[19].is_null() ? "[contains a password: hidden]" : "[contains a password: removed after delivery]";
  }
  report.details = {
      {"id", r[0].as<std::int64_t>()},
      {"kind", r[1].as<std::string>()},
      {"state", state},
      {"idempotency_key", r[3].as<std::string>()},
      {"family_id", int_cell(r[4])},
      {"site", cell(r[5])},
      {"from", mailbox(r[6], r[7])},
      {"reply_to", r[8].is_null() ? Cell("(mail.reply_to of the configuration)") : cell(r[8])},
      {"to", mailbox(r[9], r[10])},
      {"subject", r[11].as<std::string>()},
      {"message_id", cell(r[12])},
      {"headers", cell(r[25])},
      {"attachments", cell(r[26])},
      {"attempts", r[13].as<std::int64_t>()},
      {"next_attempt_at", state == "queued" ? cell(r[14]) : Cell()},
      {"claimed_at", cell(r[15])},
      {"claimed_by", cell(r[16])},
      {"last_error", cell(r[17])},
      {"sent_at", cell(r[18])},
      {"redacted_at", cell(r[19])},
      {"created_at", cell(r[20])},
      {"created_by_command", cell(r[21])},
      {"contains_secret", r[22].as<bool>()},
      {"html_part", r[23].as<bool>()},
      {"text", body},
  };
}

void outbox_retry(pqxx::transaction_base& tx, std::int64_t id, Report& report) {
  const auto rows = tx.exec_params(
      "SELECT state, sent_at::timestamp(0)::text, coalesce(claimed_by, '') FROM mail_outbox WHERE id = $1 FOR UPDATE",
      id);
  if (rows.empty()) {
    throw DataError("no message with id " + std::to_string(id) + " in the outbox");
  }
  const std::string state = rows[0][0].as<std::string>();
  const std::string what = "message " + std::to_string(id);
  if (state == "sent") {
    throw DataError(what + " was delivered on " + rows[0][1].as<std::string>() + "; there is nothing to retry");
  }
  if (state == "sending") {
    throw DataError(what + " is being delivered by a flush (" + rows[0][2].as<std::string>() +
                    "); retry it after that flush has ended");
  }
  if (state == "failed") {
    tx.exec_params0(
        "UPDATE mail_outbox SET state = 'queued', attempts = 0, next_attempt_at = now(), claimed_at = NULL, "
        "       claimed_by = NULL WHERE id = $1",
        id);
    report.messages.push_back(what + " is queued again; the next 'mail flush' delivers it");
  } else {
    tx.exec_params0("UPDATE mail_outbox SET next_attempt_at = now() WHERE id = $1", id);
    report.messages.push_back(what + " was already queued; it is now due at once");
  }
  report.add("retried");
}

void outbox_retry_failed(pqxx::transaction_base& tx, Report& report) {
  const auto result = tx.exec0(
      "UPDATE mail_outbox SET state = 'queued', attempts = 0, next_attempt_at = now(), claimed_at = NULL, "
      "       claimed_by = NULL WHERE state = 'failed'");
  report.add("retried", static_cast<std::int64_t>(result.affected_rows()));
}

}  // namespace imuse::mail
