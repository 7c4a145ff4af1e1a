#include "sepa/mandates.hpp"

#include <map>
#include <set>

#include "billing/statement.hpp"
#include "sepa/iban.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/text.hpp"

namespace imuse::sepa {

namespace {

enum class Field { iban, bic, rum, signed_on, holder };

// A mandate's values once checked, in normal form.
struct Fields {
  std::string iban;
  std::string bic;
  std::string rum;  // "" = to generate
  Date signed_on;
  std::string holder;
};

struct FieldProblem {
  Field field;
  std::string message;
};

// The problems of the values of one mandate, each about one field; `out` gets the normal forms.
std::vector<FieldProblem> check_fields(const std::string& iban, const std::string& bic, const std::string& rum,
                                       const Date& signed_on, const std::string& holder, const Date& today,
                                       Fields& out) {
  std::vector<FieldProblem> problems;
  out.iban = normalize_account_id(iban);
  if (auto p = iban_problem(out.iban)) {
    problems.push_back({Field::iban, "the IBAN " + *p});
  }
  out.bic = normalize_account_id(bic);
  if (out.bic.empty()) {
    problems.push_back({Field::bic, "the BIC of the family's bank is missing (8 or 11 characters, e.g. BDFEFRPPCCT)"});
  } else if (!bic_is_valid(out.bic)) {
    problems.push_back({Field::bic, "\"" + bic +
                                        "\" is not a BIC: expected 8 or 11 letters and digits such as "
                                        "BDFEFRPPCCT (bank, country, location, branch)"});
  }
  out.rum = std::string(trim_blank(rum));
  if (!out.rum.empty() && !rum_is_valid(out.rum)) {
    problems.push_back({Field::rum, "\"" + out.rum +
                                        "\" is not a mandate reference (RUM): at most 35 characters among letters "
                                        "without accents, digits, space and / ? : ( ) . , ' + -"});
  }
  out.signed_on = signed_on;
  if (signed_on.iso() > today.iso()) {
    problems.push_back(
        {Field::signed_on, "the signature date " + signed_on.french() + " is after today (" + today.french() + ")"});
  }
  out.holder = std::string(trim_blank(holder));
  if (out.holder.size() > 140) {
    problems.push_back({Field::holder, "the account holder's name is longer than 140 characters"});
  }
  return problems;
}

std::string field_option(Field f) {
  switch (f) {
    case Field::iban:
      return "--iban";
    case Field::bic:
      return "--bic";
    case Field::rum:
      return "--rum";
    case Field::signed_on:
      return "--signed";
    case Field::holder:
      return "--holder";
  }
  return "";
}

struct FamilyRow {
  long long id = 0;
  int site_id = 0;
  std::string ref;    // external_ref, or "" when none
  std::string label;  // "F0005 DUPONT Marie"
};

FamilyRow family_row(pqxx::transaction_base& tx, long long id, bool lock) {
  const auto r = tx.exec_params1(
      std::string("SELECT f.id, f.site_id, coalesce(f.external_ref, ''), "
                  "       coalesce(f.external_ref || ' ', '') || f.last_name || coalesce(' ' || f.first_name, '') "
                  "FROM families f WHERE f.id = $1") +
          (lock ? " FOR UPDATE" : ""),
      id);
  return FamilyRow{r[0].as<long long>(), r[1].as<int>(), r[2].as<std::string>(), r[3].as<std::string>()};
}

// Read-only checks of a new mandate against the stored ones: the RUM must be new, the signature
// must not precede the active mandate's. nullopt when it can be stored; `unchanged` when the
// active mandate already holds these values.
std::optional<FieldProblem> check_against_stored(pqxx::transaction_base& tx, long long family_id, const Fields& f,
                                                 bool& unchanged) {
  unchanged = false;
  const auto active = tx.exec_params(
      "SELECT rum, iban = $2, coalesce(bic, '') = $3, coalesce(account_holder, '') = $4, signed_on = $5::date, "
      "       signed_on > $5::date, to_char(signed_on, 'DD/MM/YYYY') "
      "FROM sepa_mandates WHERE family_id = $1 AND revoked_on IS NULL",
      family_id, f.iban, f.bic, f.holder, f.signed_on.iso());
  if (!active.empty()) {
    const auto& a = active[0];
    const std::string rum = a[0].as<std::string>();
    const bool same = a[1].as<bool>() && a[2].as<bool>() && a[3].as<bool>() && a[4].as<bool>();
    if (same && (f.rum.empty() || f.rum == rum)) {
      unchanged = true;
      return std::nullopt;
    }
    if (a[5].as<bool>()) {
      return FieldProblem{Field::signed_on, "the family's active mandate (RUM " + rum + ") was signed on " +
                                                a[6].as<std::string>() + ", after " + f.signed_on.french() +
                                                ": a new mandate must be signed on or after it"};
    }
  }
  if (!f.rum.empty()) {
    const auto used = tx.exec_params(
        "SELECT coalesce(x.external_ref, x.id::text), m.revoked_on IS NOT NULL FROM sepa_mandates m "
        "JOIN families x ON x.id = m.family_id WHERE m.rum = $1",
        f.rum);
    if (!used.empty()) {
      return FieldProblem{Field::rum, "the mandate reference " + f.rum + " is already used by " +
                                          std::string(used[0][1].as<bool>() ? "a revoked" : "the") +
                                          " mandate of family " + used[0][0].as<std::string>() +
                                          ": a RUM is never reused (leave it out to have one generated)"};
    }
  }
  return std::nullopt;
}

struct Stored {
  long long id = 0;
  std::string rum;
  std::string revoked_rum;  // "" when no mandate was revoked
};

void audit_mandate(pqxx::transaction_base& tx, const std::string& actor, const std::string& command, long long id,
                   const std::optional<std::string>& old_values) {
  // The audit log never holds a full IBAN: the row without its iban column (iban_last4 stays).
  tx.exec_params0(
      "INSERT INTO audit_log (actor, command, site_id, entity, entity_id, old_values, new_values) "
      "SELECT $1, $2, f.site_id, 'sepa_mandate', m.id, $4::jsonb, to_jsonb(m) - 'iban' "
      "FROM sepa_mandates m JOIN families f ON f.id = m.family_id WHERE m.id = $3",
      actor, command, id, old_values);
}

// Revokes the family's active mandate as of the new signature date and inserts the new one
// (FRST), with a generated RUM when none was given. The checks above have passed.
Stored store_mandate(pqxx::transaction_base& tx, const FamilyRow& family, const Fields& f, const std::string& prefix,
                     const std::string& actor, const std::string& command) {
  Stored stored;
  const auto old = tx.exec_params(
      "SELECT id, rum, (to_jsonb(m) - 'iban')::text FROM sepa_mandates m WHERE family_id = $1 AND revoked_on IS NULL",
      family.id);
  if (!old.empty()) {
    const long long old_id = old[0][0].as<long long>();
    tx.exec_params0("UPDATE sepa_mandates SET revoked_on = $2::date WHERE id = $1", old_id, f.signed_on.iso());
    audit_mandate(tx, actor, command, old_id, old[0][2].as<std::string>());
    stored.revoked_rum = old[0][1].as<std::string>();
  }
  stored.rum = f.rum;
  if (stored.rum.empty()) {
    int counter =
        tx.exec_params1("SELECT count(*) FROM sepa_mandates WHERE family_id = $1", family.id)[0].as<int>() + 1;
    const std::string ref = family.ref.empty() ? "F" + std::to_string(family.id) : family.ref;
    while (true) {
      stored.rum = generated_rum(prefix, ref, counter);
      if (tx.exec_params("SELECT 1 FROM sepa_mandates WHERE rum = $1", stored.rum).empty()) {
        break;
      }
      ++counter;
    }
  }
  stored.id = tx.exec_params1(
                    "INSERT INTO sepa_mandates (family_id, rum, iban, bic, account_holder, signed_on) "
                    "VALUES ($1, $2, $3, nullif($4, ''), nullif($5, ''), $6::date) RETURNING id",
                    family.id, stored.rum, f.iban, f.bic, f.holder, f.signed_on.iso())[0]
                  .as<long long>();
  audit_mandate(tx, actor, command, stored.id, std::nullopt);
  return stored;
}

std::string french_date_of(const pqxx::field& f) {
  if (f.is_null()) {
    return "";
  }
  const auto d = parse_date(f.as<std::string>());
  return d ? d->french() : f.as<std::string>();
}

Cell text_or_null(const pqxx::field& f) {
  return f.is_null() ? Cell{} : Cell{f.as<std::string>()};
}

}  // namespace

void set_mandate(pqxx::transaction_base& tx, const MandateInput& in, Report& report) {
  Fields f;
  const auto problems = check_fields(in.iban, in.bic, in.rum, in.signed_on, in.holder, in.today, f);
  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) {
      message += (message.empty() ? "" : "; ") + field_option(p.field) + ": " + p.message;
    }
    throw DataError(message + " (nothing was written)");
  }
  const FamilyRow family = family_row(tx, find_family(tx, in.family, in.site), true);
  bool unchanged = false;
  if (auto p = check_against_stored(tx, family.id, f, unchanged)) {
    throw DataError(field_option(p->field) + ": " + p->message + " (nothing was written)");
  }
  if (unchanged) {
    report.messages.push_back("family " + family.label + ": the active mandate already has these values");
    report.add("unchanged");
  } else {
    const Stored s = store_mandate(tx, family, f, in.rum_prefix, in.actor, "families mandate set");
    if (!s.revoked_rum.empty()) {
      report.messages.push_back("mandate " + s.revoked_rum + " revoked as of " + f.signed_on.french() +
                                " (replaced; its RUM is not reused)");
      report.add("revoked");
    }
    report.messages.push_back("family " + family.label + ": mandate " + s.rum + " stored, IBAN " + mask_iban(f.iban) +
                              "; its first direct debit will be a FRST");
    report.add("created");
  }
  show_mandate(tx, std::to_string(family.id), "", report);
}

void show_mandate(pqxx::transaction_base& tx, const std::string& key, const std::string& site, Report& report) {
  const FamilyRow family = family_row(tx, find_family(tx, key, site), false);
  Table table{{"id", "rum", "iban", "bic", "holder", "signed_on", "revoked_on", "next_sequence", "last_collected_on",
               "collections"},
              {}};
  std::vector<std::pair<std::string, Cell>> active;
  for (const auto& r : tx.exec_params(
           "SELECT m.id, m.rum, m.iban_last4, m.bic, m.account_holder, m.signed_on::text, m.revoked_on::text, "
           "       m.next_sequence_type, m.last_collected_on::text, "
           "       (SELECT count(*) FROM sepa_collections c WHERE c.mandate_id = m.id AND c.state <> 'cancelled') "
           "FROM sepa_mandates m WHERE m.family_id = $1 ORDER BY m.signed_on DESC, m.id DESC",
           family.id)) {
    const std::string masked = "\u2026" + r[2].as<std::string>();
    table.rows.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), masked, text_or_null(r[3]),
                          text_or_null(r[4]), french_date_of(r[5]),
                          r[6].is_null() ? Cell{} : Cell{french_date_of(r[6])}, r[7].as<std::string>(),
                          r[8].is_null() ? Cell{} : Cell{french_date_of(r[8])}, r[9].as<std::int64_t>()});
    if (r[6].is_null()) {
      active = {{"mandate_id", r[0].as<std::int64_t>()},
                {"rum", r[1].as<std::string>()},
                {"iban", masked},
                {"bic", text_or_null(r[3])},
                {"holder", text_or_null(r[4])},
                {"signed_on", french_date_of(r[5])},
                {"next_sequence", r[7].as<std::string>()},
                {"last_collected_on", r[8].is_null() ? Cell{} : Cell{french_date_of(r[8])}}};
    }
  }
  report.details = {{"family_id", static_cast<std::int64_t>(family.id)},
                    {"family", family.label},
                    {"active_mandate", !active.empty()}};
  report.details.insert(report.details.end(), active.begin(), active.end());
  report.add("mandates", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

void revoke_mandate(pqxx::transaction_base& tx, const std::string& key, const std::string& site, const Date& on,
                    const std::string& actor, Report& report) {
  const FamilyRow family = family_row(tx, find_family(tx, key, site), true);
  const auto rows = tx.exec_params(
      "SELECT id, rum, signed_on > $2::date, to_char(signed_on, 'DD/MM/YYYY'), (to_jsonb(m) - 'iban')::text "
      "FROM sepa_mandates m WHERE family_id = $1 AND revoked_on IS NULL",
      family.id, on.iso());
  if (rows.empty()) {
    throw DataError("family " + family.label + " has no active SEPA mandate (see 'imuse-admin families mandate show')");
  }
  const auto& r = rows[0];
  if (r[2].as<bool>()) {
    throw DataError("--date " + on.french() + ": mandate " + r[1].as<std::string>() + " was signed on " +
                    r[3].as<std::string>() + ", after that date");
  }
  const long long id = r[0].as<long long>();
  tx.exec_params0("UPDATE sepa_mandates SET revoked_on = $2::date WHERE id = $1", id, on.iso());
  audit_mandate(tx, actor, "families mandate revoke", id, r[4].as<std::string>());
  report.messages.push_back("family " + family.label + ": mandate " + r[1].as<std::string>() + " revoked as of " +
                            on.french() + "; no direct debit is collected on it for a later date");
  report.add("revoked");
  show_mandate(tx, std::to_string(family.id), "", report);
}

// ---------------------------------------------------------------------------------------------
// families mandate import

namespace {

enum Column : std::size_t { kFamily, kIban, kBic, kRum, kSigned, kHolder, kSite };

const std::vector<ColumnSpec> kColumns = {
    {"family", "Réf famille", true, "Famille"},
    {"iban", "IBAN", true},
    {"bic", "BIC", true},
    {"rum", "RUM", false, "Référence du mandat"},
    {"signed_on", "Date de signature", true, "Signé le"},
    {"holder", "Titulaire", false, "Titulaire du compte"},
    {"site", "Site", false},
};

std::size_t column_of(Field f) {
  switch (f) {
    case Field::iban:
      return kIban;
    case Field::bic:
      return kBic;
    case Field::rum:
      return kRum;
    case Field::signed_on:
      return kSigned;
    case Field::holder:
      return kHolder;
  }
  return kWholeRow;
}

class MandatesImport : public FlatImport {
 public:
  MandatesImport(pqxx::transaction_base& tx, const MandatesImportOptions& options, Progress& progress, Report& report)
      : FlatImport(tx, options, "mandates", kColumns, progress, report), mandate_options_(options) {}

  void run() {
    run_staged("import_mandates",
               {{"pos", "bigint"}, {"site_id", "int"}, {"ref", "text"}, {"iban", "text"}, {"bic", "text"},
                {"rum", "text"}, {"signed_on", "date"}, {"holder", "text"}},
               [this] { match(); }, [this] { record(); });
  }

 private:
  struct Accepted {
    long long pos;
    long long family_id;
    Fields fields;
  };

  void stage(FlatRow& row, CopyWriter& copy) override {
    const auto& cells = row.cells;
    const auto date = parse_date(cells[kSigned]);
    if (!date) {
      row.problem(kSigned, "expected a date such as 15/09/2026 (dd/mm/yyyy), got " + imuse::quoted(cells[kSigned]));
    }
    Fields f;
    for (const auto& p : check_fields(cells[kIban], cells[kBic], cells[kRum], date.value_or(Date{1900, 1, 1}),
                                      cells[kHolder], mandate_options_.today, f)) {
      row.problem(column_of(p.field), p.message);
    }
    std::optional<int> site;
    if (!cells[kSite].empty()) {
      site = site_of(row, kSite);
    } else if (!options_.default_site.empty()) {
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
    copy.field(cells[kFamily]);
    copy.field(f.iban);
    copy.field(f.bic);
    copy.field(f.rum);
    copy.field(f.signed_on.iso());
    copy.field(f.holder);
    copy.end_row();
  }

  void match() {
    std::map<long long, long long> family_rows;  // family id -> pos of its first row
    std::map<std::string, long long> rum_rows;
    for (const auto& r : tx_.exec(
             "SELECT p.pos, count(f.id), min(f.id), string_agg(s.code, ', ' ORDER BY s.code), p.iban, p.bic, p.rum, "
             "       p.signed_on::text, p.holder "
             "FROM import_mandates p "
             "LEFT JOIN families f ON lower(f.external_ref) = lower(p.ref) AND (p.site_id IS NULL OR f.site_id = "
             "p.site_id) "
             "LEFT JOIN sites s ON s.id = f.site_id "
             "GROUP BY p.pos, p.iban, p.bic, p.rum, p.signed_on, p.holder ORDER BY p.pos")) {
      const long long pos = r[0].as<long long>();
      const auto n = r[1].as<long long>();
      if (n == 0) {
        reject(pos, kFamily,
               "no family with this reference (Réf famille)" +
                   std::string(options_.default_site.empty() ? "" : " on site " + options_.default_site) +
                   " (see 'imuse-admin families list')");
        continue;
      }
      if (n > 1) {
        reject(pos, kFamily,
               "the reference is used on several sites (" + r[3].as<std::string>() +
                   "): give the \"Site\" column or --site");
        continue;
      }
      const long long family_id = r[2].as<long long>();
      Fields f{r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<std::string>(),
               *parse_date(r[7].as<std::string>()), r[8].as<std::string>()};
      if (auto [it, fresh] = family_rows.emplace(family_id, pos); !fresh) {
        reject(pos, kFamily,
               "the family already has a mandate on " + location(it->second) + ": one mandate per family and file");
        continue;
      }
      if (!f.rum.empty()) {
        if (auto [it, fresh] = rum_rows.emplace(f.rum, pos); !fresh) {
          reject(pos, kRum,
                 "the mandate reference " + f.rum + " is also on " + location(it->second) +
                     ": each mandate has its own RUM");
          continue;
        }
      }
      bool unchanged = false;
      if (auto p = check_against_stored(tx_, family_id, f, unchanged)) {
        reject(pos, column_of(p->field), p->message);
        continue;
      }
      if (unchanged) {
        report_.add("unchanged");
        continue;
      }
      accepted_.push_back(Accepted{pos, family_id, std::move(f)});
    }
  }

  void record() {
    Table table{{"location", "family", "rum", "iban", "signed_on", "replaces"}, {}};
    std::int64_t revoked = 0;
    for (const auto& a : accepted_) {
      const FamilyRow family = family_row(tx_, a.family_id, true);
      const Stored s = store_mandate(tx_, family, a.fields, mandate_options_.rum_prefix, mandate_options_.actor,
                                     "families mandate import");
      revoked += s.revoked_rum.empty() ? 0 : 1;
      table.rows.push_back({location(a.pos), family.label, s.rum, mask_iban(a.fields.iban), a.fields.signed_on.french(),
                            s.revoked_rum.empty() ? Cell{} : Cell{s.revoked_rum}});
    }
    report_.add("created", static_cast<std::int64_t>(accepted_.size()));
    report_.add("revoked", revoked);
    if (!table.rows.empty()) {
      report_.table = std::move(table);
    }
  }

  const MandatesImportOptions& mandate_options_;
  std::vector<Accepted> accepted_;
};

}  // namespace

const std::vector<ColumnSpec>& mandate_columns() {
  return kColumns;
}

void import_mandates(pqxx::transaction_base& tx, const MandatesImportOptions& options, Progress& progress,
                     Report& report) {
  MandatesImport(tx, options, progress, report).run();
}

}  // namespace imuse::sepa
