#!/usr/bin/env bash
# Reminders and transfers to the Trésor Public (PES V2, TAV) on the sample school: billed as
# test_billing.sh bills it (invoices generate --year 2026/2027 --date 2026-09-15), some payments,
# then time moved past the due dates with --today. The t_* functions run in name order and share
# one database.
#
# The invoices (schedules of tariffs.yaml; F0001 3 instalments, F0003 2, F0005 9 direct debits):
#   CONS1  F0001 419,08 = 139,70 (15/10/2026) + 139,69 (15/01/2027) + 139,69 (15/04/2027)
#          F0002 260,40  F0003 348,50 = 174,25 + 174,25 (15/10/2026, 15/02/2027)  F0004 165,00
#          F0005 575,75 = 9 instalments from 05/10/2026 to 05/06/2027  F0006 285,80
#   MANTES M0101 250,50  M0103 400,00  M0104 50,00 (one instalment each, 15/10/2026)
# Payments below: F0001 instalment 1 (139,70), F0002 all (260,40), F0003 100,00 naming no
# instalment (so its first instalment has 74,25 left: payments without an instalment settle the
# oldest due first), F0006 283,80 (2,00 left: below treasury.min_amount 5,00).
source "$(dirname "$0")/lib.sh"

SAMPLES="$IMUSE_SOURCE_DIR/config/samples"
XSD="$IMUSE_SOURCE_DIR/config/schemas/pes-v2/PES_V2/Rev0/PES_Aller_RecetteOnly.LOCAL.xsd"
URL=$(school_database treasury) || { echo "cannot create the test database"; exit 1; }
export IMUSE_ADMIN_DATABASE_URL=$URL
export IMUSE_ADMIN_CONFIG="$TEST_TMP/treasury.yaml"
mkdir -p "$TEST_TMP/maildir" "$TEST_TMP/out"
cat >"$IMUSE_ADMIN_CONFIG" <<EOF
school:
  name: "École de musique et de danse (exemple)"
  address: "1 place de la Mairie"
  postal_code: "73200"
  city: "Albertville"
  email: secretariat@emd.example.fr
  phone: "04 79 00 12 34"
  siret: "219 999 992 00015"
billing:
  payee: "Régie de recettes de l'école de musique et de danse"
  iban: "FR76 1000 7000 0100 0000 0000 185"
  payfip_url: https://www.payfip.gouv.fr/
treasury:
  id_post: "0730000"
  cod_col: "999"
  cod_bud: "01"
  libelle_col_bud: "COMMUNE D'ALBERTVILLE - BUDGET PRINCIPAL"
  sender_sigle: EMD
  min_amount: "5,00"
mail:
  transport: maildir
  from: secretariat@emd.example.fr
  maildir: $TEST_TMP/maildir
EOF
for step in "families import $SAMPLES/families.csv" "courses import $SAMPLES/courses.csv" \
  "enrolments import $SAMPLES/enrolments.csv"; do
  # shellcheck disable=SC2086
  "$IMUSE_ADMIN_BIN" -q $step >/dev/null || { echo "sample school: $step failed"; exit 1; }
done
sql "$URL" "UPDATE families SET payment_schedule = 3 WHERE external_ref = 'F0001';
            UPDATE families SET payment_schedule = 2 WHERE external_ref = 'F0003';
            UPDATE families SET payment_schedule = 9 WHERE external_ref = 'F0005';" >/dev/null &&
  "$IMUSE_ADMIN_BIN" -q invoices generate --year 2026/2027 --tariffs "$SAMPLES/tariffs.yaml" --date 2026-09-15 \
    >/dev/null || { echo "billing the sample school failed"; exit 1; }

AFTER="--today 2027-08-01"  # every due date is more than 30 days old
MANTES="(SELECT id FROM sites WHERE code = 'MANTES')"
fam() { printf "(SELECT id FROM families WHERE external_ref = '%s')" "$1"; }
inv() { printf "(SELECT id FROM invoices WHERE family_id = %s AND kind = 'invoice')" "$(fam "$1")"; }
tav_rows() { sql "$URL" "SELECT count(*) || ':' || coalesce(sum(amount_cents), 0) FROM payments WHERE mode = 'tav' AND cancelled_at IS NULL"; }
# The unpaid amounts of a site, computed from invoice_balances (not by the export's per-instalment
# rule): count of invoices and sum of due_cents at or above 5,00 €, then those below.
unpaid() {
  sql "$URL" "SELECT count(*) FILTER (WHERE b.due_cents >= 500) || ':' ||
                     coalesce(sum(b.due_cents) FILTER (WHERE b.due_cents >= 500), 0) || ':' ||
                     count(*) FILTER (WHERE b.due_cents > 0 AND b.due_cents < 500)
              FROM invoice_balances b JOIN sites s ON s.id = b.site_id
              WHERE s.code = '$1' AND b.kind = 'invoice' AND b.state = 'issued'"
}
# xv FILE NAME: the V attribute of every element NAME, one per line.
xv() { grep -o "<$2 V=\"[^\"]*\"" "$1" | sed 's/.*V="//; s/"$//'; }
cents() { awk '{ split($1, p, "."); s += p[1] * 100 + p[2] } END { printf "%d\n", s }'; }
valid() { xmllint --noout --schema "$XSD" "$1" 2>/dev/null || fail "$1 does not validate against the PES V2 schema"; }

t_a_help_and_usage() {
  local sub
  for sub in export list show cancel; do
    IMUSE_ADMIN_DATABASE_URL="" run treasury "$sub" --help
    expect_rc 0
    expect_out "Usage: imuse-admin treasury $sub"
  done
  IMUSE_ADMIN_DATABASE_URL="" run invoices remind --help
  expect_rc 0
  expect_out "--overdue-days"
  run treasury export
  expect_rc 64
  run treasury export --out x.xml --overdue-days 10 --due-before 2027-01-01
  expect_rc 64
  run treasury export --out x.xml --due-before 2027-13-01
  expect_rc 64
  expect_err "expected a date"
  run treasury cancel 1
  expect_rc 64
  run invoices remind
  expect_rc 64
  # Both sites have overdue invoices: one file cannot hold them.
  run $AFTER treasury export --out "$TEST_TMP/out/both.xml"
  expect_rc 64
  expect_err "several sites (CONS1, MANTES): give --site"
  [ ! -e "$TEST_TMP/out/both.xml" ] || fail "a refused export wrote a file"
}

t_b_payments() {
  local a
  for a in "FACT20262027000001 139,70 --instalment 1" "FACT20262027000002 260,40" "FACT20262027000003 100,00" \
    "FACT20262027000006 283,80"; do
    set -- $a
    run --site CONS1 payments record --invoice "$1" --amount "$2" --mode cheque --date 2026-10-10 "${@:3}"
    expect_rc 0
  done
}

t_c_reminders_once_per_invoice_and_level() {
  sql "$URL" "UPDATE families SET email = NULL WHERE external_ref = 'M0104'" >/dev/null
  # Due before 22/10/2026: F0003 (74,25 left of its first instalment), F0004, F0005 (first direct
  # debit), F0006 (2,00), M0101, M0103; M0104 has no e-mail address.
  run --json --today 2026-11-01 invoices remind --overdue-days 10
  expect_rc 1
  expect_eq "$(json '.counts.mails_queued')" "6"
  expect_eq "$(json '.counts.not_reminded_no_email')" "1"
  expect_eq "$(json '.rejected[0].message')" "family M0104 (Stéphane Hébert) has no e-mail address: not reminded of 50,00 €; send the reminder by post"
  expect_eq "$(json '[.rows[] | select(.family_ref == "F0003") | .amount_due_cents] | join(",")')" "7425"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM mail_outbox WHERE kind = 'invoice_reminder'")" "6"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM invoice_reminders WHERE level = 1 AND outbox_id IS NOT NULL")" "6"
  local body
  body=$(sql "$URL" "SELECT subject || E'\n' || body_text FROM mail_outbox m JOIN invoice_reminders r ON r.outbox_id = m.id
                     WHERE r.invoice_id = $(inv F0003)")
  local want
  for want in "Rappel : facture FACT20262027000003 à régler – 74,25 €" "Bonjour Monsieur Bézier," \
    "année scolaire 2026/2027" "Montant restant dû : 74,25 €" "Échéance dépassée : 15/10/2026" \
    "https://www.payfip.gouv.fr/" "avec la référence : FACT20262027000003" "à l'ordre de « Régie de recettes" \
    "transmise au Trésor Public" "Tél. : 04 79 00 12 34"; do
    grep -qF -- "$want" <<<"$body" || fail "the reminder of F0003 does not say: $want"
  done
  # Re-run: nothing new; a second level is a new reminder.
  run --json --today 2026-11-01 invoices remind --overdue-days 10
  expect_eq "$(json '.counts.mails_queued')" "0"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM mail_outbox WHERE kind = 'invoice_reminder'")" "6"
  run --json --dry-run --today 2026-11-01 invoices remind --overdue-days 10 --level 2
  expect_eq "$(json '.counts.mails_queued')" "6"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM invoice_reminders")" "6" "dry run wrote nothing"
  sql "$URL" "UPDATE families SET email = 'stephane.hebert@example.fr' WHERE external_ref = 'M0104'" >/dev/null
}

t_d_partial_export_exact_to_the_cent() {
  # On 01/02/2027 (cut-off 02/01/2027) only the first instalments are overdue. Computed here the
  # simple way: what was paid or credited settles the oldest instalments first, so an invoice
  # owes min(due, overdue instalments - (total - due)): F0003 174,25 - 100,00 = 74,25, F0004
  # 165,00, F0005 3 direct debits 63,99 + 63,97 + 63,97 = 191,93; F0001's first instalment is
  # paid; F0006 owes 2,00, below treasury.min_amount.
  local expected file="$TEST_TMP/out/cons1.xml"
  expected=$(sql "$URL" "
    WITH o AS (SELECT b.invoice_id, greatest(0, least(b.due_cents,
                 (SELECT sum(n.amount_cents) FROM instalments n WHERE n.invoice_id = b.invoice_id
                  AND n.due_on < DATE '2027-01-02') - (b.total_cents - b.due_cents))) AS owed
               FROM invoice_balances b JOIN sites s ON s.id = b.site_id
               WHERE s.code = 'CONS1' AND b.kind = 'invoice' AND b.state = 'issued')
    SELECT count(*) FILTER (WHERE owed >= 500) || ':' || sum(owed) FILTER (WHERE owed >= 500) || ':' ||
           count(*) FILTER (WHERE owed > 0 AND owed < 500) FROM o")
  expect_eq "$expected" "3:43118:1" "74,25 + 165,00 + 191,93; F0006 below 5,00"
  # The dry run counts exactly and writes nothing.
  run --json --today 2027-02-01 --site CONS1 --dry-run treasury export --out "$file"
  expect_rc 0
  local dry
  dry=$(json '[.counts.pieces, .counts.total_cents, .counts.skipped_below_minimum] | map(tostring) | join(":")')
  expect_eq "$dry" "$expected"
  [ ! -e "$file" ] || fail "the dry run wrote the file"
  expect_eq "$(tav_rows)" "0:0" "the dry run recorded nothing"
  run --json --today 2027-02-01 --site CONS1 treasury export --out "$file"
  expect_rc 0
  expect_eq "$(json '[.counts.pieces, .counts.total_cents, .counts.skipped_below_minimum] | map(tostring) | join(":")')" \
    "$dry" "the real run counts what the dry run counted"
  expect_eq "$(json '.rows[0].bordereau')" "1"
  valid "$file"
  expect_eq "$(head -1 "$file")" '<?xml version="1.0" encoding="ISO-8859-1"?>'
  expect_eq "$(xv "$file" NbrPce)" "3"
  expect_eq "$(xv "$file" MtBordHt | cents)" "43118" "MtBordHt"
  expect_eq "$(xv "$file" MtHT | cents)" "43118" "the lines add up to MtBordHt"
  expect_eq "$(grep -o '<Piece>' "$file" | wc -l)" "3"
  expect_eq "$(xv "$file" IdBord)" "1"
  expect_eq "$(xv "$file" IdPce | tr '\n' ' ')" "1 2 3 "
  expect_eq "$(xv "$file" DteBordEm)" "2027-02-01"
  grep -qF '<ObjLignePce V="3 ECHEANCES DU 05/10/2026 AU 05/12/2026"/>' "$file" || fail "F0005's line"
  grep -qF '<ObjLignePce V="ECHEANCE 1 DU 15/10/2026"/>' "$file" || fail "F0003's line"
  grep -qF '<Nom V="DUPRE-LAGARDE"/><Prenom V="JEAN-BAPTISTE"/>' "$file" || fail "names upper case without accents"
  # One title per invoice, naming the latest instalment it claims; one TAV settlement each.
  expect_eq "$(sql "$URL" "SELECT p.amount_cents || ':' || n.number FROM treasury_pieces p
                           JOIN instalments n ON n.id = p.instalment_id WHERE p.invoice_id = $(inv F0003)")" "7425:1"
  expect_eq "$(tav_rows)" "3:43118"
  expect_eq "$(sql "$URL" "SELECT file_sha256 FROM treasury_batches")" "$(sha256sum "$file" | cut -d' ' -f1)"
  run families statement F0003
  expect_out "TAV2027-1-1"
  expect_out "Transmis au Trésor Public : facture FACT20262027000003"
  expect_out "Montant à payer : 174,25 €"
}

t_e_then_the_rest_then_nothing() {
  local expected file="$TEST_TMP/out/cons1-2.xml"
  expected=$(unpaid CONS1)
  expect_eq "$expected" "3:83745:1" "F0001 279,38, F0003 174,25, F0005 383,82; F0006 below 5,00"
  run --json $AFTER --site CONS1 treasury export --out "$file"
  expect_rc 0
  expect_eq "$(json '[.counts.pieces, .counts.total_cents, .rows[0].bordereau] | map(tostring) | join(":")')" \
    "${expected%:*}:2"
  valid "$file"
  expect_eq "$(xv "$file" MtBordHt | cents)" "83745"
  expect_eq "$(xv "$file" IdPce | tr '\n' ' ')" "4 5 6 "
  expect_eq "$(xv "$file" Civilite | tr '\n' ' ')" "MME MR MR " "Mme Lefèvre, M. Bézier, Mr Dupré-Lagarde"
  expect_eq "$(sql "$URL" "SELECT string_agg(p.amount_cents || ':' || n.number, ' ' ORDER BY p.id) FROM treasury_pieces p
                           JOIN instalments n ON n.id = p.instalment_id WHERE p.invoice_id = $(inv F0003)")" \
    "7425:1 17425:2"
  expect_eq "$(unpaid CONS1)" "0:0:1" "only F0006's 2,00 € is left"
  expect_eq "$(tav_rows)" "6:126863"
  local ref
  for ref in F0001 F0003 F0005; do
    run families statement "$ref"
    expect_out "TAV"
    expect_out "Montant à payer : 0,00 €"
  done
  run families statement F0006
  expect_out "Montant à payer : 2,00 €"
  expect_no_out "TAV"
  # Nothing is transferred twice.
  run --json $AFTER --site CONS1 treasury export --out "$TEST_TMP/out/again.xml"
  expect_rc 0
  expect_eq "$(json '.counts.pieces')" "0"
  expect_out "nothing to transfer"
  [ ! -e "$TEST_TMP/out/again.xml" ] || fail "an empty export wrote a file"
  run --site CONS1 payments record --invoice FACT20262027000004 --amount 10 --mode cash --date 2027-08-02
  expect_rc 65
  expect_err "more than what is still due"
}

t_f_cancel_then_next_number() {
  run $AFTER treasury cancel 2 --reason "Rejet du comptable : IdPost inconnu"
  expect_rc 0
  expect_out "bordereau 2 (CONS1, 2027) cancelled: 3 TAV settlement(s) of 837,45 €"
  expect_out "will be bordereau 3"
  run $AFTER treasury cancel 2 --reason again
  expect_rc 65
  expect_err "was already cancelled"
  expect_eq "$(tav_rows)" "3:43118"
  run families statement F0003
  expect_out "Montant à payer : 174,25 €"
  run --json $AFTER --site CONS1 treasury export --out "$TEST_TMP/out/cons1-3.xml"
  expect_rc 0
  expect_eq "$(json '[.rows[0].bordereau, .counts.total_cents] | map(tostring) | join(":")')" "3:83745"
  valid "$TEST_TMP/out/cons1-3.xml"
  expect_eq "$(xv "$TEST_TMP/out/cons1-3.xml" IdBord)" "3"
  expect_eq "$(xv "$TEST_TMP/out/cons1-3.xml" IdPce | tr '\n' ' ')" "7 8 9 " "title numbers are never reused either"
  run --json $AFTER treasury list
  expect_eq "$(json '[.rows[] | "\(.bordereau):\(.state | split(" ")[0])"] | join(" ")')" \
    "3:exported 2:cancelled 1:exported"
  expect_out "Rejet du comptable : IdPost inconnu"
  run --json $AFTER treasury show 3
  expect_eq "$(json '[.rows[] | .invoice] | join(" ")')" "FACT20262027000001 FACT20262027000003 FACT20262027000005"
  expect_eq "$(json '[.rows[] | .family_ref] | join(" ")')" "F0001 F0003 F0005"
  expect_eq "$(json '.counts.total_cents')" "83745"
  run $AFTER treasury show 9
  expect_rc 65
  expect_err "no bordereau 9 in exercise 2027"
}

t_g_adversarial_debtors() {
  local long
  long=$(printf 'x%.0s' $(seq 300))
  sql "$URL" "UPDATE families SET last_name = 'O''Brien & <Sœur> Œdipe', first_name = 'Zoë-Ågot',
                                  address_line1 = 'Résidence « Les Tilleuls » ' || repeat('bât. C ', 45)
              WHERE external_ref = 'M0101';
              UPDATE families SET last_name = 'Lévêque-$long', city = repeat('Saint-Rémy ', 30)
              WHERE external_ref = 'M0103';
              UPDATE families SET first_name = NULL WHERE external_ref = 'M0104';" >/dev/null
  local file="$TEST_TMP/out/mantes.xml"
  run --json $AFTER --site MANTES treasury export --out "$file"
  expect_rc 1
  expect_eq "$(json '.rejected | length')" "1"
  expect_eq "$(json '.rejected[0].item')" "family M0104 (Hébert, site MANTES)"
  grep -qF "first name (Prenom) missing" <<<"$(json '.rejected[0].message')" || fail "the problem names the field"
  expect_eq "$(json '.counts.pieces')" "2"
  valid "$file"
  grep -qF "<Nom V=\"O'BRIEN ET SOEUR OEDIPE\"/>" "$file" || fail "apostrophe, & and < and œ"
  grep -qF '<Prenom V="ZOE-AGOT"/>' "$file" || fail "ë and Å"
  expect_eq "$(xv "$file" Nom | awk '{ print length($0) }' | sort -n | tail -1)" "38" "names cut to 38 characters"
  expect_eq "$(xv "$file" Adr2 | awk '{ print length($0) }' | sort -n | tail -1)" "38"
  expect_eq "$(sql "$URL" "SELECT last_name FROM families WHERE external_ref = 'M0101'")" "O'Brien & <Sœur> Œdipe" \
    "the database keeps the original spelling"
  expect_eq "$(sql "$URL" "SELECT due_cents FROM invoice_balances WHERE invoice_id = $(inv M0104)")" "5000" \
    "the rejected family's invoice stays due"
}

t_h_kill_before_commit() {
  sql "$URL" "UPDATE families SET first_name = 'Stéphane' WHERE external_ref = 'M0104'" >/dev/null
  local file="$TEST_TMP/out/m0104.xml" before
  before=$(tav_rows)
  IMUSE_ADMIN_FAULT=treasury-before-commit run $AFTER --site MANTES treasury export --out "$file"
  expect_rc 137
  [ ! -e "$file" ] || fail "a run killed before its commit published the file"
  expect_eq "$(tav_rows)" "$before" "no TAV settlement"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM treasury_batches WHERE site_id = $MANTES")" "1"
  run --json $AFTER --site MANTES treasury export --out "$file"
  expect_rc 0
  expect_eq "$(json '.details.recovery')" "removed"
  expect_eq "$(json '[.counts.pieces, .counts.total_cents, .rows[0].bordereau] | map(tostring) | join(":")')" "1:5000:2"
  valid "$file"
  expect_eq "$(xv "$file" MtBordHt)" "50.00"
}

t_i_kill_after_commit() {
  run $AFTER --site MANTES treasury cancel 2 --reason "test"
  expect_rc 0
  local file="$TEST_TMP/out/m0104-ter.xml"
  IMUSE_ADMIN_FAULT=treasury-after-commit run $AFTER --site MANTES treasury export --out "$file"
  expect_rc 137
  [ -e "$file.pending" ] || fail "the committed file waits under its pending name"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM payments p JOIN treasury_batches b ON b.id = p.treasury_batch_id
                           WHERE b.number = 3 AND b.site_id = $MANTES AND p.cancelled_at IS NULL")" "1" \
    "the settlement is committed"
  run --json $AFTER --site MANTES treasury export --out "$file"
  expect_rc 0
  expect_eq "$(json '.details.recovery')" "published"
  expect_eq "$(json '.counts.pieces')" "0" "nothing new"
  [ -e "$file" ] && [ ! -e "$file.pending" ] || fail "the pending file was not published"
  valid "$file"
  expect_eq "$(sql "$URL" "SELECT file_sha256 FROM treasury_batches WHERE number = 3 AND site_id = $MANTES")" \
    "$(sha256sum "$file" | cut -d' ' -f1)"
}

t_j_one_file_per_site_into_a_folder() {
  run $AFTER --site MANTES treasury cancel 3 --reason "test"
  run $AFTER --site CONS1 treasury cancel 3 --reason "test"
  mkdir -p "$TEST_TMP/out/dir"
  # Pending files: one of another export (left alone), one of a killed treasury run (removed).
  echo other >"$TEST_TMP/out/dir/PRLV_CONS1_2026-10-05_1.xml.pending"
  echo killed >"$TEST_TMP/out/dir/PES_CONS1_2027_9.xml.pending"
  run --json $AFTER treasury export --out "$TEST_TMP/out/dir"
  expect_rc 0
  expect_eq "$(json '.details.recovery')" "removed"
  [ -e "$TEST_TMP/out/dir/PRLV_CONS1_2026-10-05_1.xml.pending" ] || fail "another command's pending file was removed"
  rm -f "$TEST_TMP/out/dir/PRLV_CONS1_2026-10-05_1.xml.pending"
  expect_eq "$(json '[.rows[] | "\(.site):\(.bordereau):\(.pieces)"] | join(" ")')" "CONS1:4:3 MANTES:4:1"
  expect_eq "$(cd "$TEST_TMP/out/dir" && ls | tr '\n' ' ')" "PES_CONS1_2027_4.xml PES_MANTES_2027_4.xml "
  valid "$TEST_TMP/out/dir/PES_MANTES_2027_4.xml"
  expect_eq "$(xv "$TEST_TMP/out/dir/PES_MANTES_2027_4.xml" NomFic)" "PES_MANTES_2027_4.xml"
  expect_eq "$(tav_rows | cut -d: -f2)" "$(sql "$URL" "SELECT sum(total_cents) FROM treasury_batches WHERE state = 'exported'")"
}

run_tests
