#include "changes/changes.hpp"

#include <algorithm>

#include "changes/decision.hpp"
#include "changes/documents.hpp"
#include "mail/outbox.hpp"
#include "mail/templates.hpp"
#include "sites/sites.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace imuse {

namespace changes {

Cell text_cell(const pqxx::field& f) { return f.is_null() ? Cell{} : Cell{f.as<std::string>()}; }

std::optional<std::string> optional_text(const pqxx::field& f) {
  return f.is_null() ? std::nullopt : std::optional(f.as<std::string>());
}

std::optional<ChangeRow> load_change(pqxx::transaction_base& tx, std::int64_t id, bool lock) {
  const auto rows = tx.exec_params(
      std::string("SELECT pc.id, pc.kind, pc.state, pc.family_id, pc.student_id, pc.entity, pc.reenrolment_request_id, "
                  "       pc.document_id, pc.base_version, pc.changes::text, "
                  "       to_char(pc.submitted_at, 'DD/MM/YYYY HH24:MI'), "
                  "       CASE WHEN pc.decided_at IS NOT NULL THEN pc.state || ' on ' || "
                  "            to_char(pc.decided_at, 'DD/MM/YYYY HH24:MI') || coalesce(' by ' || pc.decided_by, '') "
                  "       END, "
                  "       coalesce(f.external_ref || ' ', '') || f.last_name || coalesce(' ' || f.first_name, '') "
                  "       || coalesce(', ' || st.first_name, '') "
                  "FROM pending_changes pc JOIN families f ON f.id = pc.family_id "
                  "LEFT JOIN students st ON st.id = pc.student_id WHERE pc.id = $1") +
          (lock ? " FOR UPDATE OF pc" : ""),
      id);
  if (rows.empty()) {
    return std::nullopt;
  }
  const auto& r = rows[0];
  ChangeRow c;
  c.id = r[0].as<std::int64_t>();
  c.kind = r[1].as<std::string>();
  c.state = r[2].as<std::string>();
  c.family_id = r[3].as<std::int64_t>();
  c.student_id = r[4].is_null() ? std::nullopt : std::optional(r[4].as<std::int64_t>());
  c.entity = r[5].as<std::string>();
  c.request_id = r[6].is_null() ? std::nullopt : std::optional(r[6].as<std::int64_t>());
  c.document_id = r[7].is_null() ? std::nullopt : std::optional(r[7].as<std::int64_t>());
  c.base_version = r[8].is_null() ? std::nullopt : std::optional(r[8].as<int>());
  c.changes = nlohmann::json::parse(r[9].as<std::string>());
  c.submitted = r[10].as<std::string>();
  c.decided = r[11].is_null() ? "" : r[11].as<std::string>();
  c.label = "change " + std::to_string(c.id) + " (" + c.kind + ", " + r[12].as<std::string>() + ")";
  return c;
}

}  // namespace changes

namespace {

using changes::ChangeRow;
using changes::Decision;
using changes::DecisionContext;

std::string civility_word(const pqxx::field& f) {
  if (f.is_null()) {
    return "";
  }
  return f.as<std::string>() == "MME" ? "Madame" : "Monsieur";
}

// The family's recipient and the variables every template gets (config/templates/README.md).
struct MailTarget {
  std::string email;
  std::string name;
  std::int64_t site_id = 0;
  std::string site_code;
  nlohmann::json variables;
};

MailTarget mail_target(pqxx::transaction_base& tx, const Config& config, const ChangeRow& change) {
  const auto r = tx.exec_params1(
      "SELECT coalesce(f.email, a.email), f.civility, f.last_name, coalesce(f.first_name, ''), "
      "       coalesce(f.external_ref, ''), s.id, s.code, s.name, s.portal_url, st.first_name, st.last_name "
      "FROM families f JOIN sites s ON s.id = f.site_id LEFT JOIN accounts a ON a.family_id = f.id "
      "LEFT JOIN students st ON st.id = $2 WHERE f.id = $1",
      change.family_id, change.student_id.value_or(0));
  nlohmann::json school = nlohmann::json::object();
  for (const char* key : {"name", "address", "postal_code", "city", "phone", "email", "website"}) {
    school[key] = config.get(std::string("school.") + key);
  }
  MailTarget t;
  t.email = r[0].is_null() ? "" : r[0].as<std::string>();
  t.name = trim(r[3].as<std::string>() + " " + r[2].as<std::string>());
  t.site_id = r[5].as<std::int64_t>();
  t.site_code = r[6].as<std::string>();
  t.variables = nlohmann::json{
      {"school", school},
      {"site", {{"code", t.site_code}, {"name", r[7].as<std::string>()}, {"portal_url", r[8].as<std::string>()}}},
      {"family",
       {{"civility", civility_word(r[1])},
        {"last_name", r[2].as<std::string>()},
        {"first_name", r[3].as<std::string>()},
        {"ref", r[4].as<std::string>()}}},
      {"change", {{"id", change.id}, {"kind", change.kind}, {"submitted", change.submitted}}},
  };
  if (!r[9].is_null()) {
    t.variables["student"] = {{"first_name", r[9].as<std::string>()}, {"last_name", r[10].as<std::string>()}};
  }
  return t;
}

// Queues the decision mail; its key makes a second queueing of the same decision impossible.
std::optional<std::int64_t> queue_decision_mail(DecisionContext& ctx, const ChangeRow& change, const Decision& d) {
  MailTarget target = mail_target(ctx.tx, ctx.config, change);
  if (target.email.empty()) {
    ctx.report.add("not_mailed");
    ctx.report.warnings.push_back(change.label + ": the family has no e-mail address; the decision was not mailed");
    return std::nullopt;
  }
  nlohmann::json variables = target.variables;
  variables.merge_patch(d.variables);
  variables["reason"] = d.reason;
  const auto rendered = mail::render_template(ctx.config, d.mail_template, target.site_code, variables);
  mail::QueuedMail mail;
  mail.idempotency_key = "change:" + std::to_string(change.id) + ":decision";
  mail.kind = d.mail_template;
  mail.family_id = change.family_id;
  mail.site_id = target.site_id;
  mail.to = mail::Address{target.email, target.name};
  mail.subject = rendered.subject;
  mail.text = rendered.text;
  mail.html = rendered.html;
  mail.created_by_command = ctx.options.command;
  const auto id = mail::queue_mail(ctx.tx, ctx.config, mail);
  if (id) {
    ctx.report.add("mails_queued");
  }
  return id;
}

// Writes the decision: state (the triggers carry it to the document or request), mail, audit row.
void record_decision(DecisionContext& ctx, const ChangeRow& change, const Decision& d) {
  const std::string state = d.approved ? "approved" : "rejected";
  ctx.tx.exec_params0(
      "UPDATE pending_changes SET state = $2, decided_at = now(), decided_by = $3, reason = $4, forced = $5 "
      "WHERE id = $1",
      change.id, state, ctx.options.actor, d.reason.empty() ? std::optional<std::string>() : std::optional(d.reason),
      d.forced);
  const auto outbox_id = queue_decision_mail(ctx, change, d);
  if (outbox_id) {
    ctx.tx.exec_params0("UPDATE pending_changes SET decision_outbox_id = $2 WHERE id = $1", change.id, *outbox_id);
  }
  nlohmann::json after = d.audit_new;
  after["state"] = state;
  after["forced"] = d.forced;
  if (!d.reason.empty()) {
    after["reason"] = d.reason;
  }
  after["mail_outbox_id"] = outbox_id ? nlohmann::json(*outbox_id) : nlohmann::json();
  ctx.tx.exec_params0(
      "INSERT INTO audit_log (actor, command, site_id, summary, entity, entity_id, old_values, new_values) "
      "SELECT $1, $2, f.site_id, jsonb_build_object('kind', $4::text, 'family_id', f.id), 'pending_changes', $5, "
      "       jsonb_build_object('state', 'pending'), $6::jsonb "
      "FROM families f WHERE f.id = $3",
      ctx.options.actor, ctx.options.command, change.family_id, change.kind, change.id, after.dump());
}

Decision rejection(DecisionContext& ctx, const ChangeRow& change) {
  Decision d;
  d.approved = false;
  d.reason = ctx.options.reason;
  if (change.kind == "identity") {
    d.mail_template = "change_rejected";
    d.variables = changes::identity_variables(ctx.tx, change);
  } else if (change.kind == "reenrolment") {
    d.mail_template = "change_rejected";
    d.variables = changes::reenrolment_variables(ctx.tx, change);
  } else {
    d.mail_template = "document_refused";
    d.variables = changes::document_variables(ctx.tx, change);
  }
  return d;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// Decides one change under row locks: the subject (document or request) first, as the portal's
// writes lock it before the change, then the change, whose state is checked again once locked.
void decide_one(DecisionContext& ctx, std::int64_t id, bool approve) {
  const auto peek = changes::load_change(ctx.tx, id, false);
  if (!peek) {
    throw DataError("no change " + std::to_string(id));
  }
  if (peek->document_id) {
    ctx.tx.exec_params("SELECT 1 FROM documents WHERE id = $1 FOR UPDATE", *peek->document_id);
  }
  if (peek->request_id) {
    ctx.tx.exec_params("SELECT 1 FROM reenrolment_requests WHERE id = $1 FOR UPDATE", *peek->request_id);
  }
  const auto change = changes::load_change(ctx.tx, id, true);
  if (change->state != "pending") {
    ctx.report.add("already_decided");
    ctx.report.messages.push_back(change->label + " was already " + change->decided + ": nothing done");
    return;
  }
  ctx.tx.exec0("SAVEPOINT imuse_change_decision");
  try {
    std::optional<Decision> d;
    if (!approve) {
      d = rejection(ctx, *change);
    } else if (change->kind == "identity") {
      d = changes::approve_identity(ctx, *change);
    } else if (change->kind == "reenrolment") {
      d = changes::approve_reenrolment(ctx, *change);
    } else {
      d = changes::approve_document(ctx, *change);
    }
    if (d) {
      record_decision(ctx, *change, *d);
      ctx.report.add(d->approved ? "approved" : approve ? "refused" : "rejected");
      ctx.report.messages.push_back(change->label + ": " +
                                    (d->approved ? "approved" : (approve ? "refused: " : "rejected: ") + d->reason));
    }
    ctx.tx.exec0("RELEASE SAVEPOINT imuse_change_decision");
  } catch (const pqxx::integrity_constraint_violation& e) {
    ctx.tx.exec0("ROLLBACK TO SAVEPOINT imuse_change_decision");
    ctx.report.add("failed");
    ctx.report.rejected.push_back({change->label, "the database refused it: " + first_line(e.what())});
  } catch (const pqxx::data_exception& e) {
    ctx.tx.exec0("ROLLBACK TO SAVEPOINT imuse_change_decision");
    ctx.report.add("failed");
    ctx.report.rejected.push_back({change->label, "the database refused a value: " + first_line(e.what())});
  }
}

std::string id_array(const std::vector<std::int64_t>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    out += (i ? "," : "") + std::to_string(ids[i]);
  }
  return out + "}";
}

// The ids to decide: the given ones (all must exist), or the pending ones of a kind.
std::vector<std::int64_t> selected_ids(pqxx::transaction_base& tx, const DecideOptions& options) {
  std::vector<std::int64_t> ids;
  if (options.all) {
    if (!options.site.empty()) {
      require_site(tx, options.site);
    }
    for (const auto& r : tx.exec_params(
             "SELECT pc.id FROM pending_changes pc JOIN families f ON f.id = pc.family_id "
             "JOIN sites s ON s.id = f.site_id "
             "WHERE pc.state = 'pending' AND pc.kind = $1 AND ($2 = '' OR s.code = $2) ORDER BY pc.submitted_at, pc.id",
             options.kind, options.site)) {
      ids.push_back(r[0].as<std::int64_t>());
    }
    return ids;
  }
  for (const auto id : options.ids) {
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ids.push_back(id);
    }
  }
  std::vector<std::string> unknown;
  for (const auto& r : tx.exec_params(
           "SELECT x FROM unnest($1::bigint[]) x WHERE NOT EXISTS (SELECT 1 FROM pending_changes WHERE id = x) ORDER BY x",
           id_array(ids))) {
    unknown.push_back(r[0].as<std::string>());
  }
  if (!unknown.empty()) {
    throw DataError("no change with id " + join(unknown, ", ") + " (see `imuse-admin changes list`); nothing was decided");
  }
  return ids;
}

void decide(pqxx::work& tx, const Config& config, const DecideOptions& options, Report& report, bool approve) {
  if (config.get("mail.from").empty()) {
    throw ConfigError("mail.from is not set: decisions are mailed to families (set mail.from in the configuration)");
  }
  const std::vector<const char*> counters =
      approve ? std::vector<const char*>{"approved", "refused", "already_decided", "stale", "failed", "enrolments_created",
                                         "mails_queued"}
              : std::vector<const char*>{"rejected", "already_decided", "failed", "mails_queued"};
  for (const char* name : counters) {
    report.add(name, 0);
  }
  const auto ids = selected_ids(tx, options);
  DecisionContext ctx{tx, config, options, report};
  for (const auto id : ids) {
    decide_one(ctx, id, approve);
  }
  if (ids.empty()) {
    report.messages.push_back("no pending change to decide");
  }
}

}  // namespace

const std::vector<std::string>& change_kinds() {
  static const std::vector<std::string> kinds{"identity", "reenrolment", "document"};
  return kinds;
}

void approve_changes(pqxx::work& tx, const Config& config, const DecideOptions& options, Report& report) {
  decide(tx, config, options, report, true);
}

void reject_changes(pqxx::work& tx, const Config& config, const DecideOptions& options, Report& report) {
  if (trim(options.reason).empty()) {
    throw UsageError("changes reject: give --reason: it is mailed to the family");
  }
  decide(tx, config, options, report, false);
}

void list_changes(pqxx::transaction_base& tx, const ChangeListOptions& options, Report& report) {
  if (!options.site.empty()) {
    require_site(tx, options.site);
  }
  const auto rows = tx.exec_params(
      "SELECT pc.id, pc.kind, s.code, coalesce(f.external_ref || ' ', '') || f.last_name || coalesce(' ' || f.first_name, ''), "
      "       st.first_name || ' ' || st.last_name, to_char(pc.submitted_at, 'DD/MM/YYYY HH24:MI'), "
      "       floor(extract(epoch FROM now() - pc.submitted_at) / 86400)::bigint, "
      "       (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(pc.changes) k), "
      "       r.choice, (SELECT string_agg(c.name, ', ' ORDER BY c.name) FROM reenrolment_request_courses rc "
      "                  JOIN courses c ON c.id = rc.course_id WHERE rc.request_id = r.id), "
      "       dt.label, d.file_name, d.size_bytes "
      "FROM pending_changes pc JOIN families f ON f.id = pc.family_id JOIN sites s ON s.id = f.site_id "
      "LEFT JOIN students st ON st.id = pc.student_id "
      "LEFT JOIN reenrolment_requests r ON r.id = pc.reenrolment_request_id "
      "LEFT JOIN documents d ON d.id = pc.document_id LEFT JOIN document_types dt ON dt.id = d.document_type_id "
      "WHERE pc.state = 'pending' AND ($1 = '' OR pc.kind = $1) AND ($2 = '' OR s.code = $2) "
      "  AND ($3 < 0 OR pc.submitted_at < now() - make_interval(days => $3)) "
      "ORDER BY pc.submitted_at, pc.id",
      options.kind, options.site, options.older_than_days.value_or(-1));
  Table table{{"id", "kind", "site", "family", "student", "submitted", "age_days", "summary"}, {}};
  for (const auto& r : rows) {
    std::string summary;
    const std::string kind = r[1].as<std::string>();
    if (kind == "identity") {
      std::vector<std::string> labels;
      for (const auto& field : split(r[7].is_null() ? "" : r[7].as<std::string>(), ',')) {
        labels.push_back(changes::field_label(field));
      }
      summary = join(labels, ", ");
    } else if (kind == "reenrolment") {
      const std::string choice = r[8].is_null() ? "" : r[8].as<std::string>();
      summary = choice == "decline"          ? "declines re-enrolment"
                : choice == "administrative" ? "administrative re-enrolment"
                                             : "courses: " + (r[9].is_null() ? std::string("(none)") : r[9].as<std::string>());
    } else {
      summary = (r[10].is_null() ? std::string("?") : r[10].as<std::string>()) + ": " +
                (r[11].is_null() ? std::string("(no file)") : r[11].as<std::string>()) +
                (r[12].is_null() ? "" : " (" + french_size(r[12].as<std::size_t>()) + ")");
    }
    table.rows.push_back({r[0].as<std::int64_t>(), kind, r[2].as<std::string>(), r[3].as<std::string>(),
                          changes::text_cell(r[4]), r[5].as<std::string>(), r[6].as<std::int64_t>(), summary});
  }
  report.add("pending", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

void show_change(pqxx::transaction_base& tx, std::int64_t id, Report& report) {
  const auto change = changes::load_change(tx, id, false);
  if (!change) {
    throw DataError("no change with id " + std::to_string(id) + " (see `imuse-admin changes list`)");
  }
  const auto r = tx.exec_params1(
      "SELECT s.code || ' (' || s.name || ')', coalesce(f.external_ref || ' ', '') || f.last_name || "
      "       coalesce(' ' || f.first_name, ''), st.first_name || ' ' || st.last_name || ' (born ' || "
      "       to_char(st.birth_date, 'DD/MM/YYYY') || ')', pc.reason, pc.forced, "
      "       floor(extract(epoch FROM now() - pc.submitted_at) / 86400)::bigint "
      "FROM pending_changes pc JOIN families f ON f.id = pc.family_id JOIN sites s ON s.id = f.site_id "
      "LEFT JOIN students st ON st.id = pc.student_id WHERE pc.id = $1",
      id);
  report.details = {
      {"id", change->id},
      {"kind", change->kind},
      {"state", change->state},
      {"site", r[0].as<std::string>()},
      {"family", r[1].as<std::string>() + " (id " + std::to_string(change->family_id) + ")"},
      {"student", changes::text_cell(r[2])},
      {"submitted", change->submitted + " (" + r[5].as<std::string>() + " days ago)"},
  };
  if (!change->decided.empty()) {
    report.details.emplace_back("decided", change->decided);
    report.details.emplace_back("reason", changes::text_cell(r[3]));
    if (r[4].as<bool>()) {
      report.details.emplace_back("forced", true);
    }
  }
  if (change->kind == "identity") {
    changes::show_identity(tx, *change, report);
  } else if (change->kind == "reenrolment") {
    changes::show_reenrolment(tx, *change, report);
  } else {
    changes::show_document(tx, *change, report);
  }
}

}  // namespace imuse
