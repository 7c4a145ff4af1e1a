#include "families/merge.hpp"

#include "sites/sites.hpp"
#include "util/error.hpp"
#include "util/fold.hpp"
#include "util/text.hpp"

namespace imuse {

namespace {

// Candidate pairs share at least one blocking key; the score then weighs every resemblance.
constexpr const char* kDuplicates = R"SQL(
WITH f AS (
  SELECT f.id, f.site_id, f.external_ref, f.last_name, f.first_name, f.email, f.postal_code,
         lower(btrim(f.email)) AS mail, split_part(f.match_key, '|', 1) AS last_key,
         split_part(f.match_key, '|', 2) AS first_key, lower(btrim(f.address_line1)) AS street,
         array_remove(ARRAY[f.phone_home, f.phone_mobile, f.phone_work, f.phone_extra1, f.phone_extra2,
                            f.phone_extra3], NULL) AS phones
  FROM families f JOIN sites s ON s.id = f.site_id
  WHERE $1 = '' OR s.code = $1),
kids AS (SELECT family_id, match_key FROM students),
pairs AS (
  SELECT a.id AS a, b.id AS b FROM f a JOIN f b ON a.mail = b.mail AND a.site_id = b.site_id AND a.id < b.id
  UNION SELECT a.id, b.id FROM f a JOIN f b ON a.phones && b.phones AND a.site_id = b.site_id AND a.id < b.id
  UNION SELECT a.id, b.id FROM f a JOIN f b ON a.last_key = b.last_key AND a.last_key <> ''
        AND (a.first_key = b.first_key OR a.postal_code = b.postal_code) AND a.site_id = b.site_id AND a.id < b.id
  UNION SELECT x.family_id, y.family_id
        FROM kids x JOIN kids y ON x.match_key = y.match_key AND x.family_id < y.family_id
        JOIN families fx ON fx.id = x.family_id JOIN families fy ON fy.id = y.family_id
        WHERE fx.site_id = fy.site_id),
scored AS (
  SELECT p.a, p.b,
         array_remove(ARRAY[
           CASE WHEN a.mail = b.mail THEN 'e-mail' END,
           CASE WHEN a.phones && b.phones THEN 'phone' END,
           CASE WHEN a.last_key = b.last_key THEN 'name' END,
           CASE WHEN a.first_key = b.first_key AND a.first_key <> '' THEN 'first name' END,
           CASE WHEN a.street = b.street AND a.postal_code = b.postal_code THEN 'address' END,
           CASE WHEN k.n > 0 THEN k.n || ' student(s)' END], NULL) AS reasons,
         (CASE WHEN a.mail = b.mail THEN 40 ELSE 0 END
          + CASE WHEN a.phones && b.phones THEN 30 ELSE 0 END
          + CASE WHEN a.last_key = b.last_key THEN 20 ELSE 0 END
          + CASE WHEN a.first_key = b.first_key AND a.first_key <> '' THEN 15 ELSE 0 END
          + CASE WHEN a.street = b.street AND a.postal_code = b.postal_code THEN 20 ELSE 0 END
          + least(k.n, 2) * 25) AS score,
         a.external_ref AS a_ref, a.last_name || coalesce(' ' || a.first_name, '') AS a_name,
         b.external_ref AS b_ref, b.last_name || coalesce(' ' || b.first_name, '') AS b_name
  FROM pairs p JOIN f a ON a.id = p.a JOIN f b ON b.id = p.b
  CROSS JOIN LATERAL (SELECT count(*) AS n FROM kids x JOIN kids y ON x.match_key = y.match_key
                      WHERE x.family_id = p.a AND y.family_id = p.b) k)
SELECT score, a, a_ref, a_name, b, b_ref, b_name, array_to_string(reasons, ', ')
FROM scored WHERE score >= $2 ORDER BY score DESC, a, b LIMIT $3
)SQL";

Cell text_or_null(const pqxx::field& f) { return f.is_null() ? Cell{} : Cell{f.as<std::string>()}; }

struct FamilyLock {
  int site_id;
  bool has_account;
};

FamilyLock lock_family(pqxx::transaction_base& tx, long long id) {
  const auto rows = tx.exec_params(
      "SELECT f.site_id, EXISTS (SELECT 1 FROM accounts a WHERE a.family_id = f.id) FROM families f "
      "WHERE f.id = $1 FOR UPDATE",
      id);
  if (rows.empty()) {
    throw DataError("no family with id " + std::to_string(id));
  }
  return FamilyLock{rows[0][0].as<int>(), rows[0][1].as<bool>()};
}

// Tables whose single-column foreign key family_id points at families, found in the catalogue
// so that a table added by a later migration is moved too.
std::vector<std::string> family_tables(pqxx::transaction_base& tx) {
  std::vector<std::string> tables;
  for (const auto& row : tx.exec(
           "SELECT c.conrelid::regclass::text FROM pg_constraint c "
           "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
           "WHERE c.contype = 'f' AND c.confrelid = 'families'::regclass AND cardinality(c.conkey) = 1 "
           "  AND a.attname = 'family_id' AND c.conrelid NOT IN ('students'::regclass, 'accounts'::regclass) "
           "ORDER BY 1")) {
    tables.push_back(row[0].as<std::string>());
  }
  return tables;
}

// Folds student `dup` into student `kept`: their courses, history and repertoire.
void merge_student(pqxx::transaction_base& tx, long long kept, long long dup, const std::string& name, Report& report) {
  for (const auto& row : tx.exec_params(
           "SELECT c.conrelid::regclass::text FROM pg_constraint c "
           "WHERE c.contype = 'f' AND c.confrelid = 'students'::regclass "
           "  AND c.conrelid NOT IN ('enrolments'::regclass, 'student_history'::regclass, 'repertoire'::regclass)")) {
    const std::string table = row[0].as<std::string>();
    if (!tx.exec_params("SELECT 1 FROM " + tx.quote_name(table) + " WHERE student_id = $1 LIMIT 1", dup).empty()) {
      throw DataError("student " + name + " is in both families and has " + table +
                      " of their own in the family to remove; settle them first, then merge");
    }
  }
  tx.exec_params0(
      "UPDATE enrolments e SET student_id = $1 WHERE student_id = $2 AND NOT EXISTS ("
      "  SELECT 1 FROM enrolments k WHERE k.student_id = $1 AND k.course_id = e.course_id "
      "  AND k.school_year = e.school_year)",
      kept, dup);
  tx.exec_params0("DELETE FROM enrolments WHERE student_id = $1", dup);
  tx.exec_params0(
      "UPDATE student_history h SET student_id = $1 WHERE student_id = $2 AND NOT EXISTS ("
      "  SELECT 1 FROM student_history k WHERE k.student_id = $1 AND k.school_year = h.school_year "
      "  AND k.department IS NOT DISTINCT FROM h.department AND k.class_name IS NOT DISTINCT FROM h.class_name "
      "  AND k.cycle IS NOT DISTINCT FROM h.cycle AND k.teacher IS NOT DISTINCT FROM h.teacher)",
      kept, dup);
  tx.exec_params0(
      "UPDATE repertoire r SET student_id = $1 WHERE student_id = $2 AND NOT EXISTS ("
      "  SELECT 1 FROM repertoire k WHERE k.student_id = $1 AND k.event_date IS NOT DISTINCT FROM r.event_date "
      "  AND k.label IS NOT DISTINCT FROM r.label AND k.piece IS NOT DISTINCT FROM r.piece)",
      kept, dup);
  tx.exec_params0("DELETE FROM students WHERE id = $1", dup);
  report.add("students_merged");
}

constexpr const char* kFillColumns[] = {
    "civility", "first_name", "address_line1", "address_line2", "address_line3", "postal_code", "city",
    "phone_home", "phone_mobile", "phone_work", "phone_extra1", "phone_extra2", "phone_extra3", "email",
    "marital_status", "socio_professional_code", "profession", "family_quotient", "resident"};

}  // namespace

void find_duplicates(pqxx::transaction_base& tx, const DuplicateOptions& options, Report& report) {
  if (!options.site.empty()) {
    require_site(tx, options.site);
  }
  tx.exec0("SET LOCAL jit = off");
  Table table{{"score", "id_a", "ref_a", "family_a", "id_b", "ref_b", "family_b", "shared"}, {}};
  for (const auto& r : tx.exec_params(kDuplicates, options.site, options.min_score, options.limit)) {
    table.rows.push_back({r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), text_or_null(r[2]), r[3].as<std::string>(),
                          r[4].as<std::int64_t>(), text_or_null(r[5]), r[6].as<std::string>(), r[7].as<std::string>()});
  }
  report.add("pairs", static_cast<std::int64_t>(table.rows.size()));
  report.table = std::move(table);
}

void merge_families(pqxx::transaction_base& tx, long long keep, long long other, KeepAccount account,
                    const std::string& actor, Report& report) {
  if (keep == other) {
    throw DataError("cannot merge family " + std::to_string(keep) + " with itself");
  }
  // Locked in id order, so two merges of the same pair cannot deadlock.
  const FamilyLock first = lock_family(tx, std::min(keep, other));
  const FamilyLock second = lock_family(tx, std::max(keep, other));
  const FamilyLock& kept = keep < other ? first : second;
  const FamilyLock& o = keep < other ? second : first;
  if (kept.site_id != o.site_id) {
    throw DataError("families " + std::to_string(keep) + " and " + std::to_string(other) +
                    " belong to different sites; a family belongs to one site");
  }
  if (kept.has_account && o.has_account && account == KeepAccount::refuse) {
    throw DataError("both families have a portal account: say which to keep with --keep-account " +
                    std::to_string(keep) + " or --keep-account " + std::to_string(other));
  }
  const auto before = tx.exec_params1(
      "SELECT jsonb_build_object('keep', (SELECT to_jsonb(f) FROM families f WHERE id = $1), "
      "                          'other', (SELECT to_jsonb(f) FROM families f WHERE id = $2))::text",
      keep, other)[0].as<std::string>();

  // The portal account: the one asked for, or the only one.
  if (o.has_account && (!kept.has_account || account == KeepAccount::other)) {
    tx.exec_params0("DELETE FROM accounts WHERE family_id = $1", keep);
    tx.exec_params0("UPDATE accounts SET family_id = $1 WHERE family_id = $2", keep, other);
    report.add("account_moved");
  } else if (o.has_account) {
    tx.exec_params0("DELETE FROM accounts WHERE family_id = $1", other);
    report.add("account_dropped");
  }

  // Students in both families become one; the others move (their documents, requests and
  // rentals follow through the (student_id, family_id) foreign keys).
  report.add("students_merged", 0);
  for (const auto& pair : tx.exec_params(
           "SELECT k.id, o.id, o.first_name || ' ' || to_char(o.birth_date, 'DD/MM/YYYY') "
           "FROM students k JOIN students o ON o.birth_date = k.birth_date "
           "  AND (o.match_key = k.match_key OR lower(o.first_name) = lower(k.first_name)) "
           "WHERE k.family_id = $1 AND o.family_id = $2",
           keep, other)) {
    merge_student(tx, pair[0].as<long long>(), pair[1].as<long long>(), pair[2].as<std::string>(), report);
  }
  report.add("students_moved",
             static_cast<std::int64_t>(
                 tx.exec_params0("UPDATE students SET family_id = $1 WHERE family_id = $2", keep, other).affected_rows()));
  for (const auto& table : family_tables(tx)) {
    try {
      const auto moved = tx.exec_params0("UPDATE " + tx.quote_name(table) + " SET family_id = $1 WHERE family_id = $2",
                                         keep, other)
                             .affected_rows();
      if (moved > 0) {
        report.add(table + "_moved", static_cast<std::int64_t>(moved));
      }
    } catch (const pqxx::unique_violation& e) {
      throw DataError("cannot merge: both families have " + table + " that would collide (" +
                      std::string(e.what()).substr(0, std::string(e.what()).find('\n')) + ")");
    }
  }

  // Blank fields of the kept record are filled from the other one; its reference too.
  std::string fill;
  for (const char* c : kFillColumns) {
    fill += std::string(fill.empty() ? "" : ", ") + c + " = coalesce(k." + c + ", o." + c + ")";
  }
  const auto refs = tx.exec_params1("SELECT (SELECT external_ref FROM families WHERE id = $1), "
                                    "(SELECT external_ref FROM families WHERE id = $2)", other, keep);
  const std::string ref = refs[0].is_null() ? "" : refs[0].as<std::string>();
  if (!ref.empty() && !refs[1].is_null()) {
    report.warnings.push_back("family " + std::to_string(other) + "'s reference " + ref + " was dropped (family " +
                              std::to_string(keep) + " keeps " + refs[1].as<std::string>() +
                              "): correct it in the source system, or its next import creates the family again");
  }
  tx.exec_params0("UPDATE families SET external_ref = NULL WHERE id = $1", other);
  tx.exec_params0("UPDATE families k SET " + fill +
                      ", external_ref = coalesce(k.external_ref, nullif($3, '')) FROM families o "
                      "WHERE k.id = $1 AND o.id = $2",
                  keep, other, ref);
  const auto names = tx.exec_params1("SELECT last_name, coalesce(first_name, ''), coalesce(email, '') FROM families "
                                     "WHERE id = $1",
                                     keep);
  tx.exec_params0("UPDATE families SET match_key = $2 WHERE id = $1", keep,
                  fold_key(names[0].as<std::string>()) + "|" + fold_key(names[1].as<std::string>()) + "|" +
                      ascii_lower(names[2].as<std::string>()));
  tx.exec_params0("DELETE FROM families WHERE id = $1", other);
  tx.exec_params0(
      "INSERT INTO audit_log (actor, command, entity, entity_id, old_values, new_values, summary) "
      "SELECT $1, 'families merge', 'family', $2, $3::jsonb, to_jsonb(f), jsonb_build_object('removed', $4::bigint) "
      "FROM families f WHERE f.id = $2",
      actor, keep, before, other);
  report.messages.push_back("family " + std::to_string(other) + " merged into family " + std::to_string(keep));
}

}  // namespace imuse
