#!/usr/bin/env bash
# SEPA direct debit on the sample school (config/samples): families on the monthly schedule
# (`families billing --schedule 9`, then `invoices generate`), mandates entered (a bad IBAN
# refused with nothing written, an import with a bad row), `sepa export` on the first collection
# date (FRST only, XSD-valid, counts and sums equal to an independent SQL sum), the second date
# (RCUR only, a cheque against an instalment deducted), a re-run that exports nothing, the ledger
# showing the debits, `sepa cancel` (FRST restored, export again), `sepa import-returns`
# (returned, due again, mailed once, idempotent), a bad ICS refused, a pending file recovered, and
# no full IBAN in any listing, JSON, log or audit row. The t_* functions run in name order and
# share one database.
source "$(dirname "$0")/lib.sh"

SAMPLES="$IMUSE_SOURCE_DIR/config/samples"
XSD="$IMUSE_SOURCE_DIR/config/schemas/sepa/pain.008.001.02.xsd"
URL=$(school_database sepa) || { echo "cannot create the test database"; exit 1; }
export IMUSE_ADMIN_DATABASE_URL=$URL
cat >"$TEST_TMP/config.yaml" <<EOF
school:
  name: "École de musique et de danse (test)"
  email: secretariat@emd.example.fr
billing:
  payee: "Régie de recettes"
sepa:
  creditor_name: "Régie de recettes de l'école de musique & de danse"
  ics: FR72ZZZ123456
  iban: "FR76 3000 6000 0112 3456 7890 189"
  bic: BDFEFRPPCCT
  rum_prefix: EMD
mail:
  from: secretariat@emd.example.fr
  maildir: $TEST_TMP/mail
logging:
  file: $TEST_TMP/imuse-admin.log
  level: debug
EOF
export IMUSE_ADMIN_CONFIG="$TEST_TMP/config.yaml"
for step in "families import $SAMPLES/families.csv" "courses import $SAMPLES/courses.csv" \
  "enrolments import $SAMPLES/enrolments.csv"; do
  # shellcheck disable=SC2086
  "$IMUSE_ADMIN_BIN" -q $step >/dev/null || { echo "sample school: $step failed"; exit 1; }
done
for ref in F0001 F0003 F0005 M0101; do
  "$IMUSE_ADMIN_BIN" -q families billing "$ref" --schedule 9 >/dev/null || { echo "billing $ref failed"; exit 1; }
done
"$IMUSE_ADMIN_BIN" -q invoices generate --year 2026/2027 --date 2026-09-15 --tariffs "$SAMPLES/tariffs.yaml" \
  >/dev/null || { echo "invoices generate failed"; exit 1; }

# The full IBANs used below: none may appear anywhere but in the pain.008 files.
IBAN_F0005=FR1420041010050500013M02606
IBAN_F0001=DE89370400440532013000
IBAN_M0101=BE68539007547034
OUTPUTS="$TEST_TMP/outputs.txt"
# srun ARGS...: run, and keep what it printed for the final IBAN check.
srun() {
  run "$@"
  printf '%s\n%s\n' "$out" "$err" >>"$OUTPUTS"
}
fam() { printf "(SELECT id FROM families WHERE external_ref = '%s')" "$1"; }
# due_sum DATE_MIN DATE_MAX: "count cents" of the direct-debit instalments of the families with a
# mandate (F0001, F0005, M0101) due in [MIN, MAX], less the payments recorded against each.
due_sum() {
  sql "$URL" "SELECT count(*) || ' ' || coalesce(sum(n.amount_cents - coalesce((SELECT sum(p.amount_cents)
                FROM payments p WHERE p.instalment_id = n.id AND p.cancelled_at IS NULL), 0)), 0)
              FROM instalments n JOIN invoices i ON i.id = n.invoice_id JOIN families f ON f.id = i.family_id
              WHERE n.direct_debit AND n.due_on BETWEEN '$1' AND '$2'
                AND f.external_ref IN ('F0001', 'F0005', 'M0101')"
}
decimal() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }
xpath() { xmllint --xpath "string($2)" "$1"; }
ctrl_sum() { xpath "$1" "//*[local-name()='GrpHdr']/*[local-name()='CtrlSum']"; }
nb_txs() { xpath "$1" "//*[local-name()='GrpHdr']/*[local-name()='NbOfTxs']"; }
block() {  # block FILE SEQ FIELD
  xpath "$1" "//*[local-name()='PmtInf'][*[local-name()='PmtTpInf']/*[local-name()='SeqTp']='$2']/*[local-name()='$3']"
}
next_seq() { sql "$URL" "SELECT next_sequence_type FROM sepa_mandates WHERE family_id = $(fam "$1") AND revoked_on IS NULL"; }

t_01_mandates() {
  srun --today 2026-09-20 families mandate set F0005 --iban "FR14 2004 1010 0505 0001 3M02 607" --bic PSSTFRPPXXX \
    --signed 2026-09-01
  expect_rc 65
  expect_err "--iban"
  expect_err "check digits"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM sepa_mandates")" 0 "nothing written for a bad IBAN"
  srun --today 2026-09-20 families mandate set F0005 --iban "FR14 2004 1010 0505 0001 3M02 60" --bic PSSTFRPPXXX \
    --signed 2026-09-01
  expect_rc 65
  expect_err "a FR IBAN has 27"
  # Lower case and spaces are the normal form's business; the RUM is generated.
  srun --today 2026-09-20 families mandate set F0005 --iban "fr14 2004 1010 0505 0001 3m02 606" --bic psstfrppxxx \
    --signed 01/09/2026
  expect_rc 0
  expect_out "EMD-F0005-1"
  expect_out "…2606"
  srun --today 2026-09-20 --json families mandate set F0001 --iban "$IBAN_F0001" --bic COBADEFFXXX \
    --signed 2026-09-01 --rum "RUM-LEF/2026" --holder "Hélène Lefèvre & Œuvray"
  expect_rc 0
  expect_eq "$(json .details.rum)" "RUM-LEF/2026"
  expect_eq "$(json .details.iban)" "…3000"
  expect_eq "$(json .details.next_sequence)" FRST
  # The same values again: unchanged, nothing revoked.
  srun --today 2026-09-20 families mandate set F0001 --iban "$IBAN_F0001" --bic COBADEFFXXX --signed 2026-09-01 \
    --holder "Hélène Lefèvre & Œuvray"
  expect_rc 0
  expect_out "unchanged: 1"
  # Import: a bad IBAN (its line and column named) refuses the file; skip imports the rest.
  printf 'Réf famille;IBAN;BIC;RUM;Date de signature;Site\nM0101;%s;GKCCBEBB;;01/09/2026;MANTES\nF0004;FR76 3000 6000 0112 3456 7890 188;BDFEFRPP;;01/09/2026;CONS1\n' \
    "BE68 5390 0754 7034" >"$TEST_TMP/mandates.csv"
  srun --today 2026-09-20 families mandate import "$TEST_TMP/mandates.csv"
  expect_rc 65
  expect_err "mandates.csv:3:2"
  expect_err "check digits"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM sepa_mandates")" 2 "nothing imported with --on-error abort"
  srun --today 2026-09-20 families mandate import "$TEST_TMP/mandates.csv" --on-error skip \
    --rejects "$TEST_TMP/mandates.rejects.csv"
  expect_rc 1
  expect_out "created: 1"
  expect_eq "$(sql "$URL" "SELECT rum FROM sepa_mandates WHERE family_id = $(fam M0101)")" EMD-M0101-1
  srun families mandate show F0005
  expect_rc 0
  expect_out "…2606"
  expect_out "FRST"
  # The database refuses a bad IBAN, RUM or BIC too, on insert and on update.
  local e
  e=$("$PSQL" -X -q -At "$URL" -c "INSERT INTO sepa_mandates (family_id, rum, iban, signed_on)
        VALUES ($(fam F0002), 'X-1', 'FR7630006000011234567890188', '2026-09-01')" 2>&1)
  grep -q sepa_mandates_iban_valid <<<"$e" || fail "the database took a bad IBAN: $e"
  e=$("$PSQL" -X -q -At "$URL" -c "UPDATE sepa_mandates SET iban = 'FR1420041010050500013M02607'
        WHERE family_id = $(fam F0005)" 2>&1)
  grep -q sepa_mandates_iban_valid <<<"$e" || fail "the database took a bad IBAN on update: $e"
  e=$("$PSQL" -X -q -At "$URL" -c "UPDATE sepa_mandates SET bic = 'BDFEFRPO', rum = 'a_b'
        WHERE family_id = $(fam F0005)" 2>&1)
  grep -q "sepa_mandates_rum_charset\|sepa_mandates_bic_format" <<<"$e" || fail "the database took a bad RUM/BIC: $e"
}

t_02_export_first_date_frst() {
  read -r n cents <<<"$(due_sum 2026-01-01 2026-10-05)"
  expect_eq "$n" 3 "first instalments of F0001, F0005, M0101"
  srun --dry-run sepa export --collection-date 2026-10-05 --out "$TEST_TMP/oct.xml"
  expect_rc 1
  expect_out "transactions: $n, control_sum_cents: $cents, frst: $n"
  expect_out "family F0003"
  expect_out "no SEPA mandate valid on 05/10/2026"
  [ ! -e "$TEST_TMP/oct.xml" ] || fail "--dry-run wrote the file"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM sepa_batches")" 0 "--dry-run recorded a batch"

  srun sepa export --collection-date 2026-10-05 --out "$TEST_TMP/oct.xml"
  expect_rc 1
  expect_out "family F0003"
  xmllint --noout --schema "$XSD" "$TEST_TMP/oct.xml" 2>/dev/null || fail "oct.xml does not validate against the XSD"
  expect_eq "$(nb_txs "$TEST_TMP/oct.xml")" "$n"
  expect_eq "$(ctrl_sum "$TEST_TMP/oct.xml")" "$(decimal "$cents")"
  expect_eq "$(block "$TEST_TMP/oct.xml" FRST CtrlSum)" "$(decimal "$cents")"
  expect_eq "$(grep -c '<PmtInf>' "$TEST_TMP/oct.xml")" 1 "one payment block"
  ! grep -q '<SeqTp>RCUR' "$TEST_TMP/oct.xml" || fail "a first collection was RCUR"
  expect_eq "$(grep -c '<ReqdColltnDt>2026-10-05</ReqdColltnDt>' "$TEST_TMP/oct.xml")" 1
  grep -q "<IBAN>$IBAN_F0005</IBAN>" "$TEST_TMP/oct.xml" || fail "the debtor's IBAN is not in the file"
  grep -q '<Nm>Helene Lefevre + OEuvray</Nm>' "$TEST_TMP/oct.xml" || fail "holder not transliterated"
  expect_eq "$(sql "$URL" "SELECT string_agg(next_sequence_type, ',') FROM sepa_mandates")" "RCUR,RCUR,RCUR"
}

t_03_ledger_shows_debits() {
  srun families statement F0005 --year 2026/2027
  expect_rc 0
  expect_out "Prélèvement"
  expect_out "-FACT20262027"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM payments WHERE mode = 'direct_debit' AND paid_on = '2026-10-05'")" 3
}

t_04_export_second_date_rcur() {
  # A cheque of 10,00 € against F0001's second instalment: the debit takes the rest only.
  local invoice
  invoice=$(sql "$URL" "SELECT number FROM invoices WHERE family_id = $(fam F0001)")
  srun --site CONS1 payments record --invoice "$invoice" --amount 10,00 --mode cheque --date 2026-10-20 --instalment 2
  expect_rc 0
  read -r n cents <<<"$(due_sum 2026-10-06 2026-11-05)"
  srun sepa export --collection-date 2026-11-05 --out "$TEST_TMP/nov.xml"
  expect_rc 1
  xmllint --noout --schema "$XSD" "$TEST_TMP/nov.xml" 2>/dev/null || fail "nov.xml does not validate"
  expect_eq "$(nb_txs "$TEST_TMP/nov.xml")" "$n"
  expect_eq "$(ctrl_sum "$TEST_TMP/nov.xml")" "$(decimal "$cents")"
  expect_eq "$(block "$TEST_TMP/nov.xml" RCUR NbOfTxs)" "$n"
  ! grep -q '<SeqTp>FRST' "$TEST_TMP/nov.xml" || fail "a second collection was FRST"
  local f0001
  f0001=$(sql "$URL" "SELECT n.amount_cents - 1000 FROM instalments n JOIN invoices i ON i.id = n.invoice_id
                      WHERE i.family_id = $(fam F0001) AND n.number = 2")
  grep -q "<InstdAmt Ccy=\"EUR\">$(decimal "$f0001")</InstdAmt>" "$TEST_TMP/nov.xml" ||
    fail "F0001's debit is not its instalment less the cheque ($(decimal "$f0001"))"
}

t_05_rerun_exports_nothing() {
  srun sepa export --collection-date 2026-11-05 --out "$TEST_TMP/nov-again.xml"
  expect_rc 1  # F0003 still has no mandate
  expect_out "nothing to collect on 05/11/2026"
  [ ! -e "$TEST_TMP/nov-again.xml" ] || fail "a re-run wrote a file"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM sepa_batches")" 2
  # The file is never overwritten.
  srun sepa export --collection-date 2026-12-05 --out "$TEST_TMP/nov.xml"
  expect_rc 73
  expect_eq "$(sql "$URL" "SELECT count(*) FROM sepa_batches")" 2
}

t_06_cancel_restores_frst() {
  local oct nov
  oct=$(sql "$URL" "SELECT id FROM sepa_batches WHERE collection_date = '2026-10-05'")
  nov=$(sql "$URL" "SELECT id FROM sepa_batches WHERE collection_date = '2026-11-05'")
  srun sepa cancel "$nov" --reason "rejet du fichier par la banque"
  expect_rc 0
  expect_eq "$(next_seq F0005)" RCUR "the October FRST still stands"
  srun sepa cancel "$oct" --reason "rejet du fichier par la banque"
  expect_rc 0
  expect_out "3 mandate(s) back to FRST"
  expect_eq "$(next_seq F0005)" FRST
  expect_eq "$(sql "$URL" "SELECT count(*) FROM payments WHERE mode = 'direct_debit' AND cancelled_at IS NULL")" 0
  srun sepa cancel "$oct" --reason again
  expect_rc 65
  # Exported again: each mandate's first debit is FRST, the later one RCUR, same total as before.
  read -r n cents <<<"$(due_sum 2026-01-01 2026-11-05)"
  srun sepa export --collection-date 2026-11-05 --out "$TEST_TMP/again.xml"
  expect_rc 1
  xmllint --noout --schema "$XSD" "$TEST_TMP/again.xml" 2>/dev/null || fail "again.xml does not validate"
  expect_eq "$(nb_txs "$TEST_TMP/again.xml")" "$n"
  expect_eq "$(ctrl_sum "$TEST_TMP/again.xml")" "$(decimal "$cents")"
  expect_eq "$(block "$TEST_TMP/again.xml" FRST NbOfTxs)" 3
  expect_eq "$(block "$TEST_TMP/again.xml" RCUR NbOfTxs)" 3
  expect_eq "$(sql "$URL" "SELECT count(DISTINCT end_to_end_id) FROM sepa_collections")" 12 "EndToEndIds unique"
}

t_07_returns() {
  local e2e id due_before due_after
  read -r e2e id <<<"$(sql "$URL" "SELECT c.end_to_end_id || ' ' || c.id FROM sepa_collections c
    JOIN sepa_mandates m ON m.id = c.mandate_id WHERE m.family_id = $(fam F0005) AND c.state = 'exported'
    AND c.sequence_type = 'RCUR'")"
  due_before=$(sql "$URL" "SELECT due_cents FROM invoice_balances WHERE family_id = $(fam F0005)")
  printf 'EndToEndId;Date de retour;Motif\n%s;08/11/2026;AM04\n' "$e2e" >"$TEST_TMP/returns.csv"
  srun sepa import-returns "$TEST_TMP/returns.csv"
  expect_rc 0
  expect_out "returned: 1"
  expect_out "mails_queued: 1"
  expect_eq "$(sql "$URL" "SELECT state || ' ' || returned_on || ' ' || return_reason_code || ' ' || return_reason
                           FROM sepa_collections WHERE id = $id")" "returned 2026-11-08 AM04 provision insuffisante"
  due_after=$(sql "$URL" "SELECT due_cents FROM invoice_balances WHERE family_id = $(fam F0005)")
  expect_eq "$((due_after - due_before))" "$(sql "$URL" "SELECT amount_cents FROM sepa_collections WHERE id = $id")"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM mail_outbox WHERE idempotency_key = 'sepa_return:$id'")" 1
  local body
  body=$(sql "$URL" "SELECT subject || ' ' || body_text FROM mail_outbox WHERE idempotency_key = 'sepa_return:$id'")
  grep -q "provision insuffisante" <<<"$body" || fail "the mail does not say why"
  grep -q "Prélèvement du 05/11/2026 rejeté" <<<"$body" || fail "the mail does not say which debit"
  # Re-import: nothing changes, no second mail.
  srun sepa import-returns "$TEST_TMP/returns.csv"
  expect_rc 0
  expect_out "already_returned: 1"
  expect_out "returned: 0"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM mail_outbox WHERE kind = 'sepa_return'")" 1
  # An unknown EndToEndId is named with its file and line; nothing is written.
  printf 'EndToEndId;Date de retour;Motif\nS9-NOPE-01-1;08/11/2026;MS02\n' >"$TEST_TMP/bad-returns.csv"
  srun sepa import-returns "$TEST_TMP/bad-returns.csv"
  expect_rc 65
  expect_err "bad-returns.csv:2"
  # The returned instalment is not re-presented: the December file takes only December's.
  read -r n cents <<<"$(due_sum 2026-11-06 2026-12-05)"
  srun sepa export --collection-date 2026-12-05 --out "$TEST_TMP/dec.xml"
  expect_rc 1
  expect_eq "$(nb_txs "$TEST_TMP/dec.xml")" "$n"
  expect_eq "$(ctrl_sum "$TEST_TMP/dec.xml")" "$(decimal "$cents")"
}

t_08_bad_ics_refused() {
  sed 's/ics: FR72ZZZ123456/ics: FR73ZZZ123456/' "$IMUSE_ADMIN_CONFIG" >"$TEST_TMP/bad-ics.yaml"
  IMUSE_ADMIN_CONFIG="$TEST_TMP/bad-ics.yaml" srun sepa export --collection-date 2027-01-05 --out "$TEST_TMP/jan.xml"
  expect_rc 78
  expect_err "sepa.ics"
  [ ! -e "$TEST_TMP/jan.xml" ] || fail "a file was written with a bad ICS"
}

t_09_pending_file_recovered() {
  # A run killed after its COMMIT leaves FILE.pending: the next run publishes it. One killed
  # before leaves a pending file nobody committed: removed.
  mkdir -p "$TEST_TMP/out"
  srun sepa export --collection-date 2027-01-05 --out "$TEST_TMP/out"
  expect_rc 1
  local file
  file=$(sql "$URL" "SELECT file_name FROM sepa_batches WHERE collection_date = '2027-01-05'")
  [ -f "$file" ] || fail "no file $file in the folder"
  mv "$file" "$file.pending"
  printf 'junk' >"$TEST_TMP/out/PRLV_ALL_20270205_999.xml.pending"
  srun sepa export --collection-date 2027-01-05 --out "$TEST_TMP/out"
  expect_rc 1
  expect_out "published $file"
  [ -f "$file" ] && [ ! -e "$file.pending" ] || fail "the committed pending file was not published"
  [ ! -e "$TEST_TMP/out/PRLV_ALL_20270205_999.xml.pending" ] || fail "an uncommitted pending file was left"
}

t_10_lists_and_logs_never_show_a_full_iban() {
  srun sepa list
  expect_rc 0
  srun --json sepa show 1
  expect_rc 0
  [[ $(json '.rows[0].iban') == …???? ]] || fail "sepa show --json: the IBAN is not masked"
  srun families mandate show F0001
  srun families mandate revoke M0101 --date 2026-12-20
  expect_rc 0
  expect_out "revoked"
  local iban
  for iban in "$IBAN_F0005" "$IBAN_F0001" "$IBAN_M0101" "FR14 2004 1010" "fr14 2004 1010"; do
    ! grep -qiF "$iban" "$OUTPUTS" || fail "an output shows the full IBAN $iban"
    ! grep -qiF "$iban" "$TEST_TMP/imuse-admin.log" || fail "the log file shows the full IBAN $iban"
    [ "$(sql "$URL" "SELECT count(*) FROM audit_log WHERE concat_ws(' ', arguments::text, summary::text,
         old_values::text, new_values::text) ILIKE '%$iban%'")" = 0 ] || fail "the audit log holds the IBAN $iban"
  done
  [ -s "$TEST_TMP/imuse-admin.log" ] || fail "nothing was logged"
}

run_tests
