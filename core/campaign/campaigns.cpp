#include "campaign/campaigns.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "mail/outbox.hpp"
#include "mail/templates.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/text.hpp"

namespace imuse {

namespace {

constexpr const char* kFrenchDate = "'DD/MM/YYYY'";

std::string id_array(const std::vector<std::int64_t>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    out += (i ? "," : "") + std::to_string(ids[i]);
  }
  return out + "}";
}

std::string text_or_empty(const pqxx::field& f) {
  return f.is_null() ? std::string() : f.as<std::string>();
}

std::optional<std::string> optional_text(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

StoredCampaign read_campaign(pqxx::transaction_base& tx, std::int64_t id) {
  const auto row = tx.exec_params1(
      "SELECT c.id, c.code, coalesce(c.label, ''), c.school_year, c.state, to_char(c.opens_on, 'DD/MM/YYYY'), "
      "       to_char(c.closes_on, 'DD/MM/YYYY'), coalesce(c.rules_url, ''), "
      "       coalesce((c.definition #>> '{notifications,reminder_min_days}')::int, 7), "
      "       coalesce((SELECT string_agg(s.code, ',' ORDER BY s.code) FROM campaign_sites cs "
      "                 JOIN sites s ON s.id = cs.site_id WHERE cs.campaign_id = c.id), '') "
      "FROM campaigns c WHERE c.id = $1",
      id);
  StoredCampaign c;
  c.id = row[0].as<std::int64_t>();
  c.code = row[1].as<std::string>();
  c.label = row[2].as<std::string>();
  c.school_year = row[3].as<std::string>();
  c.previous_year = previous_school_year(c.school_year);
  c.state = row[4].as<std::string>();
  c.opens_on = row[5].as<std::string>();
  c.closes_on = row[6].as<std::string>();
  c.rules_url = row[7].as<std::string>();
  c.reminder_min_days = row[8].as<int>();
  const std::string sites = row[9].as<std::string>();
  if (!sites.empty()) {
    c.sites = split(sites, ',');
  }
  return c;
}

std::string civility_word(const pqxx::field& f) {
  if (f.is_null()) {
    return "";
  }
  return f.as<std::string>() == "MME" ? "Madame" : "Monsieur";
}

nlohmann::json school_variables(const Config& config) {
  nlohmann::json school = nlohmann::json::object();
  for (const char* key : {"name", "address", "postal_code", "city", "phone", "email", "website"}) {
    school[key] = config.get(std::string("school.") + key);
  }
  return school;
}

nlohmann::json campaign_variables(const StoredCampaign& c) {
  return nlohmann::json{{"code", c.code},
                        {"label", c.label},
                        {"school_year", c.school_year},
                        {"previous_year", c.previous_year},
                        {"opens_on", c.opens_on},
                        {"closes_on", c.closes_on},
                        {"rules_url", c.rules_url}};
}

// One family to mail, with its students and the documents it owes.
struct MailFamily {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  std::string email;
  std::string to_name;
  nlohmann::json variables;
};

// Families of `family_ids` (temp table rows) with their site, e-mail and the students listed in
// temp table `students_table` (student_id, family_id).
std::vector<MailFamily> mail_families(pqxx::transaction_base& tx, const Config& config, const StoredCampaign& c,
                                      const std::string& students_table) {
  std::vector<MailFamily> families;
  std::map<std::int64_t, std::size_t> index;
  const auto rows = tx.exec(
      "SELECT f.id, f.site_id, coalesce(f.email, a.email), f.civility, f.last_name, coalesce(f.first_name, ''), "
      "       coalesce(f.external_ref, ''), si.code, si.name, si.portal_url, s.first_name, s.last_name "
      "FROM " +
      students_table +
      " t JOIN students s ON s.id = t.student_id JOIN families f ON f.id = t.family_id "
      "JOIN sites si ON si.id = f.site_id LEFT JOIN accounts a ON a.family_id = f.id "
      "ORDER BY si.code, f.last_name, f.id, s.birth_date, s.first_name");
  for (const auto& r : rows) {
    const auto id = r[0].as<std::int64_t>();
    auto it = index.find(id);
    if (it == index.end()) {
      MailFamily f;
      f.id = id;
      f.site_id = r[1].as<std::int64_t>();
      f.email = text_or_empty(r[2]);
      f.to_name = trim(r[5].as<std::string>() + " " + r[4].as<std::string>());
      f.variables = nlohmann::json{
          {"school", school_variables(config)},
          {"site",
           {{"code", r[7].as<std::string>()},
            {"name", r[8].as<std::string>()},
            {"portal_url", r[9].as<std::string>()}}},
          {"family",
           {{"civility", civility_word(r[3])},
            {"last_name", r[4].as<std::string>()},
            {"first_name", r[5].as<std::string>()},
            {"ref", r[6].as<std::string>()}}},
          {"campaign", campaign_variables(c)},
          {"students", nlohmann::json::array()},
          {"documents", nlohmann::json::array()},
          {"has_documents", false},
      };
      it = index.emplace(id, families.size()).first;
      families.push_back(std::move(f));
    }
    families[it->second].variables["students"].push_back(
        {{"first_name", r[10].as<std::string>()}, {"last_name", r[11].as<std::string>()}});
  }
  // The documents each family owes (needs campaign_owed), mandatory ones first.
  for (const auto& r : tx.exec(
           "SELECT o.family_id, t.label, bool_or(o.mandatory), "
           "       string_agg(s.first_name, ', ' ORDER BY s.birth_date) "
           "FROM campaign_owed o JOIN document_types t ON t.id = o.document_type_id "
           "LEFT JOIN students s ON s.id = o.student_id "
           "GROUP BY o.family_id, t.label, t.position ORDER BY o.family_id, bool_or(o.mandatory) DESC, t.position")) {
    const auto it = index.find(r[0].as<std::int64_t>());
    if (it != index.end()) {
      families[it->second].variables["documents"].push_back(
          {{"label", r[1].as<std::string>()}, {"mandatory", r[2].as<bool>()}, {"concerns", text_or_empty(r[3])}});
      families[it->second].variables["has_documents"] = true;
    }
  }
  return families;
}

// Renders and queues `template_name` for one family; true when it was new in the outbox.
bool queue_family_mail(pqxx::work& tx, const Config& config, const MailFamily& f, const std::string& template_name,
                       const std::string& key, const std::string& command) {
  const auto rendered =
      mail::render_template(config, template_name, f.variables["site"]["code"].get<std::string>(), f.variables);
  mail::QueuedMail m;
  m.idempotency_key = key;
  m.kind = template_name;
  m.family_id = f.id;
  m.site_id = f.site_id;
  m.to = mail::Address{f.email, f.to_name};
  m.subject = rendered.subject;
  m.text = rendered.text;
  m.html = rendered.html;
  m.created_by_command = command;
  return mail::queue_mail(tx, config, m).has_value();
}

std::string family_name(const MailFamily& f) {
  const std::string ref = f.variables["family"]["ref"].get<std::string>();
  return f.to_name + (ref.empty() ? "" : " (" + ref + ")");
}

// Checks the sites exist and returns their ids, in the file's order.
std::vector<std::int64_t> site_ids(pqxx::transaction_base& tx, const CampaignDefinition& d) {
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < d.sites.size(); ++i) {
    const auto row = tx.exec_params("SELECT id FROM sites WHERE code = $1", d.sites[i]);
    if (row.empty()) {
      throw DataError(d.site_where[i] + ": sites: no site " + d.sites[i] +
                      " in the database (see 'imuse-admin site list')");
    }
    ids.push_back(row[0][0].as<std::int64_t>());
  }
  return ids;
}

// A department named in a condition that no course of the campaign's sites has is a typo.
void check_departments(pqxx::transaction_base& tx, const CampaignDefinition& d) {
  std::map<std::string, std::string> known;  // folded -> as written
  for (const auto& r : tx.exec_params("SELECT DISTINCT c.department FROM courses c JOIN sites s ON s.id = c.site_id "
                                      "WHERE s.code = ANY($1::text[]) AND c.department IS NOT NULL ORDER BY 1",
                                      pg_text_array(d.sites))) {
    known.emplace(fold_key(r[0].as<std::string>()), r[0].as<std::string>());
  }
  for (const auto& doc : d.documents) {
    for (const auto& department : doc.condition.departments) {
      if (known.count(fold_key(department)) == 0) {
        std::vector<std::string> names;
        for (const auto& [k, v] : known) {
          names.push_back(v);
        }
        throw DataError(doc.departments_where + ": departments: no course of " + join(d.sites, ", ") +
                        " is in department \"" + department + "\" (departments: " +
                        (names.empty() ? "none; import the courses first" : join(names, ", ")) + ")");
      }
    }
  }
}

// Another open campaign of the same year on one of the sites: refused, naming it.
void check_no_other_open(pqxx::transaction_base& tx, const CampaignDefinition& d) {
  const auto rows = tx.exec_params(
      "SELECT s.code, c.code FROM campaign_sites cs JOIN campaigns c ON c.id = cs.campaign_id "
      "JOIN sites s ON s.id = cs.site_id "
      "WHERE cs.state = 'open' AND cs.school_year = $1 AND s.code = ANY($2::text[]) AND c.code <> $3 "
      "ORDER BY s.code",
      d.school_year, pg_text_array(d.sites), d.code);
  if (!rows.empty()) {
    const std::string other = rows[0][1].as<std::string>();
    throw DataError("site " + rows[0][0].as<std::string>() + " already has an open campaign for " + d.school_year +
                    ": " + other + "; close it first ('imuse-admin campaign close " + other +
                    "') or leave the site out of " + d.file);
  }
}

// Brings the campaign's document types to the definition. Types whose documents were already
// uploaded cannot be removed; their a_fournir rows are recreated when the type's scope changed.
void sync_document_types(pqxx::transaction_base& tx, std::int64_t campaign_id, const CampaignDefinition& d,
                         Report& report) {
  std::set<std::string> codes;
  int position = 0;
  for (const auto& doc : d.documents) {
    codes.insert(doc.code);
    ++position;
    const auto cond = doc.condition.empty() ? std::optional<std::string>()
                                            : std::optional<std::string>(condition_json(doc.condition).dump());
    const auto existing = tx.exec_params(
        "SELECT id, label = $3 AND level = $4 AND mandatory = $5 AND condition IS NOT DISTINCT FROM $6::jsonb "
        "       AND position = $7, level = $4 AND condition IS NOT DISTINCT FROM $6::jsonb "
        "FROM document_types WHERE campaign_id = $1 AND code = $2",
        campaign_id, doc.code, doc.label, doc.level, doc.mandatory, cond, position);
    if (existing.empty()) {
      tx.exec_params0(
          "INSERT INTO document_types (campaign_id, code, label, level, mandatory, condition, position) "
          "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)",
          campaign_id, doc.code, doc.label, doc.level, doc.mandatory, cond, position);
      report.add("document_types_created");
      continue;
    }
    if (existing[0][1].as<bool>()) {
      continue;
    }
    const auto type_id = existing[0][0].as<std::int64_t>();
    if (!existing[0][2].as<bool>()) {
      const auto provided = tx.exec_params1(
          "SELECT count(*) FROM documents WHERE document_type_id = $1 AND state <> 'a_fournir'", type_id)[0];
      if (provided.as<std::int64_t>() > 0 &&
          !tx.exec_params1("SELECT level = $2 FROM document_types WHERE id = $1", type_id, doc.level)[0].as<bool>()) {
        throw DataError(doc.where + ": document '" + doc.code + "': its level cannot change, families already " +
                        "provided " + provided.as<std::string>() + " of them");
      }
      tx.exec_params0("DELETE FROM documents WHERE document_type_id = $1 AND state = 'a_fournir'", type_id);
    }
    tx.exec_params0(
        "UPDATE document_types SET label = $2, level = $3, mandatory = $4, condition = $5::jsonb, position = $6, "
        "updated_at = now() WHERE id = $1",
        type_id, doc.label, doc.level, doc.mandatory, cond, position);
    report.add("document_types_updated");
  }
  for (const auto& r :
       tx.exec_params("SELECT id, code FROM document_types WHERE campaign_id = $1 ORDER BY id", campaign_id)) {
    const std::string code = r[1].as<std::string>();
    if (codes.count(code) != 0) {
      continue;
    }
    const auto id = r[0].as<std::int64_t>();
    const auto provided =
        tx.exec_params1("SELECT count(*) FROM documents WHERE document_type_id = $1 AND state <> 'a_fournir'", id)[0]
            .as<std::int64_t>();
    if (provided > 0) {
      throw DataError(d.file + ": document '" + code + "' is no longer listed, but families already provided " +
                      std::to_string(provided) + " of them; keep it in the file");
    }
    tx.exec_params0("DELETE FROM documents WHERE document_type_id = $1", id);
    tx.exec_params0("DELETE FROM document_types WHERE id = $1", id);
    report.add("document_types_removed");
  }
}

void insert_sites(pqxx::transaction_base& tx, std::int64_t campaign_id, const std::vector<std::int64_t>& ids) {
  tx.exec_params0(
      "INSERT INTO campaign_sites (campaign_id, site_id, school_year, state) "
      "SELECT c.id, s, c.school_year, c.state FROM campaigns c, unnest($2::int[]) AS s WHERE c.id = $1",
      campaign_id, id_array(ids));
}

// Sets state open; a conflict that appeared since check_no_other_open fails on the unique index.
void set_open(pqxx::transaction_base& tx, std::int64_t campaign_id, const CampaignDefinition& d) {
  try {
    tx.exec_params0(
        "UPDATE campaigns SET state = 'open', opened_at = coalesce(opened_at, now()), closed_at = NULL "
        "WHERE id = $1",
        campaign_id);
  } catch (const pqxx::unique_violation&) {
    throw DataError("another campaign for " + d.school_year + " was opened on one of " + join(d.sites, ", ") +
                    " meanwhile; see 'imuse-admin campaign list'");
  }
}

void queue_open_mails(pqxx::work& tx, const Config& config, const StoredCampaign& c, Report& report) {
  tx.exec0("DROP TABLE IF EXISTS campaign_notify");
  tx.exec0("CREATE TEMP TABLE campaign_notify ON COMMIT DROP AS SELECT student_id, family_id FROM campaign_eligible");
  for (const auto& f : mail_families(tx, config, c, "campaign_notify")) {
    if (f.email.empty()) {
      report.add("families_without_email");
      report.warnings.push_back("no e-mail address for family " + family_name(f) + ": not notified");
      continue;
    }
    const bool queued = queue_family_mail(tx, config, f, "campaign_open",
                                          "campaign_open:" + c.code + ":" + std::to_string(f.id), "campaign open");
    report.add(queued ? "mails_queued" : "mails_already_queued");
  }
}

}  // namespace

std::string pg_text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += i ? ",\"" : "\"";
    for (char ch : values[i]) {
      if (ch == '"' || ch == '\\') {
        out += '\\';
      }
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

StoredCampaign find_campaign(pqxx::transaction_base& tx, const std::string& code, const std::string& site) {
  if (!code.empty()) {
    const auto row = tx.exec_params("SELECT id FROM campaigns WHERE code = $1", code);
    if (row.empty()) {
      throw DataError("no campaign " + code + " (see 'imuse-admin campaign list')");
    }
    return read_campaign(tx, row[0][0].as<std::int64_t>());
  }
  const auto rows = tx.exec_params(
      "SELECT c.id, c.code FROM campaigns c WHERE c.state = 'open' AND ($1 = '' OR EXISTS ("
      "  SELECT 1 FROM campaign_sites cs JOIN sites s ON s.id = cs.site_id "
      "  WHERE cs.campaign_id = c.id AND s.code = $1)) ORDER BY c.code",
      site);
  if (rows.empty()) {
    throw DataError("no open campaign" + (site.empty() ? std::string() : " on site " + site) +
                    "; give the campaign's code (see 'imuse-admin campaign list')");
  }
  if (rows.size() > 1) {
    std::vector<std::string> codes;
    for (const auto& r : rows) {
      codes.push_back(r[1].as<std::string>());
    }
    throw DataError("several open campaigns (" + join(codes, ", ") + "): give the campaign's code or --site");
  }
  return read_campaign(tx, rows[0][0].as<std::int64_t>());
}

void stage_eligible(pqxx::transaction_base& tx, const StoredCampaign& c) {
  tx.exec0("DROP TABLE IF EXISTS campaign_eligible");
  tx.exec_params0(
      "CREATE TEMP TABLE campaign_eligible ON COMMIT DROP AS "
      "SELECT s.id AS student_id, s.family_id, f.site_id FROM students s JOIN families f ON f.id = s.family_id "
      "JOIN campaign_sites cs ON cs.campaign_id = $1 AND cs.site_id = f.site_id "
      "WHERE EXISTS (SELECT 1 FROM enrolments e WHERE e.student_id = s.id AND e.school_year = $2 "
      "              AND e.withdrawn_on IS NULL)",
      c.id, c.previous_year);
}

void stage_owed_documents(pqxx::transaction_base& tx, const StoredCampaign& c) {
  // The courses that satisfy each condition, decided here with the same folding as everywhere.
  tx.exec0("DROP TABLE IF EXISTS campaign_doc_courses");
  tx.exec0("CREATE TEMP TABLE campaign_doc_courses (document_type_id bigint, course_id bigint) ON COMMIT DROP");
  const auto courses = tx.exec(
      "SELECT c.id, s.code, coalesce(c.department, ''), c.name FROM courses c JOIN sites s ON s.id = c.site_id");
  for (const auto& t : tx.exec_params(
           "SELECT id, condition::text FROM document_types WHERE campaign_id = $1 AND condition IS NOT NULL", c.id)) {
    const auto condition = condition_from_json(nlohmann::json::parse(t[1].as<std::string>()));
    std::vector<std::int64_t> ids;
    for (const auto& course : courses) {
      if (condition_matches(condition, CourseFacts{course[1].as<std::string>(), course[2].as<std::string>(),
                                                   course[3].as<std::string>()})) {
        ids.push_back(course[0].as<std::int64_t>());
      }
    }
    tx.exec_params0("INSERT INTO campaign_doc_courses SELECT $1, unnest($2::bigint[])", t[0].as<std::int64_t>(),
                    id_array(ids));
  }
  tx.exec0("DROP TABLE IF EXISTS campaign_owed");
  tx.exec_params0(
      "CREATE TEMP TABLE campaign_owed ON COMMIT DROP AS "
      "WITH concerned AS ("
      "  SELECT e.student_id, e.family_id FROM campaign_eligible e WHERE NOT EXISTS ("
      "    SELECT 1 FROM reenrolment_requests r WHERE r.campaign_id = $1 AND r.student_id = e.student_id "
      "    AND r.choice = 'decline' AND r.state <> 'rejected')), "
      "student_courses AS ("
      "  SELECT en.student_id, en.course_id FROM enrolments en JOIN concerned c ON c.student_id = en.student_id "
      "  WHERE en.school_year = $2 AND en.withdrawn_on IS NULL "
      "  UNION SELECT r.student_id, rc.course_id FROM reenrolment_requests r "
      "  JOIN reenrolment_request_courses rc ON rc.request_id = r.id JOIN concerned c ON c.student_id = r.student_id "
      "  WHERE r.campaign_id = $1 AND r.choice = 'courses' AND r.state <> 'rejected'), "
      "per_student AS ("
      "  SELECT t.id AS document_type_id, t.level, t.mandatory, c.family_id, c.student_id "
      "  FROM document_types t CROSS JOIN concerned c WHERE t.campaign_id = $1 AND (t.condition IS NULL OR EXISTS ("
      "    SELECT 1 FROM student_courses sc JOIN campaign_doc_courses dc ON dc.course_id = sc.course_id "
      "    WHERE dc.document_type_id = t.id AND sc.student_id = c.student_id))) "
      "SELECT document_type_id, mandatory, family_id, student_id FROM per_student WHERE level = 'student' "
      "UNION SELECT document_type_id, mandatory, family_id, NULL::bigint FROM per_student WHERE level = 'family'",
      c.id, c.previous_year);
}

void open_campaign(pqxx::work& tx, const Config& config, const OpenOptions& options, Report& report) {
  const CampaignDefinition d = load_campaign_definition(options.file);
  for (const char* name : {"created", "updated", "reopened", "unchanged", "document_types_created",
                           "document_types_updated", "document_types_removed", "documents_to_provide"}) {
    report.add(name, 0);
  }
  const auto ids = site_ids(tx, d);
  check_departments(tx, d);
  const std::string definition = definition_json(d).dump();
  const auto existing = tx.exec_params(
      "SELECT id, state, definition = $2::jsonb, school_year = $3, "
      "       coalesce((SELECT array_agg(s.code ORDER BY s.code) FROM campaign_sites cs "
      "                 JOIN sites s ON s.id = cs.site_id WHERE cs.campaign_id = c.id), '{}') = "
      "       (SELECT array_agg(x ORDER BY x) FROM unnest($4::text[]) x) "
      "FROM campaigns c WHERE code = $1 FOR UPDATE",
      d.code, definition, d.school_year, pg_text_array(d.sites));
  const std::string where = " for " + d.school_year + " on " + join(d.sites, ", ") + " (portal: from " +
                            d.opens_on.french() + " to " + d.closes_on.french() + ")";
  std::int64_t id = 0;
  if (existing.empty()) {
    check_no_other_open(tx, d);
    id = tx.exec_params1(
               "INSERT INTO campaigns (code, label, school_year, opens_on, closes_on, steps, rules_text, rules_url, "
               "definition) VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8, $9::jsonb) RETURNING id",
               d.code, optional_text(d.label), d.school_year, d.opens_on.iso(), d.closes_on.iso(),
               pg_text_array(d.steps), optional_text(d.rules_text), optional_text(d.rules_url), definition)[0]
             .as<std::int64_t>();
    insert_sites(tx, id, ids);
    sync_document_types(tx, id, d, report);
    set_open(tx, id, d);
    report.add("created");
    report.messages.push_back("campaign " + d.code + " opened" + where);
  } else {
    id = existing[0][0].as<std::int64_t>();
    const std::string state = existing[0][1].as<std::string>();
    if (!existing[0][3].as<bool>() || !existing[0][4].as<bool>()) {
      throw DataError(d.file + ": campaign " + d.code + " already exists with another school year or other sites; " +
                      "they cannot change: close it and open a campaign with another code");
    }
    const bool same = existing[0][2].as<bool>();
    if (state != "open") {
      check_no_other_open(tx, d);
    }
    if (!same) {
      tx.exec_params0(
          "UPDATE campaigns SET label = $2, opens_on = $3, closes_on = $4, steps = $5::text[], rules_text = $6, "
          "rules_url = $7, definition = $8::jsonb, updated_at = now() WHERE id = $1",
          id, optional_text(d.label), d.opens_on.iso(), d.closes_on.iso(), pg_text_array(d.steps),
          optional_text(d.rules_text), optional_text(d.rules_url), definition);
      sync_document_types(tx, id, d, report);
    }
    if (state != "open") {
      set_open(tx, id, d);
      report.add("reopened");
      report.messages.push_back("campaign " + d.code + " re-opened" + where);
    } else if (!same) {
      report.add("updated");
      report.messages.push_back("campaign " + d.code + " updated" + where);
    } else {
      report.add("unchanged");
      report.messages.push_back("campaign " + d.code + " is already open with this definition: nothing changed");
    }
  }
  const StoredCampaign c = read_campaign(tx, id);
  stage_eligible(tx, c);
  stage_owed_documents(tx, c);
  // The portal lists a family's documents from these rows (docs/schema.md, "Campaigns").
  const auto created = tx.exec0(
                             "INSERT INTO documents (family_id, student_id, document_type_id) "
                             "SELECT family_id, student_id, document_type_id FROM campaign_owed "
                             "ON CONFLICT DO NOTHING")
                           .affected_rows();
  report.add("documents_to_provide", static_cast<std::int64_t>(created));
  report.add("eligible_students", tx.exec1("SELECT count(*) FROM campaign_eligible")[0].as<std::int64_t>());
  report.add("eligible_families",
             tx.exec1("SELECT count(DISTINCT family_id) FROM campaign_eligible")[0].as<std::int64_t>());
  if (options.notify) {
    report.add("mails_queued", 0);
    report.add("mails_already_queued", 0);
    report.add("families_without_email", 0);
    queue_open_mails(tx, config, c, report);
    if (tx.exec_params1("SELECT current_date < $1::date", d.opens_on.iso())[0].as<bool>()) {
      report.warnings.push_back("the portal shows the Réinscription tab from " + d.opens_on.french() +
                                " only; the e-mail gives these dates");
    }
  }
}

void close_campaign(pqxx::transaction_base& tx, const std::string& code, Report& report) {
  const StoredCampaign c = find_campaign(tx, code, "");
  report.add("closed", 0);
  report.add("unchanged", 0);
  if (c.state == "closed") {
    report.add("unchanged");
    report.messages.push_back("campaign " + c.code + " is already closed: nothing changed");
    return;
  }
  if (c.state != "open") {
    throw DataError("campaign " + c.code + " was never opened");
  }
  tx.exec_params0("UPDATE campaigns SET state = 'closed', closed_at = now() WHERE id = $1", c.id);
  report.add("closed");
  report.messages.push_back("campaign " + c.code + " closed: the portal no longer shows the Réinscription tab on " +
                            join(c.sites, ", "));
}

void list_campaigns(pqxx::transaction_base& tx, Report& report) {
  Table table{{"code", "label", "school_year", "state", "sites", "opens_on", "closes_on", "answers"}, {}};
  for (const auto& r :
       tx.exec("SELECT c.code, c.label, c.school_year, c.state, "
               "       coalesce((SELECT string_agg(s.code, ', ' ORDER BY s.code) FROM campaign_sites cs "
               "                 JOIN sites s ON s.id = cs.site_id WHERE cs.campaign_id = c.id), ''), "
               "       to_char(c.opens_on, " +
               std::string(kFrenchDate) + "), to_char(c.closes_on, " + kFrenchDate +
               "), "
               "       (SELECT count(*) FROM reenrolment_requests r WHERE r.campaign_id = c.id) "
               "FROM campaigns c ORDER BY c.school_year DESC, c.code")) {
    table.rows.push_back({r[0].as<std::string>(), r[1].is_null() ? Cell() : Cell(r[1].as<std::string>()),
                          r[2].as<std::string>(), r[3].as<std::string>(), r[4].as<std::string>(),
                          r[5].as<std::string>(), r[6].as<std::string>(), r[7].as<std::int64_t>()});
  }
  report.add("campaigns", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

void remind_campaign(pqxx::work& tx, const Config& config, const RemindOptions& options, Report& report) {
  const StoredCampaign c = find_campaign(tx, options.campaign, options.site);
  if (c.state != "open") {
    throw DataError("campaign " + c.code + " is " + c.state + ": reminders are for open campaigns");
  }
  const int min_days = options.min_days.value_or(c.reminder_min_days);
  for (const char* name : {"mails_queued", "reminded_recently", "families_without_email"}) {
    report.add(name, 0);
  }
  stage_eligible(tx, c);
  stage_owed_documents(tx, c);
  tx.exec0("DROP TABLE IF EXISTS campaign_unanswered");
  tx.exec_params0(
      "CREATE TEMP TABLE campaign_unanswered ON COMMIT DROP AS "
      "SELECT e.student_id, e.family_id FROM campaign_eligible e JOIN sites s ON s.id = e.site_id "
      "WHERE ($2 = '' OR s.code = $2) AND NOT EXISTS ("
      "  SELECT 1 FROM reenrolment_requests r WHERE r.campaign_id = $1 AND r.student_id = e.student_id)",
      c.id, options.site);
  // Families reminded less than min_days ago wait; the others get one reminder each.
  const std::string recent_filter =
      "EXISTS (SELECT 1 FROM campaign_reminders r WHERE r.campaign_id = $1 AND r.family_id = u.family_id "
      "        AND r.sent_at > now() - make_interval(days => $2))";
  report.add("reminded_recently",
             tx.exec_params1("SELECT count(DISTINCT u.family_id) FROM campaign_unanswered u WHERE " + recent_filter,
                             c.id, min_days)[0]
                 .as<std::int64_t>());
  tx.exec_params0("DELETE FROM campaign_unanswered u WHERE " + recent_filter, c.id, min_days);
  for (const auto& f : mail_families(tx, config, c, "campaign_unanswered")) {
    if (f.email.empty()) {
      report.add("families_without_email");
      report.warnings.push_back("no e-mail address for family " + family_name(f) + ": not reminded");
      continue;
    }
    const auto reminder_id =
        tx.exec_params1("INSERT INTO campaign_reminders (campaign_id, family_id) VALUES ($1, $2) RETURNING id", c.id,
                        f.id)[0]
            .as<std::int64_t>();
    const std::string key =
        "campaign_reminder:" + c.code + ":" + std::to_string(f.id) + ":" + std::to_string(reminder_id);
    queue_family_mail(tx, config, f, "campaign_reminder", key, "campaign remind");
    tx.exec_params0(
        "UPDATE campaign_reminders SET outbox_id = (SELECT id FROM mail_outbox WHERE idempotency_key = $2) "
        "WHERE id = $1",
        reminder_id, key);
    report.add("mails_queued");
  }
  report.messages.push_back("campaign " + c.code + ": families reminded at most once every " +
                            std::to_string(min_days) + " days");
}

}  // namespace imuse
