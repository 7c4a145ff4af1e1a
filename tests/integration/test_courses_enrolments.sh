#!/usr/bin/env bash
# courses and enrolments import/export with real files: round trips, re-imports, updates, bad
# input located by line and column, reject files, history years and `families show`.
source "$(dirname "$0")/lib.sh"

FIX="$IMUSE_SOURCE_DIR/tests/fixtures/import"
SAMPLES="$IMUSE_SOURCE_DIR/config/samples"
COURSES="$SAMPLES/courses.csv"
ENROLMENTS="$FIX/enrolments.csv"  # enrolments of the fixture families

# The same, with the families of the fixtures (F001, F002 on CONS1...) and the sample catalogue.
school_with_catalogue() {
  local url
  url=$(school_database "$1") || return 1
  "$IMUSE_ADMIN_BIN" --database "$url" -q families import "$FIX/families-cp1252.csv" "$FIX/families-utf8-bom.csv" \
    >/dev/null &&
    "$IMUSE_ADMIN_BIN" --database "$url" -q courses import "$COURSES" >/dev/null &&
    printf '%s\n' "$url"
}
courses_state() { sql "$1" "SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM courses"; }
enrolments_state() {
  sql "$1" "SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') || ':' || count(withdrawn_on) FROM enrolments"
}
# The school year in progress in the database's calendar (it starts in September).
current_year() {
  sql "$1" "SELECT CASE WHEN extract(month FROM current_date) >= 9 THEN extract(year FROM current_date)::int
                        ELSE extract(year FROM current_date)::int - 1 END"
}

C_HEADER='Site;Cours;Département;Classe;Cycle;Professeur;Salle;Jour;Heure;Durée;Catégorie tarifaire'
C_GOOD1='CONS1;Harpe 1C1;Instruments;Harpe;1C1;ROY Anne;Salle 7;Jeudi;17h00;30 min;Instrument'
C_GOOD2='MANTES;Tuba 1C2;Instruments;Tuba;1C2;ROY Paul;Salle C;Lundi;18h00;45 min;Instrument'
courses_file() { local f=$1; shift; { printf '%s\n' "$C_HEADER"; printf '%s\n' "$@"; } >"$f"; }
E_HEADER='Réf famille;Site;Élève nom;Élève prénom;Date de naissance;Cours;Année scolaire'
E_GOOD1='F001;CONS1;Lefèvre;Zoé;03/09/2014;Guitare A;2024/2025'
E_GOOD2='F002;CONS1;Œuvray;Ève;30/11/2012;Piano 1C2;2024/2025'
enrolments_file() { local f=$1; shift; { printf '%s\n' "$E_HEADER"; printf '%s\n' "$@"; } >"$f"; }

t_help_needs_no_database() {
  local g sub
  for g in courses enrolments; do
    run "$g" --help
    expect_rc 0
    for sub in import export; do
      run "$g" "$sub" --help
      expect_rc 0
      expect_out "Usage: imuse-admin $g $sub"
    done
  done
  run courses import "$COURSES" --on-error sometimes
  expect_rc 64
  run enrolments export --year 2026/2028
  expect_rc 64
  expect_err "expected a school year such as 2026/2027, got \"2026/2028\""
}

t_courses_are_stored_from_french_spellings() {
  local url
  url=$(school_database spellings) || return
  courses_file "$TEST_TMP/spellings.csv" \
    'cons1;Cours A;;;;;;Lun.;14:30;90 min;' \
    'CONS1;Cours B;;;;;;MERCREDI;9:05;0:45;' \
    'CONS1;Cours C;;;;;;sam;14h;1h;' \
    'CONS1;Cours D;;;;;;7;9h05;45;' \
    'CONS1;Cours E;;;;;;jeu;18 h 30;2 heures;'
  run --database "$url" courses import "$TEST_TMP/spellings.csv" --json
  expect_rc 0
  expect_eq "$(json .counts.created)" "5"
  expect_eq "$(sql "$url" "SELECT string_agg(name || ' ' || weekday || ' ' || to_char(start_time, 'HH24:MI') || ' ' || duration_minutes, ', ' ORDER BY name) FROM courses")" \
    "Cours A 1 14:30 90, Cours B 3 09:05 45, Cours C 6 14:00 60, Cours D 7 09:05 45, Cours E 4 18:30 120"
}

t_portal_labels_and_plain_names_are_accepted_as_headers() {
  local url
  url=$(school_with_catalogue aliases) || return
  printf 'cours;ENSEIGNANT;Début;duree\nHarpe 1C1;ROY Anne;17h00;30\n' >"$TEST_TMP/portal.csv"
  run --database "$url" --site CONS1 courses import "$TEST_TMP/portal.csv" --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, (.warnings | length)] | join(" ")')" "1 0"
  expect_eq "$(sql "$url" "SELECT teacher || ' ' || start_time || ' ' || duration_minutes FROM courses WHERE name = 'Harpe 1C1'")" \
    "ROY Anne 17:00:00 30"
  printf 'Réf. famille,Nom,Prénom,Date de naissance,Cours,Année scolaire\nF002,Œuvray,Ève,30/11/2012,Harpe 1C1,2026/2027\n' \
    >"$TEST_TMP/plain.csv"
  run --database "$url" --site CONS1 enrolments import "$TEST_TMP/plain.csv" --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, (.warnings | length)] | join(" ")')" "1 0"
}

t_courses_round_trip_gives_identical_exports() {
  local a b c
  a=$(school_database courses_a) || return
  run --database "$a" courses import "$COURSES" --json
  expect_rc 0
  expect_eq "$(json '[.counts.rows, .counts.created, .counts.rejected_rows] | join(" ")')" "17 17 0"
  expect_eq "$(sql "$a" "SELECT s.code || ' ' || department || ' ' || weekday || ' ' || start_time || ' ' || duration_minutes FROM courses c JOIN sites s ON s.id = c.site_id WHERE c.name = 'FM 1C4 A'")" \
    "CONS1 Formation Musicale 3 16:30:00 90"
  expect_eq "$(sql "$a" "SELECT count(*) FROM courses c JOIN sites s ON s.id = c.site_id WHERE s.code = 'MANTES'")" "5"
  run --database "$a" courses export --out "$TEST_TMP/courses1.csv"
  expect_rc 0
  head -c 3 "$TEST_TMP/courses1.csv" | cmp -s - <(printf '\xEF\xBB\xBF') || fail "no BOM in the export"
  grep -q $'^CONS1;FM 1C4 A;Formation Musicale;FM 1C4;1C4;DUBOIS Claire;Salle 2;Mercredi;16h30;1h30;\r$' \
    "$TEST_TMP/courses1.csv" || fail "unexpected export line for FM 1C4 A"
  b=$(school_database courses_b) || return
  run --database "$b" courses import "$TEST_TMP/courses1.csv" --json
  expect_rc 0
  expect_eq "$(json .counts.created)" "17"
  run --database "$b" courses export --out "$TEST_TMP/courses2.csv"
  cmp -s "$TEST_TMP/courses1.csv" "$TEST_TMP/courses2.csv" ||
    fail "the two exports differ: $(diff "$TEST_TMP/courses1.csv" "$TEST_TMP/courses2.csv" | head -5)"
  # The structured formats go through a database unchanged too.
  run --database "$a" courses export --out "$TEST_TMP/courses.yaml"
  c=$(school_database courses_c) || return
  run --database "$c" courses import "$TEST_TMP/courses.yaml" --json
  expect_rc 0
  expect_eq "$(json .counts.created)" "17"
  run --database "$c" courses export --format json
  expect_eq "$(json '.courses | length')" "17"
  expect_eq "$(json '.courses[] | select(.name == "FM 1C4 A") | [.weekday, .start_time, .duration_minutes] | join(" ")')" "3 16:30 90"
  run --database "$c" courses export --out "$TEST_TMP/courses3.csv"
  cmp -s "$TEST_TMP/courses1.csv" "$TEST_TMP/courses3.csv" || fail "CSV export after a YAML import differs"
  run --database "$a" --site MANTES courses export --format json
  expect_eq "$(json '[.courses[].site] | unique | join(",")')" "MANTES"
}

t_courses_reimport_changes_nothing_and_says_so() {
  local url before
  url=$(school_database courses_again) || return
  run --database "$url" courses import "$COURSES"
  before=$(courses_state "$url")
  run --database "$url" courses import "$COURSES"
  expect_rc 0
  expect_out "created: 0, updated: 0, unchanged: 17"
  expect_eq "$(courses_state "$url")" "$before" "nothing was written"
}

t_changed_catalogue_updates_only_what_changed_and_dry_run_lists_it() {
  local url untouched
  url=$(school_database courses_changes) || return
  courses_file "$TEST_TMP/v1.csv" "$C_GOOD1" "$C_GOOD2"
  run --database "$url" courses import "$TEST_TMP/v1.csv"
  untouched=$(sql "$url" "SELECT updated_at FROM courses WHERE name = 'Tuba 1C2'")
  courses_file "$TEST_TMP/v2.csv" "${C_GOOD1/Salle 7;Jeudi;17h00/Salle 8;Jeudi;17h15}" "$C_GOOD2" \
    'CONS1;Cor 1C1;Instruments;Cor;1C1;ROY Anne;Salle 7;Mardi;17h00;30 min;Instrument'
  run --database "$url" --dry-run courses import "$TEST_TMP/v2.csv" --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.unchanged] | join(" ")')" "1 1 1"
  expect_eq "$(json '.rows | map([.location, .course, .field, .current, .imported] | join("|")) | join(";")')" \
    "$TEST_TMP/v2.csv:2|CONS1 Harpe 1C1|Salle|Salle 7|Salle 8;$TEST_TMP/v2.csv:2|CONS1 Harpe 1C1|Heure|17h00|17h15;$TEST_TMP/v2.csv:4|CONS1 Cor 1C1|(new course)||"
  expect_eq "$(sql "$url" "SELECT room FROM courses WHERE name = 'Harpe 1C1'")" "Salle 7" "dry run wrote nothing"
  run --database "$url" courses import "$TEST_TMP/v2.csv" --json
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.unchanged] | join(" ")')" "1 1 1"
  expect_eq "$(sql "$url" "SELECT room || ' ' || start_time FROM courses WHERE name = 'Harpe 1C1'")" "Salle 8 17:15:00"
  expect_eq "$(sql "$url" "SELECT updated_at FROM courses WHERE name = 'Tuba 1C2'")" "$untouched" "unchanged course not touched"
  # The name is matched without case and accents, and its spelling follows the file.
  courses_file "$TEST_TMP/v3.csv" "${C_GOOD1/Harpe 1C1/HARPE 1c1}"
  run --database "$url" courses import "$TEST_TMP/v3.csv" --json
  expect_eq "$(json '[.counts.created, .counts.updated] | join(" ")')" "0 1"
  expect_eq "$(sql "$url" "SELECT count(*) || ' ' || max(name) FROM courses WHERE lower(name) = 'harpe 1c1'")" "1 HARPE 1c1"
}

t_blank_cells_keep_course_values_unless_clear_blanks() {
  local url
  url=$(school_database courses_blanks) || return
  courses_file "$TEST_TMP/v1.csv" "$C_GOOD1"
  run --database "$url" courses import "$TEST_TMP/v1.csv"
  courses_file "$TEST_TMP/v2.csv" 'CONS1;Harpe 1C1;;;;;;;;;'
  run --database "$url" courses import "$TEST_TMP/v2.csv" --json
  expect_eq "$(json .counts.unchanged)" "1"
  expect_eq "$(sql "$url" "SELECT teacher || ' ' || weekday FROM courses")" "ROY Anne 4"
  # Columns the file does not have are never cleared.
  printf 'Site;Cours;Professeur\nCONS1;Harpe 1C1;\n' >"$TEST_TMP/v3.csv"
  run --database "$url" courses import "$TEST_TMP/v3.csv" --clear-blanks --json
  expect_eq "$(json .counts.updated)" "1"
  expect_eq "$(sql "$url" "SELECT coalesce(teacher, 'NULL') || ' ' || weekday || ' ' || room FROM courses")" "NULL 4 Salle 7"
}

# bad_course URL NAME ROW ITEM MESSAGE: abort leaves the database as it was.
bad_course() {
  local url=$1 name=$2 row=$3 item=$4 message=$5 before
  courses_file "$TEST_TMP/$name.csv" "$C_GOOD1" "$row" "$C_GOOD2"
  before=$(courses_state "$url")
  run --database "$url" courses import "$TEST_TMP/$name.csv"
  expect_rc 65
  expect_err "$TEST_TMP/$name.csv:$item: $message"
  expect_err "nothing was imported"
  expect_eq "$(courses_state "$url")" "$before" "$name: database untouched"
}

t_each_bad_course_names_line_column_and_reason() {
  local url
  url=$(school_database courses_bad) || return
  run --database "$url" courses import "$COURSES"
  bad_course "$url" weekday 'CONS1;Alto 1C1;;;;;;Mercurdi;17h00;30;' \
    "3:8" "\"Jour\": expected a weekday such as lundi, Mer. or 1 (Monday) to 7 (Sunday), got \"Mercurdi\""
  bad_course "$url" time 'CONS1;Alto 1C1;;;;;;Lundi;25h00;30;' \
    "3:9" "\"Heure\": expected a time such as 14:30, 14h30 or 9h, got \"25h00\""
  bad_course "$url" duration 'CONS1;Alto 1C1;;;;;;Lundi;17h00;2 jours;' \
    "3:10" "\"Durée\": expected a duration of 1 to 1440 minutes such as 45, 90 min, 1h30 or 1h, got \"2 jours\""
  bad_course "$url" toolong 'CONS1;Alto 1C1;;;;;;Lundi;17h00;25h;' "3:10" "\"Durée\": expected a duration"
  bad_course "$url" site 'NOWHERE;Alto 1C1;;;;;;Lundi;17h00;30;' \
    "3:1" "\"Site\": unknown site \"NOWHERE\" (see 'imuse-admin site list')"
  bad_course "$url" nosite ';Alto 1C1;;;;;;Lundi;17h00;30;' "3:1" "no site: the row has no \"Site\" and no --site was given"
  bad_course "$url" noname 'CONS1;;;;;;;Lundi;17h00;30;' "3:2" "\"Cours\": missing: every row needs the course's name"
  # Without a Site cell, --site gives the site.
  courses_file "$TEST_TMP/default-site.csv" ';Alto 1C1;;;;;;Lundi;17h00;30;'
  run --database "$url" --site MANTES courses import "$TEST_TMP/default-site.csv"
  expect_rc 0
  expect_eq "$(sql "$url" "SELECT s.code FROM courses c JOIN sites s ON s.id = c.site_id WHERE c.name = 'Alto 1C1'")" "MANTES"
  # Two rows of one course that disagree are both refused.
  courses_file "$TEST_TMP/twice.csv" "$C_GOOD1" "$C_GOOD2" "${C_GOOD1/Salle 7/Salle 9}"
  run --database "$url" courses import "$TEST_TMP/twice.csv"
  expect_rc 65
  expect_err "$TEST_TMP/twice.csv:2:7: rows of the same course disagree on Salle (lines 2, 4)"
  expect_err "$TEST_TMP/twice.csv:4:7: rows of the same course disagree on Salle (lines 2, 4)"
  printf 'Site;Salle\nCONS1;Salle 1\n' >"$TEST_TMP/nocourse.csv"
  run --database "$url" courses import "$TEST_TMP/nocourse.csv"
  expect_rc 65
  expect_err "nocourse.csv:1: required column Cours not found in the header"
}

t_enrolments_round_trip_gives_identical_exports() {
  local a b
  a=$(school_with_catalogue enrol_a) || return
  run --database "$a" enrolments import "$ENROLMENTS" --json
  expect_rc 0
  expect_eq "$(json '[.counts.rows, .counts.created, .counts.unchanged, .counts.rejected_rows] | join(" ")')" "19 19 0 0"
  expect_eq "$(sql "$a" "SELECT string_agg(c.name || ' ' || e.school_year || ' ' || e.source, ', ' ORDER BY e.school_year, c.name) FROM enrolments e JOIN courses c ON c.id = e.course_id JOIN students s ON s.id = e.student_id WHERE s.first_name = 'Noël'")" \
    "Éveil musical 2025/2026 import, FM 1C1 A 2026/2027 import, Violon 1C1 2026/2027 import"
  run --database "$a" enrolments export --out "$TEST_TMP/enrolments1.csv"
  expect_rc 0
  b=$(school_with_catalogue enrol_b) || return
  run --database "$b" enrolments import "$TEST_TMP/enrolments1.csv" --json
  expect_rc 0
  expect_eq "$(json .counts.created)" "19"
  run --database "$b" enrolments export --out "$TEST_TMP/enrolments2.csv"
  cmp -s "$TEST_TMP/enrolments1.csv" "$TEST_TMP/enrolments2.csv" ||
    fail "the two exports differ: $(diff "$TEST_TMP/enrolments1.csv" "$TEST_TMP/enrolments2.csv" | head -5)"
  run --database "$a" enrolments export --year 2025-26 --format json
  expect_eq "$(json '[.enrolments[].school_year] | unique | join(",")')" "2025/2026"
  expect_eq "$(json '.enrolments[0] | [.external_ref, .student_first_name, .birth_date, .course] | join("|")')" \
    "F001|Zoé|2014-09-03|FM 1C4 A"
  run --database "$a" enrolments export --out "$TEST_TMP/enrolments.json"
  run --database "$b" enrolments import "$TEST_TMP/enrolments.json" --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.unchanged] | join(" ")')" "0 19"
}

t_enrolments_reimport_changes_nothing_whatever_the_spelling() {
  local url before
  url=$(school_with_catalogue enrol_again) || return
  run --database "$url" enrolments import "$ENROLMENTS"
  before=$(enrolments_state "$url")
  run --database "$url" enrolments import "$ENROLMENTS"
  expect_rc 0
  expect_out "created: 0, reinstated: 0, unchanged: 19"
  # Folded first name, short date, other year spelling, course in lower case, no Site (--site).
  printf 'Réf famille;Élève prénom;Date de naissance;Cours;Année scolaire\nF001;ZOE;3/9/2014;fm 2c1-a;2026-27\n' \
    >"$TEST_TMP/spelled.csv"
  run --database "$url" --site CONS1 enrolments import "$TEST_TMP/spelled.csv" --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.unchanged] | join(" ")')" "0 1"
  expect_eq "$(enrolments_state "$url")" "$before" "nothing was written"
}

# bad_enrolment URL NAME ROW ITEM MESSAGE: abort leaves the database as it was.
bad_enrolment() {
  local url=$1 name=$2 row=$3 item=$4 message=$5 before
  enrolments_file "$TEST_TMP/$name.csv" "$E_GOOD1" "$row" "$E_GOOD2"
  before=$(enrolments_state "$url")
  run --database "$url" enrolments import "$TEST_TMP/$name.csv"
  expect_rc 65
  expect_err "$TEST_TMP/$name.csv:$item: $message"
  expect_err "nothing was imported"
  expect_eq "$(enrolments_state "$url")" "$before" "$name: database untouched"
}

t_each_bad_enrolment_names_line_column_and_reason() {
  local url
  url=$(school_with_catalogue enrol_bad) || return
  run --database "$url" enrolments import "$ENROLMENTS"
  bad_enrolment "$url" course 'F001;CONS1;Lefèvre;Zoé;03/09/2014;Piano 3C1;2024/2025' \
    "3:6" "\"Cours\": no course \"Piano 3C1\" on site CONS1 (did you mean \"Piano 2C1\"?)"
  bad_enrolment "$url" othersite 'F001;CONS1;Lefèvre;Zoé;03/09/2014;Atelier jazz;2024/2025' \
    "3:6" "\"Cours\": no course \"Atelier jazz\" on site CONS1"
  bad_enrolment "$url" family 'F999;CONS1;Lefèvre;Zoé;03/09/2014;Guitare A;2024/2025' \
    "3:1" "\"Réf famille\": no family with reference \"F999\" on site CONS1"
  bad_enrolment "$url" student 'F001;CONS1;Lefèvre;Léa;03/09/2014;Guitare A;2024/2025' \
    "3:4" "\"Élève prénom\": family F001 has no student Léa born 03/09/2014 (its students: Zoé 03/09/2014, Noël 05/01/2017)"
  bad_enrolment "$url" birth 'F001;CONS1;Lefèvre;Zoé;04/09/2014;Guitare A;2024/2025' \
    "3:4" "\"Élève prénom\": family F001 has no student Zoé born 04/09/2014"
  bad_enrolment "$url" year 'F001;CONS1;Lefèvre;Zoé;03/09/2014;Guitare A;2024/2026' \
    "3:7" "\"Année scolaire\": expected a school year such as 2026/2027 (or 2026-2027, 2026/27), got \"2024/2026\""
  bad_enrolment "$url" oneyear 'F001;CONS1;Lefèvre;Zoé;03/09/2014;Guitare A;2024' "3:7" "\"Année scolaire\": expected a school year"
  bad_enrolment "$url" date 'F001;CONS1;Lefèvre;Zoé;31/02/2014;Guitare A;2024/2025' \
    "3:5" "\"Date de naissance\": expected a date such as 25/12/2015 (dd/mm/yyyy), got \"31/02/2014\""
  bad_enrolment "$url" site 'F001;NOWHERE;Lefèvre;Zoé;03/09/2014;Guitare A;2024/2025' "3:2" "\"Site\": unknown site \"NOWHERE\""
  bad_enrolment "$url" noref ';CONS1;Lefèvre;Zoé;03/09/2014;Guitare A;2024/2025' \
    "3:1" "\"Réf famille\": missing: the student is found through the family's reference"
  # Every problem of the file is listed at once, in file order, whichever pass found it.
  enrolments_file "$TEST_TMP/all.csv" 'F999;CONS1;;Zoé;03/09/2014;Guitare A;2024/2025' \
    'F001;CONS1;;Zoé;03/09/2014;Guitare Z;2024/2025'
  run --database "$url" enrolments import "$TEST_TMP/all.csv"
  expect_rc 65
  expect_err "2 problems in the input"
  [ "$(grep -n 'all.csv:2:1' <<<"$err" | cut -d: -f1)" -lt "$(grep -n 'all.csv:3:6' <<<"$err" | cut -d: -f1)" ] ||
    fail "problems not in file order"
}

t_skip_imports_valid_rows_and_writes_rejects_unchanged() {
  local url bad
  url=$(school_with_catalogue enrol_skip) || return
  # Windows-1252 with CRLF, as Excel saves it; lines 3 and 5 are bad.
  bad="$TEST_TMP/enrolments-cp1252.csv"
  { printf '%s\r\n' "$E_HEADER" "$E_GOOD1" 'F001;CONS1;Lefèvre;Noël;05/01/2017;Violoncelle;2024/2025' "$E_GOOD2" \
      'F999;CONS1;Œuvray;Ève;30/11/2012;Guitare A;2024/2025'; } | iconv -f UTF-8 -t WINDOWS-1252 >"$bad"
  run --database "$url" enrolments import "$bad" --on-error skip --json
  expect_rc 1
  expect_eq "$(json '[.rejected[].item] | join(" ")')" "$bad:3:6 $bad:5:1"
  expect_eq "$(json '[.counts.created, .counts.rejected_rows] | join(" ")')" "2 2"
  expect_eq "$(sql "$url" "SELECT count(*) FROM enrolments")" "2"
  [ -f "$TEST_TMP/enrolments-cp1252.rejects.csv" ] || { fail "no reject file"; return; }
  LC_ALL=C sed -n '1p;3p;5p' "$bad" | cmp -s - "$TEST_TMP/enrolments-cp1252.rejects.csv" ||
    fail "the reject file is not the header plus lines 3 and 5, byte for byte"
  # The same for courses, with --rejects naming the file.
  courses_file "$TEST_TMP/c.csv" "$C_GOOD1" 'CONS1;Alto;;;;;;Lundi;17h00;0;' "$C_GOOD2"
  run --database "$url" courses import "$TEST_TMP/c.csv" --on-error skip --rejects "$TEST_TMP/c-bad.csv" --json
  expect_rc 1
  expect_eq "$(json .counts.created)" "2"
  expect_eq "$(cat "$TEST_TMP/c-bad.csv")" "$(printf '%s\n' "$C_HEADER" 'CONS1;Alto;;;;;;Lundi;17h00;0;')"
  # A dry run counts the same and writes no reject file.
  rm -f "$TEST_TMP/enrolments-cp1252.rejects.csv"
  run --database "$url" --dry-run enrolments import "$bad" --on-error skip --json
  expect_rc 1
  [ ! -f "$TEST_TMP/enrolments-cp1252.rejects.csv" ] || fail "a dry run wrote a reject file"
}

t_families_show_lists_the_courses_of_the_current_year_only() {
  local url year previous
  url=$(school_with_catalogue enrol_show) || return
  year=$(current_year "$url")
  previous="$((year - 1))/$year"
  year="$year/$((year + 1))"
  enrolments_file "$TEST_TMP/history.csv" \
    "F001;CONS1;Lefèvre;Zoé;03/09/2014;Piano 1C2;$previous" \
    "F001;CONS1;Lefèvre;Zoé;03/09/2014;FM 1C4 A;$previous" \
    "F001;CONS1;Lefèvre;Zoé;03/09/2014;Piano 2C1;$year" \
    "F001;CONS1;Lefèvre;Zoé;03/09/2014;FM 2C1 A;$year" \
    "F001;CONS1;Lefèvre;Noël;05/01/2017;Éveil musical;$previous"
  run --database "$url" enrolments import "$TEST_TMP/history.csv"
  expect_rc 0
  run --database "$url" families show F001 --json
  expect_rc 0
  expect_eq "$(json ".rows[0] | [.first_name, .\"courses_$year\"] | join(\": \")")" "Zoé: FM 2C1 A, Piano 2C1"
  expect_eq "$(json ".rows[1] | [.first_name, .\"courses_$year\" // \"-\"] | join(\": \")")" "Noël: -"
  run --database "$url" families show F001
  expect_out "FM 2C1 A, Piano 2C1"
  expect_no_out "Piano 1C2"
  # Past years stay as history in the database and in the exports.
  run --database "$url" enrolments export --year "$previous" --format json
  expect_eq "$(json '.enrolments | length')" "3"
}

t_withdrawn_enrolment_listed_again_is_reinstated() {
  local url
  url=$(school_with_catalogue enrol_withdrawn) || return
  enrolments_file "$TEST_TMP/e.csv" "$E_GOOD1" "$E_GOOD2"
  run --database "$url" enrolments import "$TEST_TMP/e.csv"
  sql "$url" "UPDATE enrolments SET withdrawn_on = DATE '2024-12-01' WHERE course_id = (SELECT id FROM courses WHERE name = 'Guitare A')" >/dev/null
  run --database "$url" enrolments export --format json
  expect_eq "$(json '.enrolments | length')" "1" "withdrawn enrolments are not exported"
  run --database "$url" --dry-run enrolments import "$TEST_TMP/e.csv" --json
  expect_eq "$(json '.rows | map([.location, .student, .course, .change] | join("|")) | join(";")')" \
    "$TEST_TMP/e.csv:2|Zoé Lefèvre (F001)|CONS1 Guitare A|reinstated (withdrawn on 01/12/2024)"
  expect_eq "$(sql "$url" "SELECT count(withdrawn_on) FROM enrolments")" "1" "dry run wrote nothing"
  run --database "$url" enrolments import "$TEST_TMP/e.csv" --json
  expect_eq "$(json '[.counts.created, .counts.reinstated, .counts.unchanged] | join(" ")')" "0 1 1"
  expect_eq "$(sql "$url" "SELECT count(withdrawn_on) FROM enrolments")" "0"
}

t_mapping_renames_enrolment_headers() {
  local url
  url=$(school_with_catalogue enrol_mapping) || return
  printf 'Discipline;Code famille;Prénom élève;Né le;Année;Remarque\nGuitare A;F002;Ève;30/11/2012;2024/2025;payé\n' \
    >"$TEST_TMP/other.csv"
  run --database "$url" --site CONS1 enrolments import "$TEST_TMP/other.csv"
  expect_rc 65
  expect_err "required columns Réf famille, Élève prénom, Date de naissance, Cours, Année scolaire not found in the header"
  printf 'columns:\n  Discipline: Cours\n  Code famille: external_ref\n  "Prénom élève": Élève prénom\n  "Né le": birth_date\n  Année: school_year\n' \
    >"$TEST_TMP/map.yaml"
  run --database "$url" --site CONS1 enrolments import "$TEST_TMP/other.csv" --mapping "$TEST_TMP/map.yaml" --json
  expect_rc 0
  expect_eq "$(json .counts.created)" "1"
  expect_err "column 6 \"Remarque\" is not a known column and was not imported"
  printf 'columns:\n  Discipline: nowhere\n' >"$TEST_TMP/badmap.yaml"
  run --database "$url" --site CONS1 enrolments import "$TEST_TMP/other.csv" --mapping "$TEST_TMP/badmap.yaml"
  expect_rc 65
  expect_err "badmap.yaml:2:15: \"nowhere\" is not a column of the enrolments file"
}

t_yaml_input_problems_point_at_the_value() {
  local url line
  url=$(school_with_catalogue courses_yaml) || return
  run --database "$url" courses export --out "$TEST_TMP/all.yaml"
  sed '0,/weekday: 6/s//weekday: 9/' "$TEST_TMP/all.yaml" >"$TEST_TMP/bad.yaml"
  line=$(grep -n 'weekday: 9' "$TEST_TMP/bad.yaml" | cut -d: -f1)
  run --database "$url" courses import "$TEST_TMP/bad.yaml"
  expect_rc 65
  expect_err "bad.yaml:$line:14: \"weekday\": expected a weekday"
  run --database "$url" courses import "$TEST_TMP/bad.yaml" --on-error skip --json
  expect_rc 1
  expect_eq "$(json '[.counts.unchanged, .counts.rejected_rows] | join(" ")')" "16 1"
  expect_eq "$(grep -c '^  - ' "$TEST_TMP/bad.rejects.yaml")" "1" "only the rejected course"
}

run_tests
