// Identity changes: a family's edit of its own record or of a student's, checked and applied.
#include <cctype>

#include "changes/decision.hpp"
#include "util/fold.hpp"
#include "util/french.hpp"
#include "util/text.hpp"

namespace imuse::changes {

namespace {

enum class Kind { text, required_text, civility, phone, email, postal_code, country, date, department, boolean, schedule };

struct FieldRule {
  const char* name;
  const char* label;  // as the portal and the import headers say it
  Kind kind;
};

// The fields of constraint pending_changes_identity_fields, with what their values must be.
constexpr FieldRule kFamilyFields[] = {
    {"civility", "Civilité", Kind::civility},
    {"last_name", "Nom", Kind::required_text},
    {"first_name", "Prénom", Kind::text},
    {"address_line1", "Adresse (ligne 1)", Kind::text},
    {"address_line2", "Adresse (ligne 2)", Kind::text},
    {"address_line3", "Adresse (ligne 3)", Kind::text},
    {"postal_code", "Code postal", Kind::postal_code},
    {"city", "Ville", Kind::text},
    {"country_code", "Pays", Kind::country},
    {"phone_home", "Tél domicile", Kind::phone},
    {"phone_mobile", "Mobile", Kind::phone},
    {"phone_work", "Tél pro", Kind::phone},
    {"phone_extra1", "Autre téléphone 1", Kind::phone},
    {"phone_extra2", "Autre téléphone 2", Kind::phone},
    {"phone_extra3", "Autre téléphone 3", Kind::phone},
    {"email", "E-mail", Kind::email},
    {"marital_status", "Situation familiale", Kind::text},
    {"socio_professional_code", "Code socio-professionnel", Kind::text},
    {"profession", "Profession", Kind::text},
    {"payment_schedule", "Nombre d'échéances", Kind::schedule},
};

constexpr FieldRule kStudentFields[] = {
    {"civility", "Civilité", Kind::civility},
    {"last_name", "Nom", Kind::required_text},
    {"first_name", "Prénom", Kind::required_text},
    {"birth_date", "Date de naissance", Kind::date},
    {"birth_place", "Lieu de naissance", Kind::text},
    {"birth_department", "Département de naissance", Kind::department},
    {"uses_family_address", "Adresse de la famille", Kind::boolean},
    {"address_line1", "Adresse (ligne 1)", Kind::text},
    {"address_line2", "Adresse (ligne 2)", Kind::text},
    {"address_line3", "Adresse (ligne 3)", Kind::text},
    {"postal_code", "Code postal", Kind::postal_code},
    {"city", "Ville", Kind::text},
    {"country_code", "Pays", Kind::country},
    {"phone_home", "Tél domicile", Kind::phone},
    {"phone_mobile", "Mobile", Kind::phone},
    {"phone_work", "Tél pro", Kind::phone},
    {"email", "E-mail", Kind::email},
    {"school", "Établissement scolaire", Kind::text},
    {"school_level", "Niveau scolaire", Kind::text},
    {"emergency_contact_name", "Personne à prévenir", Kind::text},
    {"emergency_phone", "Tél urgence", Kind::phone},
};

const FieldRule* find_rule(const std::string& entity, const std::string& field) {
  if (entity == "family") {
    for (const auto& r : kFamilyFields) {
      if (field == r.name) {
        return &r;
      }
    }
  } else {
    for (const auto& r : kStudentFields) {
      if (field == r.name) {
        return &r;
      }
    }
  }
  return nullptr;
}

// A normalised value, or why the requested one cannot be stored.
struct Normalised {
  nlohmann::json value;
  std::string error;
};

std::optional<bool> as_boolean(const nlohmann::json& v) {
  if (v.is_boolean()) {
    return v.get<bool>();
  }
  if (v.is_string()) {
    const std::string s = fold_key(v.get<std::string>());
    if (s == "true" || s == "oui" || s == "1" || s == "yes") {
      return true;
    }
    if (s == "false" || s == "non" || s == "0" || s == "no") {
      return false;
    }
  }
  return std::nullopt;
}

// Checks and normalises one requested value as the imports do (util/french.hpp); `country` is
// the record's country after the change (postal codes are checked for France only).
Normalised normalise(const FieldRule& rule, const nlohmann::json& raw, const std::string& country) {
  if (rule.kind == Kind::boolean || rule.kind == Kind::schedule) {
    if (rule.kind == Kind::boolean) {
      const auto b = as_boolean(raw);
      return b ? Normalised{*b, ""} : Normalised{nullptr, "expected yes or no"};
    }
    int n = 0;
    if (raw.is_number_integer()) {
      n = raw.get<int>();
    } else if (raw.is_string()) {
      n = std::atoi(trim(raw.get<std::string>()).c_str());
    }
    return n == 1 || n == 2 || n == 3 || n == 9 ? Normalised{n, ""} : Normalised{nullptr, "expected 1, 2, 3 or 9"};
  }
  if (!raw.is_null() && !raw.is_string()) {
    return {nullptr, "expected text, got " + raw.dump()};
  }
  const std::string text = raw.is_null() ? "" : std::string(trim_blank(raw.get<std::string>()));
  if (text.empty()) {
    const bool required = rule.kind == Kind::required_text || rule.kind == Kind::date;
    return required ? Normalised{nullptr, "cannot be empty"} : Normalised{nullptr, ""};
  }
  std::optional<std::string> value;
  switch (rule.kind) {
    case Kind::text:
    case Kind::required_text:
      value = text;
      break;
    case Kind::civility:
      value = normalize_civility(text);
      break;
    case Kind::phone:
      value = normalize_phone(text);
      break;
    case Kind::email:
      value = normalize_email(text);
      break;
    case Kind::postal_code:
      value = country == "FR" ? normalize_postal_code(text) : std::optional(text);
      break;
    case Kind::country: {
      const std::string upper = ascii_upper(text);
      if (upper.size() == 2 && std::isupper(static_cast<unsigned char>(upper[0])) &&
          std::isupper(static_cast<unsigned char>(upper[1]))) {
        value = upper;
      }
      break;
    }
    case Kind::date:
      if (const auto d = parse_date(text)) {
        value = d->iso();
      }
      break;
    case Kind::department: {
      const std::string upper = ascii_upper(text);
      const bool digits = upper.find_first_not_of("0123456789") == std::string::npos;
      if ((upper == "2A" || upper == "2B") || (digits && (upper.size() == 2 || upper.size() == 3))) {
        value = upper;
      }
      break;
    }
    default:
      break;
  }
  if (!value) {
    return {nullptr, "\"" + text + "\" is not a valid value"};
  }
  return {*value, ""};
}

// A value as people read it: phones in pairs, dates dd/mm/yyyy, civility and booleans in words.
std::string display(const FieldRule* rule, const nlohmann::json& v) {
  if (v.is_null()) {
    return "";
  }
  if (v.is_boolean()) {
    return v.get<bool>() ? "oui" : "non";
  }
  if (!v.is_string()) {
    return v.dump();
  }
  const std::string s = v.get<std::string>();
  if (rule == nullptr) {
    return s;
  }
  if (rule->kind == Kind::phone) {
    return format_phone(s);
  }
  if (rule->kind == Kind::civility) {
    return s == "MME" ? "Madame" : s == "M" ? "Monsieur" : s;
  }
  if (rule->kind == Kind::date) {
    if (const auto d = parse_date(s)) {
      return d->french();
    }
  }
  return s;
}

// The record's matching key, as the imports compute it (0002_match_keys.sql).
std::string match_key(const std::string& entity, const nlohmann::json& row) {
  const auto text = [&row](const char* key) {
    return row.contains(key) && row[key].is_string() ? row[key].get<std::string>() : std::string();
  };
  if (entity == "family") {
    return fold_key(text("last_name")) + "|" + fold_key(text("first_name")) + "|" + ascii_lower(text("email"));
  }
  return fold_key(text("first_name")) + "|" + text("birth_date");
}

// The record as JSON and its version, locked when `lock`.
std::pair<int, nlohmann::json> load_record(pqxx::transaction_base& tx, const ChangeRow& change, bool lock) {
  const std::string table = change.entity == "family" ? "families" : "students";
  const auto r = tx.exec_params1("SELECT version, to_jsonb(t)::text FROM " + table + " t WHERE id = $1" +
                                     (lock ? " FOR UPDATE" : ""),
                                 change.entity == "family" ? change.family_id : change.student_id.value_or(0));
  return {r[0].as<int>(), nlohmann::json::parse(r[1].as<std::string>())};
}

nlohmann::json fields_for_mail(const std::string& entity, const nlohmann::json& values) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& [name, value] : values.items()) {
    const FieldRule* rule = find_rule(entity, name);
    const std::string shown = display(rule, value);
    fields.push_back({{"label", rule ? rule->label : name.c_str()}, {"value", shown.empty() ? "(vide)" : shown}});
  }
  return fields;
}

}  // namespace

std::string field_label(const std::string& field) {
  for (const char* entity : {"family", "student"}) {
    if (const FieldRule* r = find_rule(entity, field)) {
      return r->label;
    }
  }
  return field;
}

nlohmann::json identity_variables(pqxx::transaction_base& /*tx*/, const ChangeRow& change) {
  nlohmann::json requested = nlohmann::json::object();
  for (const auto& [name, value] : change.changes.items()) {
    requested[name] = value.contains("new") ? value["new"] : nlohmann::json();
  }
  return {{"identity", true}, {"fields", fields_for_mail(change.entity, requested)}};
}

std::optional<Decision> approve_identity(DecisionContext& ctx, const ChangeRow& change) {
  auto [version, row] = load_record(ctx.tx, change, true);
  const bool stale = change.base_version && version != *change.base_version;
  if (stale && !ctx.options.force) {
    std::vector<std::string> moved;
    for (const auto& [name, value] : change.changes.items()) {
      if (value.contains("old") && row.contains(name) && value["old"] != row[name]) {
        moved.push_back(field_label(name));
      }
    }
    ctx.report.add("stale");
    ctx.report.rejected.push_back(
        {change.label, "stale: the " + change.entity + " record changed since the family's edit (version " +
                           std::to_string(version) + " now, edit made on version " +
                           std::to_string(change.base_version.value_or(0)) + ")" +
                           (moved.empty() ? "" : "; changed meanwhile: " + join(moved, ", ")) +
                           ". Check it with `changes show " + std::to_string(change.id) +
                           "`, then approve with --force or reject it"});
    return std::nullopt;
  }
  // The country the postal code is checked against: the requested one, else the stored one.
  std::string country = row.value("country_code", std::string("FR"));
  if (change.changes.contains("country_code") && change.changes["country_code"].contains("new") &&
      change.changes["country_code"]["new"].is_string()) {
    country = ascii_upper(trim(change.changes["country_code"]["new"].get<std::string>()));
  }
  nlohmann::json before = nlohmann::json::object();
  nlohmann::json after = nlohmann::json::object();
  std::vector<std::string> errors;
  for (const auto& [name, value] : change.changes.items()) {
    const FieldRule* rule = find_rule(change.entity, name);
    if (rule == nullptr) {
      errors.push_back(name + ": not a field the portal may change");
      continue;
    }
    const Normalised n = normalise(*rule, value.contains("new") ? value["new"] : nlohmann::json(), country);
    if (!n.error.empty()) {
      errors.push_back(std::string(rule->label) + " (" + name + "): " + n.error);
      continue;
    }
    before[name] = row.contains(name) ? row[name] : nlohmann::json();
    after[name] = n.value;
  }
  if (!errors.empty()) {
    ctx.report.add("failed");
    ctx.report.rejected.push_back({change.label, "cannot be applied: " + join(errors, "; ") +
                                                     ". Reject it with a --reason the family will read"});
    return std::nullopt;
  }
  nlohmann::json merged = row;
  merged.update(after);
  const std::string table = change.entity == "family" ? "families" : "students";
  std::string set_clause = "match_key = $3";
  for (const auto& [name, value] : after.items()) {
    set_clause += ", " + name + " = r." + name;  // names come from the fixed field lists above
  }
  const std::int64_t record_id = change.entity == "family" ? change.family_id : change.student_id.value_or(0);
  ctx.tx.exec_params0("UPDATE " + table + " t SET " + set_clause + " FROM jsonb_populate_record(NULL::" + table +
                          ", $2::jsonb) r WHERE t.id = $1",
                      record_id, after.dump(), match_key(change.entity, merged));
  ctx.tx.exec_params0(
      "INSERT INTO audit_log (actor, command, site_id, summary, entity, entity_id, old_values, new_values) "
      "SELECT $1, $2, f.site_id, jsonb_build_object('pending_change', $3::bigint, 'forced', $4::boolean, "
      "       'base_version', $5::int, 'version_before', $6::int), $7, $8, $9::jsonb, $10::jsonb "
      "FROM families f WHERE f.id = $11",
      ctx.options.actor, ctx.options.command, change.id, stale, change.base_version.value_or(0), version, table,
      record_id, before.dump(), after.dump(), change.family_id);
  if (stale) {
    ctx.report.warnings.push_back(change.label + ": applied although the record changed since the edit (--force)");
  }
  Decision d;
  d.forced = stale;
  d.mail_template = "change_approved";
  d.variables = {{"identity", true}, {"fields", fields_for_mail(change.entity, after)}};
  d.audit_new = {{"fields", after}};
  return d;
}

void show_identity(pqxx::transaction_base& tx, const ChangeRow& change, Report& report) {
  const auto [version, row] = load_record(tx, change, false);
  const bool stale = change.base_version && version != *change.base_version;
  report.details.emplace_back("record", change.entity);
  report.details.emplace_back("version", "edit made on version " + std::to_string(change.base_version.value_or(0)) +
                                             ", record now at version " + std::to_string(version) +
                                             (stale ? " (STALE: approve needs --force)" : ""));
  Table table{{"field", "label", "at_edit", "current", "requested"}, {}};
  for (const auto& [name, value] : change.changes.items()) {
    const FieldRule* rule = find_rule(change.entity, name);
    const Cell at_edit = value.contains("old") ? Cell{display(rule, value["old"])} : Cell{};
    const Cell current = row.contains(name) ? Cell{display(rule, row[name])} : Cell{};
    table.rows.push_back({name, field_label(name), at_edit, current,
                          display(rule, value.contains("new") ? value["new"] : nlohmann::json())});
  }
  report.add("fields", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

}  // namespace imuse::changes
