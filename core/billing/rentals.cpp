#include "billing/rentals.hpp"

#include <map>
#include <optional>

#include "billing/statement.hpp"
#include "util/fold.hpp"
#include "util/french.hpp"
#include "util/schedule.hpp"

namespace imuse {

namespace {

enum Field : std::size_t {
  kRef,
  kSite,
  kLastName,
  kFirstName,
  kBirthDate,
  kKind,
  kLabel,
  kItemRef,
  kTariff,
  kPeriod,
  kQuantity,
  kStart,
  kEnd,
  kYear
};

const std::vector<ColumnSpec> kColumns = {
    {"external_ref", "Réf famille", true},
    {"site", "Site", false},
    {"student_last_name", "Élève nom", false},
    {"student_first_name", "Élève prénom", false},
    {"birth_date", "Date de naissance", false},
    {"kind", "Type", true, "Nature"},
    {"label", "Libellé", true},
    {"item_ref", "Référence article", false, "N° inventaire"},
    {"tariff_code", "Code tarif", true, "Tarif"},
    {"period", "Période", false},
    {"quantity", "Quantité", false},
    {"starts_on", "Début", false, "Date de début"},
    {"ends_on", "Fin", false, "Date de fin"},
    {"school_year", "Année scolaire", true},
};

class RentalsImport : public FlatImport {
 public:
  RentalsImport(pqxx::transaction_base& tx, const FlatImportOptions& options, Progress& progress, Report& report)
      : FlatImport(tx, options, "rentals", kColumns, progress, report) {}

  void run() {
    run_staged("import_rentals",
               {{"pos", "bigint"}, {"site_id", "int"}, {"external_ref", "text"}, {"first_name", "text"},
                {"birth_date", "date"}, {"kind", "text"}, {"label", "text"}, {"item_ref", "text"},
                {"tariff_code", "text"}, {"period", "text"}, {"quantity", "int"}, {"starts_on", "date"},
                {"ends_on", "date"}, {"school_year", "text"}},
               [this] { resolve(); }, [this] { merge(); });
  }

 private:
  std::optional<Date> date_cell(FlatRow& row, std::size_t field) {
    if (row.cells[field].empty()) {
      return std::nullopt;
    }
    auto d = parse_date(row.cells[field]);
    if (!d) {
      row.problem(field, "expected a date such as 01/09/2026 (dd/mm/yyyy), got " + imuse::quoted(row.cells[field]));
    }
    return d;
  }

  void stage(FlatRow& row, CopyWriter& copy) override {
    const auto& cells = row.cells;
    const auto site = site_of(row, kSite);
    if (cells[kRef].empty()) {
      row.problem(kRef, "missing: the rental is billed to the family of this reference");
    }
    const std::string kind = parse_rental_kind(cells[kKind]);
    if (kind.empty()) {
      row.problem(kKind,
                  "expected instrument, salle (room) or matériel (equipment), got " + imuse::quoted(cells[kKind]));
    }
    if (cells[kLabel].empty()) {
      row.problem(kLabel, "missing: what is rented, such as \"Violon 3/4\"");
    }
    if (cells[kTariff].empty()) {
      row.problem(kTariff, "missing: the tariff code the rental is billed with");
    }
    const std::string period = cells[kPeriod].empty() ? "year" : parse_rental_period(cells[kPeriod]);
    if (period.empty()) {
      row.problem(kPeriod, "expected année (year) or trimestre (term), got " + imuse::quoted(cells[kPeriod]));
    }
    int quantity = 1;
    if (!cells[kQuantity].empty()) {
      const auto q = parse_euros_integer(cells[kQuantity]);
      if (!q || *q < 1 || *q > 1000) {
        row.problem(kQuantity, "expected a whole number from 1 to 1000, got " + imuse::quoted(cells[kQuantity]));
      } else {
        quantity = *q;
      }
    }
    const auto birth = date_cell(row, kBirthDate);
    if (birth && cells[kFirstName].empty()) {
      row.problem(kFirstName, "missing: a birth date names a student, whose first name is needed too");
    }
    const auto start = date_cell(row, kStart);
    const auto end = date_cell(row, kEnd);
    if (start && end && end->iso() < start->iso()) {
      row.problem(kEnd, "the end " + end->french() + " is before the start " + start->french());
    }
    const auto year = parse_school_year(cells[kYear]);
    if (!year) {
      row.problem(kYear, "expected a school year such as 2026/2027 (or 2026-2027, 2026/27), got " +
                             imuse::quoted(cells[kYear]));
    }
    if (!row.issues.empty()) {
      return;
    }
    copy.field(std::to_string(row.pos()));
    copy.field(std::to_string(*site));
    copy.field(cells[kRef]);
    copy.field(cells[kFirstName].empty() ? std::optional<std::string>()
                                         : std::optional<std::string>(cells[kFirstName]));
    copy.field(birth ? std::optional<std::string>(birth->iso()) : std::nullopt);
    copy.field(kind);
    copy.field(cells[kLabel]);
    copy.field(cells[kItemRef].empty() ? std::optional<std::string>() : std::optional<std::string>(cells[kItemRef]));
    copy.field(cells[kTariff]);
    copy.field(period);
    copy.field(std::to_string(quantity));
    copy.field(start ? std::optional<std::string>(start->iso()) : std::nullopt);
    copy.field(end ? std::optional<std::string>(end->iso()) : std::nullopt);
    copy.field(*year);
    copy.end_row();
  }

  // Families by reference, students by first name (and birth date when given), then the rental
  // each row is (natural key); rows that find no family or student, or repeat a rental, are rejected.
  void resolve() {
    tx_.exec0(
        "CREATE TEMP TABLE import_rentals_found ON COMMIT DROP AS "
        "SELECT i.*, f.id AS family_id, "
        "  (SELECT count(*) FROM students s WHERE s.family_id = f.id AND i.first_name IS NOT NULL "
        "     AND lower(s.first_name) = lower(i.first_name) "
        "     AND (i.birth_date IS NULL OR s.birth_date = i.birth_date)) AS student_matches, "
        "  (SELECT min(s.id) FROM students s WHERE s.family_id = f.id AND i.first_name IS NOT NULL "
        "     AND lower(s.first_name) = lower(i.first_name) "
        "     AND (i.birth_date IS NULL OR s.birth_date = i.birth_date)) AS student_id "
        "FROM import_rentals i LEFT JOIN families f ON f.site_id = i.site_id AND f.external_ref = i.external_ref");
    for (const auto& r : tx_.exec(
             "SELECT i.pos, i.external_ref, st.code FROM import_rentals_found i JOIN sites st ON st.id = i.site_id "
             "WHERE i.family_id IS NULL ORDER BY i.pos")) {
      reject(r[0].as<long long>(), kRef,
             "no family with reference \"" + r[1].as<std::string>() + "\" on site " + r[2].as<std::string>() +
                 " (see 'imuse-admin families list')");
    }
    for (const auto& r :
         tx_.exec("SELECT i.pos, i.external_ref, i.first_name, i.student_matches, "
                  "  (SELECT string_agg(s.first_name || ' ' || to_char(s.birth_date, 'DD/MM/YYYY'), ', ' "
                  "          ORDER BY s.birth_date) FROM students s WHERE s.family_id = i.family_id) "
                  "FROM import_rentals_found i WHERE i.family_id IS NOT NULL AND i.first_name IS NOT NULL "
                  "  AND i.student_matches <> 1 ORDER BY i.pos")) {
      const bool none = r[3].as<long long>() == 0;
      reject(r[0].as<long long>(), none ? kFirstName : kBirthDate,
             "family " + r[1].as<std::string>() + (none ? " has no student " : " has several students ") +
                 r[2].as<std::string>() + (none ? "" : ": give the birth date") +
                 (r[4].is_null() ? " (it has no students)" : " (its students: " + r[4].as<std::string>() + ")"));
    }
    tx_.exec0(
        "CREATE TEMP TABLE import_rental_items ON COMMIT DROP AS "
        "SELECT i.*, (SELECT min(r.id) FROM rentals r WHERE r.family_id = i.family_id "
        "    AND r.school_year = i.school_year AND r.item_kind = i.kind AND CASE WHEN i.item_ref IS NOT NULL "
        "      THEN upper(r.item_ref) = upper(i.item_ref) "
        "      ELSE r.item_ref IS NULL AND lower(r.label) = lower(i.label) "
        "           AND r.student_id IS NOT DISTINCT FROM i.student_id END) AS rental_id, "
        "  min(i.pos) OVER (PARTITION BY i.family_id, i.school_year, i.kind, upper(i.item_ref), "
        "    CASE WHEN i.item_ref IS NULL THEN lower(i.label) END, "
        "    CASE WHEN i.item_ref IS NULL THEN i.student_id END) AS first_pos "
        "FROM import_rentals_found i WHERE i.family_id IS NOT NULL "
        "  AND (i.first_name IS NULL OR i.student_matches = 1)");
    for (const auto& r :
         tx_.exec("SELECT pos, first_pos FROM import_rental_items WHERE pos <> first_pos ORDER BY pos")) {
      reject(r[0].as<long long>(), kItemRef,
             "repeats the rental of " + location(r[1].as<long long>()) +
                 " (same family, school year, kind and item reference, or label and student without one)");
    }
  }

  void merge() {
    tx_.exec0("DELETE FROM import_rental_items WHERE pos <> first_pos");
    const auto matched =
        tx_.exec1("SELECT count(*) FROM import_rental_items WHERE rental_id IS NOT NULL")[0].as<std::int64_t>();
    const auto updated =
        tx_.exec0(
               "UPDATE rentals r SET student_id = i.student_id, label = i.label, item_ref = i.item_ref, "
               "  tariff_code = i.tariff_code, period = i.period, quantity = i.quantity, starts_on = i.starts_on, "
               "  ends_on = i.ends_on FROM import_rental_items i WHERE r.id = i.rental_id "
               "  AND (r.student_id, r.label, r.item_ref, r.tariff_code, r.period, r.quantity, r.starts_on, "
               "       r.ends_on) IS DISTINCT FROM (i.student_id, i.label, i.item_ref, i.tariff_code, i.period, "
               "       i.quantity, i.starts_on, i.ends_on)")
            .affected_rows();
    const auto created =
        tx_.exec0(
               "INSERT INTO rentals (family_id, student_id, school_year, item_kind, label, item_ref, tariff_code, "
               "  period, quantity, starts_on, ends_on) "
               "SELECT family_id, student_id, school_year, kind, label, item_ref, tariff_code, period, quantity, "
               "  starts_on, ends_on FROM import_rental_items WHERE rental_id IS NULL ORDER BY pos")
            .affected_rows();
    report_.add("created", static_cast<std::int64_t>(created));
    report_.add("updated", static_cast<std::int64_t>(updated));
    report_.add("unchanged", matched - static_cast<std::int64_t>(updated));
  }
};

}  // namespace

std::string parse_rental_kind(const std::string& text) {
  static const std::map<std::string, std::string> kKinds = {
      {"instrument", "instrument"},
      {"instruments", "instrument"},
      {"salle", "room"},
      {"room", "room"},
      {"salles", "room"},
      {"materiel", "equipment"},
      {"equipment", "equipment"},
      {"equipement", "equipment"},
  };
  const auto it = kKinds.find(fold_key(text));
  return it == kKinds.end() ? "" : it->second;
}

std::string parse_rental_period(const std::string& text) {
  static const std::map<std::string, std::string> kPeriods = {
      {"annee", "year"},     {"annuel", "year"},      {"annuelle", "year"},      {"year", "year"}, {"an", "year"},
      {"trimestre", "term"}, {"trimestriel", "term"}, {"trimestrielle", "term"}, {"term", "term"},
  };
  const auto it = kPeriods.find(fold_key(text));
  return it == kPeriods.end() ? "" : it->second;
}

const std::vector<ColumnSpec>& rental_columns() {
  return kColumns;
}

void import_rentals(pqxx::transaction_base& tx, const FlatImportOptions& options, Progress& progress, Report& report) {
  RentalsImport(tx, options, progress, report).run();
}

void list_rentals(pqxx::transaction_base& tx, const RentalListOptions& o, Report& report) {
  std::optional<long long> family;
  if (!o.family.empty()) {
    family = find_family(tx, o.family, o.site);
  }
  Table table{{"id", "family_id", "family", "student", "school_year", "kind", "label", "item_ref", "tariff", "period",
               "quantity", "start", "end"},
              {}};
  auto text = [](const pqxx::field& f) { return f.is_null() ? Cell{} : Cell{f.as<std::string>()}; };
  for (const auto& r : tx.exec_params(
           "SELECT r.id, f.id, coalesce(f.external_ref || ' ', '') || f.last_name, s.first_name || ' ' || s.last_name, "
           "  r.school_year, r.item_kind, r.label, r.item_ref, r.tariff_code, r.period, r.quantity, "
           "  to_char(r.starts_on, 'DD/MM/YYYY'), to_char(r.ends_on, 'DD/MM/YYYY') "
           "FROM rentals r JOIN families f ON f.id = r.family_id JOIN sites st ON st.id = f.site_id "
           "LEFT JOIN students s ON s.id = r.student_id "
           "WHERE ($1 = '' OR r.school_year = $1) AND ($2::bigint IS NULL OR r.family_id = $2::bigint) "
           "  AND ($3 = '' OR st.code = upper($3)) "
           "ORDER BY r.school_year DESC, f.external_ref, r.id",
           o.school_year, family, o.site)) {
    table.rows.push_back({r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::string>(), text(r[3]),
                          r[4].as<std::string>(), r[5].as<std::string>(), r[6].as<std::string>(), text(r[7]),
                          r[8].as<std::string>(), r[9].as<std::string>(), static_cast<std::int64_t>(r[10].as<int>()),
                          text(r[11]), text(r[12])});
  }
  report.add("rentals", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

}  // namespace imuse
