#include "families/families.hpp"

#include "sites/sites.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/french.hpp"
#include "util/text.hpp"

namespace imuse {

namespace {

Cell text_or_null(const pqxx::field& f) { return f.is_null() ? Cell{} : Cell{f.as<std::string>()}; }

Cell phone_or_null(const pqxx::field& f) { return f.is_null() ? Cell{} : Cell{format_phone(f.as<std::string>())}; }

}  // namespace

std::string school_year_of(const std::string& iso_date) {
  const int year = std::stoi(iso_date.substr(0, 4));
  const int month = std::stoi(iso_date.substr(5, 2));
  const int start = month >= 9 ? year : year - 1;
  return std::to_string(start) + "/" + std::to_string(start + 1);
}

void list_families(pqxx::transaction_base& tx, const FamilyListOptions& options, Report& report) {
  if (!options.site.empty()) {
    require_site(tx, options.site);
  }
  const std::string folded = fold_key(options.search);
  const std::string phone = normalize_phone(options.search).value_or("");
  const auto rows = tx.exec_params(
      "SELECT f.id, f.external_ref, s.code, f.last_name, f.first_name, f.email, f.phone_mobile, "
      "       (SELECT count(*) FROM students st WHERE st.family_id = f.id), a.identifier "
      "FROM families f JOIN sites s ON s.id = f.site_id LEFT JOIN accounts a ON a.family_id = f.id "
      "WHERE ($1 = '' OR s.code = $1) "
      "  AND ($2 = '' OR replace(f.match_key, '|', '') LIKE '%' || $2 || '%' "
      "       OR lower(f.email) LIKE '%' || lower($3) || '%' OR lower(f.external_ref) = lower($3) "
      "       OR lower(a.identifier) = lower($3) "
      "       OR ($4 <> '' AND $4 IN (f.phone_home, f.phone_mobile, f.phone_work)) "
      "       OR EXISTS (SELECT 1 FROM students st WHERE st.family_id = f.id "
      "                  AND split_part(st.match_key, '|', 1) LIKE '%' || $2 || '%')) "
      "ORDER BY s.code, f.match_key, f.last_name, f.id LIMIT $5",  // folded: Œuvray sorts as Oeuvray
      options.site, folded, trim(options.search), phone, options.limit + 1);
  Table table{{"id", "ref", "site", "last_name", "first_name", "email", "mobile", "students", "identifier"}, {}};
  for (const auto& r : rows) {
    if (static_cast<long>(table.rows.size()) == options.limit) {
      report.warnings.push_back("more than " + std::to_string(options.limit) +
                                " families match; showing the first ones (use --limit or --search)");
      break;
    }
    table.rows.push_back({r[0].as<std::int64_t>(), text_or_null(r[1]), r[2].as<std::string>(), r[3].as<std::string>(),
                          text_or_null(r[4]), text_or_null(r[5]), phone_or_null(r[6]), r[7].as<std::int64_t>(),
                          text_or_null(r[8])});
  }
  report.add("families", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

void show_family(pqxx::transaction_base& tx, const std::string& key, const std::string& site, Report& report) {
  const bool numeric = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos && key.size() < 18;
  // An id first, then a login identifier, then a reference (on --site when given).
  auto matches = tx.exec_params("SELECT id FROM families WHERE $1 AND id = $2::bigint", numeric,
                                numeric ? key : std::string("0"));
  if (matches.empty()) {
    matches = tx.exec_params("SELECT family_id FROM accounts WHERE lower(identifier) = lower($1)", key);
  }
  if (matches.empty()) {
    matches = tx.exec_params(
        "SELECT f.id FROM families f JOIN sites s ON s.id = f.site_id "
        "WHERE lower(f.external_ref) = lower($1) AND ($2 = '' OR s.code = $2) ORDER BY f.id",
        key, site);
  }
  if (matches.empty()) {
    throw DataError("no family with id, identifier or reference \"" + key + "\"");
  }
  if (matches.size() > 1) {
    throw DataError("reference \"" + key + "\" is used by " + std::to_string(matches.size()) +
                    " families (on several sites): give --site, or the family id");
  }
  const auto id = matches[0][0].as<long long>();
  const auto f = tx.exec_params1(
      "SELECT f.id, f.external_ref, s.code, s.name, f.civility, f.last_name, f.first_name, "
      "       concat_ws(', ', f.address_line1, f.address_line2, f.address_line3), f.postal_code, f.city, "
      "       f.phone_home, f.phone_mobile, f.phone_work, f.email, f.marital_status, f.socio_professional_code, "
      "       f.profession, f.family_quotient, f.payment_schedule, "
      "       a.identifier, a.password_set_at IS NOT NULL, to_char(a.identifier_sent_at, 'YYYY-MM-DD HH24:MI'), "
      "       to_char(a.last_login_at, 'YYYY-MM-DD HH24:MI') "
      "FROM families f JOIN sites s ON s.id = f.site_id LEFT JOIN accounts a ON a.family_id = f.id WHERE f.id = $1",
      id);
  report.details = {
      {"id", f[0].as<std::int64_t>()},
      {"ref", text_or_null(f[1])},
      {"site", f[2].as<std::string>() + " (" + f[3].as<std::string>() + ")"},
      {"civility", text_or_null(f[4])},
      {"last_name", f[5].as<std::string>()},
      {"first_name", text_or_null(f[6])},
      {"address", text_or_null(f[7])},
      {"postal_code", text_or_null(f[8])},
      {"city", text_or_null(f[9])},
      {"phone_home", phone_or_null(f[10])},
      {"mobile", phone_or_null(f[11])},
      {"phone_work", phone_or_null(f[12])},
      {"email", text_or_null(f[13])},
      {"marital_status", text_or_null(f[14])},
      {"socio_professional_code", text_or_null(f[15])},
      {"profession", text_or_null(f[16])},
      {"family_quotient", f[17].is_null() ? Cell{} : Cell{f[17].as<std::int64_t>()}},
      {"payment_schedule", f[18].as<std::int64_t>()},
      {"identifier", f[19].is_null() ? Cell{std::string("(none)")} : Cell{f[19].as<std::string>()}},
      {"password", f[19].is_null() ? Cell{} : Cell{std::string(f[20].as<bool>() ? "set" : "not set")}},
      {"identifier_sent", text_or_null(f[21])},
      {"last_login", text_or_null(f[22])},
  };
  const std::string year = school_year_of(tx.exec1("SELECT current_date::text")[0].as<std::string>());
  Table students{{"student_id", "last_name", "first_name", "birth_date", "school_level", "courses_" + year}, {}};
  for (const auto& r : tx.exec_params(
           "SELECT st.id, st.last_name, st.first_name, to_char(st.birth_date, 'DD/MM/YYYY'), st.school_level, "
           "       (SELECT string_agg(c.name, ', ' ORDER BY c.name) FROM enrolments e JOIN courses c ON c.id = e.course_id "
           "        WHERE e.student_id = st.id AND e.school_year = $2 AND e.withdrawn_on IS NULL) "
           "FROM students st WHERE st.family_id = $1 ORDER BY st.birth_date, st.first_name",
           id, year)) {
    students.rows.push_back({r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                             r[3].as<std::string>(), text_or_null(r[4]), text_or_null(r[5])});
  }
  report.add("students", static_cast<std::int64_t>(students.rows.size()));
  report.table = std::move(students);
}

}  // namespace imuse
