#!/usr/bin/env bash
# families duplicates and families merge.
source "$(dirname "$0")/lib.sh"

URL=$(new_database merge)
export IMUSE_ADMIN_DATABASE_URL=$URL
"$IMUSE_ADMIN_BIN" -q db migrate >/dev/null && "$IMUSE_ADMIN_BIN" -q site import "$IMUSE_SOURCE_DIR/config/samples/sites.yaml" >/dev/null ||
  { echo "setup failed"; exit 1; }
cat >"$TEST_TMP/dups.csv" <<'CSV'
Réf famille;Site;Civilité;Nom;Prénom;Adresse;Code postal;Ville;Mobile;E-mail;Élève prénom;Date de naissance
A1;CONS1;Mme;Lefèvre;Hélène;12 rue de l'Église;73200;Albertville;0612345678;helene@example.fr;Zoé;03/09/2014
A1;CONS1;Mme;Lefèvre;Hélène;12 rue de l'Église;73200;Albertville;0612345678;helene@example.fr;Noël;05/01/2017
A2;CONS1;Mme;LEFEVRE;Helene;12 rue de l'église;73200;Albertville;;;Zoe;03/09/2014
A3;CONS1;M.;Martin;Paul;1 rue A;73000;Chambéry;0698765432;paul@example.fr;Léa;01/02/2015
A4;MANTES;M.;Martin;Paul;1 rue A;78200;Mantes;;paul2@example.fr;;
CSV
"$IMUSE_ADMIN_BIN" -q families import "$TEST_TMP/dups.csv" >/dev/null || { echo "import failed"; exit 1; }
id_of() { sql "$URL" "SELECT id FROM families WHERE external_ref = '$1'"; }

t_1_duplicates_scores_accent_folded_names_address_and_students() {
  run families duplicates --json
  expect_rc 0
  expect_eq "$(json '.rows | length')" "1" "only the Lefèvre pair reaches the default score"
  expect_eq "$(json '.rows[0] | [.ref_a, .ref_b] | join(",")')" "A1,A2"
  expect_eq "$(json '.rows[0].shared')" "name, first name, address, 1 student(s)"
  expect_eq "$(json '.rows[0].score')" "80"
  run families duplicates --min-score 20 --json
  expect_eq "$(json '[.rows[] | select(.ref_a == "A3")] | length')" "0" "a family belongs to one site: no cross-site pairs"
  run --site NOWHERE families duplicates
  expect_rc 65
  expect_err "no site with code NOWHERE"
}

t_2_merge_refuses_two_accounts_unless_told() {
  local a1 a2
  a1=$(id_of A1)
  a2=$(id_of A2)
  sql "$URL" "INSERT INTO accounts (family_id, identifier) VALUES ($a1, 'helene.lefevre'), ($a2, 'h.lefevre')" >/dev/null
  run families merge "$a1" "$a2"
  expect_rc 65
  expect_err "both families have a portal account"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM families WHERE id = $a2")" "1"
  run families merge "$a1" "$(id_of A4)"
  expect_rc 65
  expect_err "belong to different sites"
}

t_3_merge_moves_everything_in_one_transaction() {
  local a1 a2 before
  a1=$(id_of A1)
  a2=$(id_of A2)
  sql "$URL" "INSERT INTO mail_outbox (idempotency_key, kind, family_id, to_address, subject, body_text)
              VALUES ('merge-test', 'identifier', $a2, 'x@example.fr', 'Votre identifiant', 'Bonjour')" >/dev/null
  before=$(sql "$URL" "SELECT count(*) FROM students")
  run --dry-run families merge "$a1" "$a2" --keep-account "$a2" --json
  expect_rc 0
  expect_eq "$(json .counts.students_merged)" "1"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM families WHERE id = $a2")" "1" "dry run removed nothing"
  run families merge "$a1" "$a2" --keep-account "$a2" --json
  expect_rc 0
  expect_eq "$(sql "$URL" "SELECT count(*) FROM families WHERE id = $a2")" "0"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM students")" "$((before - 1))" "Zoé and Zoe became one student"
  expect_eq "$(sql "$URL" "SELECT string_agg(first_name, ',' ORDER BY birth_date) FROM students WHERE family_id = $a1")" "Zoé,Noël"
  expect_eq "$(sql "$URL" "SELECT identifier FROM accounts WHERE family_id = $a1")" "h.lefevre" "the account asked for stays"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM accounts")" "1"
  expect_eq "$(sql "$URL" "SELECT family_id FROM mail_outbox WHERE idempotency_key = 'merge-test'")" "$a1" "family rows follow"
  expect_eq "$(json '.counts.mail_outbox_moved')" "1"
  expect_eq "$(sql "$URL" "SELECT old_values->'other'->>'last_name' FROM audit_log WHERE command = 'families merge' AND entity = 'family'")" "LEFEVRE"
  run families merge "$a1" "$a2"
  expect_rc 65
  expect_err "no family with id $a2"
}

run_tests
