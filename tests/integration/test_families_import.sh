#!/usr/bin/env bash
# families import/export with real files: encodings, round trips, updates, bad input, rejects.
source "$(dirname "$0")/lib.sh"

FIX="$IMUSE_SOURCE_DIR/tests/fixtures/import"
CP1252="$FIX/families-cp1252.csv"
UTF8="$FIX/families-utf8-bom.csv"

families_count() { sql "$1" "SELECT count(*) || '/' || (SELECT count(*) FROM students) FROM families"; }

HEADER='Réf famille;Site;Civilité;Nom;Prénom;Adresse;Code postal;Ville;Tél domicile;Mobile;Tél pro;E-mail;Situation familiale;Code socio-professionnel;Profession;Quotient familial;Élève civilité;Élève nom;Élève prénom;Date de naissance;Lieu de naissance;Établissement scolaire;Niveau scolaire;Personne à prévenir;Tél urgence'
GOOD1='G1;CONS1;M.;Martin;Paul;1 rue A;73200;Albertville;;0611111111;;paul.martin@example.fr;;;;;;;Léa;01/02/2015;;;;;'
GOOD2='G2;CONS1;Mme;Petit;Anne;2 rue B;73200;Albertville;;0622222222;;anne.petit@example.fr;;;;;;;Tom;03/04/2016;;;;;'
csv_file() { local f=$1; shift; { printf '%s\n' "$HEADER"; printf '%s\n' "$@"; } >"$f"; }

t_round_trip_of_real_files_gives_identical_exports() {
  local a b
  a=$(school_database roundtrip_a) || return
  run --database "$a" families import "$CP1252" "$UTF8" --json
  expect_rc 0
  expect_eq "$(json .counts.created)" "5"
  expect_eq "$(json .counts.students_created)" "8"
  expect_eq "$(json .counts.rejected_rows)" "0"
  # What was stored: Windows-1252 accents, multi-line address, normalised phones, dates, civility.
  run --database "$a" families show F001 --json
  expect_eq "$(json .details.last_name)" "Lefèvre"
  expect_eq "$(json .details.address)" "12 rue de l'Église, Bâtiment B; 2e étage"
  expect_eq "$(json .details.mobile)" "06 12 34 56 78"
  expect_eq "$(json .details.family_quotient)" "1250"
  expect_eq "$(json '.rows | map(.first_name) | join(",")')" "Zoé,Noël"
  expect_eq "$(json '.rows[1].birth_date')" "05/01/2017"
  expect_eq "$(sql "$a" "SELECT civility || ' ' || postal_code || ' ' || phone_work FROM families WHERE external_ref='F002'")" "M 01000 +33474000001"
  expect_eq "$(sql "$a" "SELECT profession FROM families WHERE external_ref='F002'")" "Cuisinier «chef»"
  expect_eq "$(sql "$a" "SELECT string_agg(first_name || ':' || civility, ',' ORDER BY birth_date) FROM students WHERE family_id = (SELECT id FROM families WHERE external_ref='F001')")" "Zoé:MME,Noël:M"
  expect_eq "$(sql "$a" "SELECT address_line1 || '|' || address_line2 || '|' || address_line3 FROM families WHERE last_name='Da Costa'")" "Résidence « Les Pins »|4 allée des Cèdres|Appt 12"
  expect_eq "$(sql "$a" "SELECT last_name FROM families WHERE external_ref='F101'")" "Nguyễn"

  run --database "$a" families export --out "$TEST_TMP/export1.csv"
  expect_rc 0
  b=$(school_database roundtrip_b) || return
  run --database "$b" families import "$TEST_TMP/export1.csv" --json
  expect_rc 0
  expect_eq "$(json .counts.created)" "5"
  run --database "$b" families export --out "$TEST_TMP/export2.csv"
  cmp -s "$TEST_TMP/export1.csv" "$TEST_TMP/export2.csv" || fail "the two exports differ: $(diff "$TEST_TMP/export1.csv" "$TEST_TMP/export2.csv" | head -5)"
  # The structured formats round-trip through the database too.
  run --database "$a" families export --format json
  expect_eq "$(json '.families | length')" "5"
  expect_eq "$(json '.families[0].students[0].birth_date')" "2014-09-03"
}

t_reimport_changes_nothing_and_says_so() {
  local url
  url=$(school_database reimport) || return
  run --database "$url" families import "$CP1252" --json
  run --database "$url" families import "$CP1252" --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.unchanged] | join(" ")')" "0 0 3"
  expect_eq "$(json '[.counts.students_created, .counts.students_updated, .counts.students_unchanged] | join(" ")')" "0 0 5"
  run --database "$url" families import "$CP1252"
  expect_out "created: 0, updated: 0, unchanged: 3"
}

t_changed_file_updates_only_what_changed_and_dry_run_lists_it() {
  local url
  url=$(school_database changes) || return
  csv_file "$TEST_TMP/v1.csv" "$GOOD1" "$GOOD2"
  run --database "$url" families import "$TEST_TMP/v1.csv"
  expect_rc 0
  csv_file "$TEST_TMP/v2.csv" "${GOOD1/Albertville/Ugine}" "$GOOD2"
  run --database "$url" --dry-run families import "$TEST_TMP/v2.csv" --json
  expect_rc 0
  expect_eq "$(json '[.counts.updated, .counts.unchanged] | join(" ")')" "1 1"
  expect_eq "$(json '.rows | length')" "1"
  expect_eq "$(json '.rows[0] | [.location, .field, .current, .imported] | join("|")')" "$TEST_TMP/v2.csv:2|Ville|Albertville|Ugine"
  expect_eq "$(sql "$url" "SELECT city FROM families WHERE external_ref='G1'")" "Albertville" "dry run wrote nothing"
  local version_g2
  version_g2=$(sql "$url" "SELECT version FROM families WHERE external_ref='G2'")
  run --database "$url" families import "$TEST_TMP/v2.csv" --json
  expect_eq "$(json '[.counts.updated, .counts.unchanged] | join(" ")')" "1 1"
  expect_eq "$(sql "$url" "SELECT city FROM families WHERE external_ref='G1'")" "Ugine"
  expect_eq "$(sql "$url" "SELECT version FROM families WHERE external_ref='G2'")" "$version_g2" "the unchanged family was not touched"
}

t_dry_run_lists_student_changes_and_new_students() {
  local url
  url=$(school_database studentdiff) || return
  csv_file "$TEST_TMP/v1.csv" "$GOOD1"
  run --database "$url" families import "$TEST_TMP/v1.csv"
  csv_file "$TEST_TMP/v2.csv" "${GOOD1/01\/02\/2015;;;;;/01\/02\/2015;;;CP;;}" \
    'G1;CONS1;M.;Martin;Paul;1 rue A;73200;Albertville;;0611111111;;paul.martin@example.fr;;;;;;;Hugo;05/06/2018;;;;;'
  run --database "$url" --dry-run families import "$TEST_TMP/v2.csv" --json
  expect_rc 0
  expect_eq "$(json '[.counts.students_updated, .counts.students_created] | join(" ")')" "1 1"
  expect_eq "$(json '[.rows[] | select(.field == "Niveau scolaire")][0] | [.family, .current, .imported] | join("|")')" \
    "Léa Martin (student)||CP"
  expect_eq "$(json '[.rows[] | select(.field == "(new student)")][0].family')" "Hugo (student of Martin Paul)"
}

t_blank_cells_keep_values_unless_clear_blanks() {
  local url
  url=$(school_database blanks) || return
  csv_file "$TEST_TMP/v1.csv" "$GOOD1"
  run --database "$url" families import "$TEST_TMP/v1.csv"
  csv_file "$TEST_TMP/v2.csv" "${GOOD1/0611111111/}"
  run --database "$url" families import "$TEST_TMP/v2.csv" --json
  expect_eq "$(json .counts.unchanged)" "1"
  expect_eq "$(sql "$url" "SELECT phone_mobile FROM families WHERE external_ref='G1'")" "+33611111111"
  run --database "$url" families import "$TEST_TMP/v2.csv" --clear-blanks --json
  expect_eq "$(json .counts.updated)" "1"
  expect_eq "$(sql "$url" "SELECT coalesce(phone_mobile, 'NULL') FROM families WHERE external_ref='G1'")" "NULL"
}

t_no_update_only_creates() {
  local url
  url=$(school_database noupdate) || return
  csv_file "$TEST_TMP/v1.csv" "$GOOD1"
  run --database "$url" families import "$TEST_TMP/v1.csv"
  csv_file "$TEST_TMP/v2.csv" "${GOOD1/Albertville/Ugine}" "$GOOD2"
  run --database "$url" families import "$TEST_TMP/v2.csv" --no-update --json
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.not_updated] | join(" ")')" "1 0 1"
  expect_eq "$(sql "$url" "SELECT city FROM families WHERE external_ref='G1'")" "Albertville"
}

# bad_row NAME ROW EXPECTED_ITEM EXPECTED_MESSAGE: abort leaves the database as it was.
bad_row() {
  local url=$1 name=$2 row=$3 item=$4 message=$5 before
  csv_file "$TEST_TMP/$name.csv" "$GOOD1" "$row" "$GOOD2"
  before=$(families_count "$url")
  run --database "$url" families import "$TEST_TMP/$name.csv"
  expect_rc 65
  expect_err "$TEST_TMP/$name.csv:$item: $message"
  expect_err "nothing was imported"
  expect_eq "$(families_count "$url")" "$before" "$name: database untouched"
}

t_each_bad_input_names_line_column_and_reason() {
  local url
  url=$(school_database badrows) || return
  bad_row "$url" email 'B1;CONS1;M.;Roux;Luc;;;;;;;luc.roux@example,fr;;;;;;;;;;;;;' \
    "3:12" "\"E-mail\": expected an e-mail address, got \"luc.roux@example,fr\""
  bad_row "$url" date 'B2;CONS1;M.;Roux;Luc;;;;;;;;;;;;;;Léo;31/02/2015;;;;;' \
    "3:20" "\"Date de naissance\": expected a date such as 25/12/2015 (dd/mm/yyyy), got \"31/02/2015\""
  bad_row "$url" postal 'B3;CONS1;M.;Roux;Luc;;732;;;;;;;;;;;;;;;;;;' \
    "3:7" "\"Code postal\": expected a 5-digit postal code, got \"732\""
  bad_row "$url" noname 'B4;CONS1;M.;;Luc;;;;;;;;;;;;;;;;;;;;' \
    "3:4" "\"Nom\": missing: every row needs the family's name"
  bad_row "$url" site 'B5;NOWHERE;M.;Roux;Luc;;;;;;;;;;;;;;;;;;;;' \
    "3:2" "\"Site\": unknown site \"NOWHERE\""
  bad_row "$url" phone 'B6;CONS1;M.;Roux;Luc;;;;;06 12 34;;;;;;;;;;;;;;;' \
    "3:10" "\"Mobile\": expected a phone number"
  bad_row "$url" civility 'B7;CONS1;Dr;Roux;Luc;;;;;;;;;;;;;;;;;;;;' \
    "3:3" "\"Civilité\": expected M., Mme or another usual civility, got \"Dr\""
  # Two rows of one family that disagree: both are refused.
  csv_file "$TEST_TMP/inconsistent.csv" "$GOOD1" "${GOOD1/1 rue A/9 rue Z}"
  run --database "$url" families import "$TEST_TMP/inconsistent.csv"
  expect_rc 65
  expect_err "$TEST_TMP/inconsistent.csv:2: rows of the same family disagree on Adresse (lines 2, 3)"
  expect_err "$TEST_TMP/inconsistent.csv:3: rows of the same family disagree on Adresse (lines 2, 3)"
  expect_eq "$(families_count "$url")" "0/0"
}

t_skip_imports_valid_rows_and_writes_rejects_unchanged() {
  local url bad
  url=$(school_database skip) || return
  # Line 6 of the Windows-1252 file (family F002; lines 2-5 are F001's two rows, each with a
  # two-line address) gets an impossible postal code.
  bad="$TEST_TMP/bad-cp1252.csv"
  LC_ALL=C sed '6s/;1000;/;10;/' "$CP1252" >"$bad"
  run --database "$url" families import "$bad" --on-error skip --json
  expect_rc 1
  expect_eq "$(json '.rejected[0].item')" "$bad:6:7"
  expect_eq "$(json .counts.created)" "2"
  expect_eq "$(json .counts.rejected_rows)" "1"
  expect_eq "$(families_count "$url")" "2/4"
  expect_eq "$(sql "$url" "SELECT count(*) FROM families WHERE external_ref='F002'")" "0"
  [ -f "$TEST_TMP/bad-cp1252.rejects.csv" ] || { fail "no reject file"; return; }
  # Same bytes as the input: Windows-1252 header line and the rejected record, CRLF kept.
  { LC_ALL=C sed -n '1p;6p' "$bad"; } | cmp -s - "$TEST_TMP/bad-cp1252.rejects.csv" ||
    fail "the reject file is not the header plus line 6, byte for byte"
  # Fixed and re-imported, the rejected family arrives once; the others are unchanged.
  run --database "$url" families import "$CP1252" --json
  expect_eq "$(json '[.counts.created, .counts.unchanged] | join(" ")')" "1 2"
  run --database "$url" families import "$bad" --on-error skip --rejects "$TEST_TMP/custom.csv"
  [ -f "$TEST_TMP/custom.csv" ] || fail "--rejects ignored"
}

t_files_that_cannot_be_imported_fail_before_any_row() {
  local url
  url=$(school_database notcsv) || return
  : >"$TEST_TMP/empty.csv"
  run --database "$url" families import "$TEST_TMP/empty.csv"
  expect_rc 65
  expect_err "empty.csv"
  head -c 2000 /dev/urandom >"$TEST_TMP/binary.csv"
  printf '\0\0\0' >>"$TEST_TMP/binary.csv"
  run --database "$url" families import "$TEST_TMP/binary.csv"
  expect_rc 65
  printf 'Réf famille;Prénom;Ville\nX;Luc;Ugine\n' >"$TEST_TMP/noname.csv"
  run --database "$url" families import "$TEST_TMP/noname.csv"
  expect_rc 65
  expect_err "noname.csv:1: required column Nom not found in the header"
  expect_eq "$(families_count "$url")" "0/0"
}

t_unknown_columns_are_reported_and_a_mapping_renames_them() {
  local url
  url=$(school_database mapping) || return
  printf 'Code;Site;Nom du responsable;Prénom;Remarque\nM1;CONS1;Girard;Eva;payée\n' >"$TEST_TMP/other.csv"
  run --database "$url" families import "$TEST_TMP/other.csv"
  expect_rc 65
  expect_err "required column Nom not found"
  printf 'columns:\n  "Nom du responsable": Nom\n  Code: external_ref\n' >"$TEST_TMP/map.yaml"
  run --database "$url" families import "$TEST_TMP/other.csv" --mapping "$TEST_TMP/map.yaml" --json
  expect_rc 0
  expect_eq "$(json .counts.created)" "1"
  expect_err "column 5 \"Remarque\" is not a known column and was not imported"
  expect_eq "$(sql "$url" "SELECT external_ref || ' ' || last_name FROM families")" "M1 Girard"
  printf 'columns:\n  Code: nowhere\n' >"$TEST_TMP/badmap.yaml"
  run --database "$url" families import "$TEST_TMP/other.csv" --mapping "$TEST_TMP/badmap.yaml"
  expect_rc 65
  expect_err "badmap.yaml:2:9: \"nowhere\" is not a column of the families file"
}

t_formulas_are_neutralised_in_exports_and_restored_on_import() {
  local a b
  a=$(school_database formula_a) || return
  csv_file "$TEST_TMP/f.csv" 'X1;CONS1;M.;"=HYPERLINK(""http://x"")";Paul;-;73200;Ugine;;;;;;;@work;;;;;;;;;;'
  run --database "$a" families import "$TEST_TMP/f.csv"
  expect_rc 0
  run --database "$a" families export --out "$TEST_TMP/f-export.csv"
  grep -q "'=HYPERLINK" "$TEST_TMP/f-export.csv" || fail "formula not neutralised in the export"
  b=$(school_database formula_b) || return
  run --database "$b" families import "$TEST_TMP/f-export.csv"
  expect_eq "$(sql "$b" "SELECT last_name || ' ' || address_line1 || ' ' || profession FROM families")" '=HYPERLINK("http://x") - @work'
}

t_shared_email_is_reported() {
  local url
  url=$(school_database email) || return
  csv_file "$TEST_TMP/e.csv" "$GOOD1" "${GOOD2/anne.petit@example.fr/paul.martin@example.fr}"
  run --database "$url" families import "$TEST_TMP/e.csv" --json
  expect_rc 0
  expect_eq "$(json .counts.shared_emails)" "2"
  expect_err "one login identifier per e-mail address"
}

t_list_and_show() {
  local url
  url=$(school_database lookups) || return
  run --database "$url" families import "$CP1252" "$UTF8"
  run --database "$url" families list --search lefevre --json
  expect_eq "$(json '.rows | map(.ref) | join(",")')" "F001"
  run --database "$url" families list --search "ZOE" --json
  expect_eq "$(json '.rows | map(.ref) | join(",")')" "F001" "found through a student's first name"
  run --database "$url" families list --search "06.12.34.56.78" --json
  expect_eq "$(json '.rows | map(.ref) | join(",")')" "F001"
  run --database "$url" --site MANTES families list --json
  expect_eq "$(json '.rows | length')" "1"
  run --database "$url" --site CONS1 families list --json
  expect_eq "$(json '.rows | map(.ref) | join(",")')" "F100,F001,F101,F002" "accent-folded order: Bézier, Lefèvre, Nguyễn, Œuvray"
  run --database "$url" families show NOPE
  expect_rc 65
  expect_err "no family with id, identifier or reference \"NOPE\""
}

t_yaml_and_json_inputs_use_the_export_schema() {
  local a b
  a=$(school_database structured_a) || return
  run --database "$a" families import "$CP1252" "$UTF8"
  run --database "$a" families export --out "$TEST_TMP/all.json"
  run --database "$a" families export --out "$TEST_TMP/all.yaml"
  b=$(school_database structured_b) || return
  run --database "$b" families import "$TEST_TMP/all.yaml" --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.students_created] | join(" ")')" "5 8"
  run --database "$b" families import "$TEST_TMP/all.json" --json
  expect_eq "$(json '[.counts.created, .counts.unchanged] | join(" ")')" "0 5"
  run --database "$b" families export --out "$TEST_TMP/again.json"
  cmp -s "$TEST_TMP/all.json" "$TEST_TMP/again.json" || fail "JSON exports differ"
  # A bad value is reported at its YAML position; skip writes the rejected family back as YAML.
  sed 's/birth_date: "2014-09-03"/birth_date: "2014-02-31"/' "$TEST_TMP/all.yaml" >"$TEST_TMP/bad.yaml"
  local line
  line=$(grep -n '2014-02-31' "$TEST_TMP/bad.yaml" | cut -d: -f1)
  run --database "$b" families import "$TEST_TMP/bad.yaml"
  expect_rc 65
  expect_err "bad.yaml:$line:21: \"students[].birth_date\": expected a date"
  run --database "$b" families import "$TEST_TMP/bad.yaml" --on-error skip --json
  expect_rc 1
  grep -q "2014-02-31" "$TEST_TMP/bad.rejects.yaml" || fail "the rejected family is not in bad.rejects.yaml"
  expect_eq "$(grep -c 'external_ref' "$TEST_TMP/bad.rejects.yaml")" "1" "only the rejected family"
}

t_split_layout_joins_students_to_families_by_reference() {
  local url
  url=$(school_database split) || return
  printf 'Réf famille;Site;Civilité;Nom;Prénom;Adresse;Code postal;Ville;Mobile;E-mail\n%s\n%s\n' \
    'S1;CONS1;Mme;Durand;Julie;3 rue C;73200;Albertville;0633333333;julie.durand@example.fr' \
    'S2;MANTES;M.;Morel;Hugo;4 rue D;78200;Mantes-la-Jolie;0644444444;hugo.morel@example.fr' >"$TEST_TMP/fam.csv"
  printf 'Réf famille;Civilité;Nom;Prénom;Date de naissance;Niveau scolaire;Adresse\n%s\n%s\n%s\n%s\n' \
    'S1;Mlle;Durand;Camille;12/05/2014;CM1;ignored' 'S1;M.;Durand;Lucas;3/9/2016;CE1;' \
    'S2;;Morel;Inès;01/01/2012;6e;' 'S9;;Nobody;Zed;01/01/2012;6e;' >"$TEST_TMP/stu.csv"
  run --database "$url" families import --layout split "$TEST_TMP/fam.csv" "$TEST_TMP/stu.csv"
  expect_rc 65
  expect_err "$TEST_TMP/stu.csv:5: no family with Réf famille \"S9\" in the families file or the database"
  expect_eq "$(families_count "$url")" "0/0"
  run --database "$url" families import --layout split "$TEST_TMP/fam.csv" "$TEST_TMP/stu.csv" --on-error skip --json
  expect_rc 1
  expect_eq "$(json '[.counts.created, .counts.students_created, .counts.rejected_rows] | join(" ")')" "2 3 1"
  expect_err "column 7 \"Adresse\" is a family column"
  expect_eq "$(sql "$url" "SELECT string_agg(s.first_name || ':' || s.civility, ',' ORDER BY s.birth_date) FROM students s JOIN families f ON f.id = s.family_id WHERE f.external_ref = 'S1'")" "Camille:MME,Lucas:M"
  expect_eq "$(sql "$url" "SELECT address_line1 FROM families WHERE external_ref = 'S1'")" "3 rue C"
  # A students file alone adds to families already in the database.
  printf 'Réf famille;Prénom;Date de naissance\nS2;Adam;02/02/2018\n' >"$TEST_TMP/more.csv"
  run --database "$url" families import --layout split "$TEST_TMP/more.csv" --json
  expect_rc 0
  expect_eq "$(json '[.counts.unchanged, .counts.students_created] | join(" ")')" "1 1"
  expect_eq "$(sql "$url" "SELECT s.last_name FROM students s WHERE s.first_name = 'Adam'")" "Morel"
  expect_eq "$(sql "$url" "SELECT match_key FROM families WHERE external_ref = 'S2'")" "morel|hugo|hugo.morel@example.fr"
}

t_killed_import_leaves_nothing_and_rerun_imports_once() {
  local url pid i before
  url=$(school_database killed) || return
  /usr/bin/python3 "$IMUSE_SOURCE_DIR/scripts/gen-families.py" --families 20000 --out "$TEST_TMP/big.csv" ||
    { fail "generator failed"; return; }
  run --database "$url" families import "$CP1252"
  before=$(families_count "$url")
  "$IMUSE_ADMIN_BIN" --database "$url" families import "$TEST_TMP/big.csv" >/dev/null 2>&1 &
  pid=$!
  # Kill it while its transaction is at work on the server.
  for i in $(seq 200); do
    [ "$(sql "$url" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'imuse-admin families import' AND state <> 'idle' AND datname = current_database()")" = 1 ] && break
    sleep 0.05
  done
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  for i in $(seq 100); do  # the server notices the lost client and rolls back
    [ "$(sql "$url" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'imuse-admin families import' AND datname = current_database()")" = 0 ] && break
    sleep 0.1
  done
  expect_eq "$(families_count "$url")" "$before" "the killed import left nothing behind"
  run --database "$url" families import "$TEST_TMP/big.csv" --json
  expect_rc 0
  expect_eq "$(json .counts.created)" "20000"
  run --database "$url" families import "$TEST_TMP/big.csv" --json
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.unchanged] | join(" ")')" "0 0 20000"
}

run_tests
