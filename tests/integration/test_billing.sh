#!/usr/bin/env bash
# invoices generate / simulate / check / list / show on the sample school (config/samples, loaded
# as test_campaign.sh loads it) with the sample grid config/samples/tariffs.yaml. The t_* functions
# run in name order and share one database.
#
# Families' billing settings (payment_schedule, resident) belong to `families billing`, another
# command: this test sets them with SQL (psql), below.
#
# Every expected amount is derived here from the sample data and the grid:
#   grid: brackets A <= 500 < B <= 900 < C <= 1400 < D, no quotient -> D; residents 73200, 73400,
#   78200, Frontenex; Instrument res {A 150, B 210,40, C 270,80, D 331,25}; Formation Musicale
#   (department of the FM courses, which have no category) res {A 40, B 55, C 70,15, D 85};
#   Pratique collective res 35 / non-res 50; Danse res {.., C 210, D 255} non-res {.., C 315,
#   D 385}; Éveil res 95; siblings 2nd -10 %, 3rd and after -20 % (eldest first); fee 15 /family.
#
#   F0001 QF 1250 -> C, 73200 resident, schedule 3 (SQL):
#     Zoé (2014) FM 2C1 A 70,15 + Piano 2C1 270,80; Noël (2017, rank 2) FM 1C1 A 70,15 - 7,02
#     (10 % of 70,15 = 7,015, half up) = 63,13; fee 15 => 419,08 = 139,70 + 139,69 + 139,69
#   F0002 QF 820 -> B, resident: Ève Guitare B 210,40 + Chorale 35 + 15 => 260,40 (1 instalment)
#   F0003 QF 980 -> C, 73000 NOT resident, schedule 2 (SQL): Théo (2011) Orchestre 50;
#     Chloë (2016, rank 2) Danse 315 - 31,50 = 283,50; fee 15 => 348,50 = 174,25 + 174,25
#   F0004 QF 430 -> A, resident: Lou Violon 1C1 150 + 15 => 165,00
#   F0005 QF 1560 -> D, 73400 resident, schedule 9 (SQL), 3 students: Mathéo (2013) Piano 1C2
#     331,25; Capucine (2015, rank 2) Danse 255 - 25,50 = 229,50; Léonie (2019, rank 3, Éveil
#     musical added by SQL below) 95 - 19 = 76; fee 15 => 651,75 = 72,47 + 8 x 72,41
#     (65175 = 9 x 7241 + 6: the 6 remainder cents on the first), all direct debits
#   F0006 QF 1045 -> C, resident: Yanis Guitare A 270,80 + 15 => 285,80
#   M0101 QF 390 -> A, 78200 resident: Loïc (2013) Batterie 150; Maëlle (2016, rank 2) Éveil
#     95 - 9,50 = 85,50; fee 15 => 250,50
#   M0103 no QF -> D, 78711 NOT resident: Élise Danse contemporaine 385 + 15 => 400,00
#   M0104 QF 1120 -> C, 78200 but resident = false (SQL, overrides the address): Maxence
#     Atelier jazz non-res 50 + 15 => 65,00
#   Roussel, M0102, M0105: no 2026/2027 enrolment => no invoice.
#   Rentals (SQL, the rentals ledger): F0004 VIOLON per year x 1 = 120,00; F0002 SALLE per
#     term 2027-01-10..2027-05-30 covers terms 2 and 3: 2 x 25,50 = 51,00.
# => tuition: CONS1 419,08 + 260,40 + 348,50 + 165 + 651,75 + 285,80 = 2 130,53;
#    MANTES 250,50 + 400 + 65 = 715,50; rentals 171,00; total 3 017,03 in 11 invoices
#    (CONS1: 6 tuition + 2 rental = 8, numbered 1..8; MANTES: 3, numbered 1..3).
source "$(dirname "$0")/lib.sh"

SAMPLES="$IMUSE_SOURCE_DIR/config/samples"
TARIFFS="$SAMPLES/tariffs.yaml"
URL=$(school_database billing) || { echo "cannot create the test database"; exit 1; }
export IMUSE_ADMIN_DATABASE_URL=$URL
for step in "families import $SAMPLES/families.csv" "courses import $SAMPLES/courses.csv" \
  "enrolments import $SAMPLES/enrolments.csv"; do
  # shellcheck disable=SC2086
  "$IMUSE_ADMIN_BIN" -q $step >/dev/null || { echo "sample school: $step failed"; exit 1; }
done
fam() { printf "(SELECT id FROM families WHERE external_ref = '%s')" "$1"; }
# Billing settings, as `families billing` would set them; a third student for F0005; rentals.
sql "$URL" "UPDATE families SET payment_schedule = 3 WHERE external_ref = 'F0001';
            UPDATE families SET payment_schedule = 2 WHERE external_ref = 'F0003';
            UPDATE families SET payment_schedule = 9 WHERE external_ref = 'F0005';
            UPDATE families SET resident = false WHERE external_ref = 'M0104';
            INSERT INTO enrolments (student_id, course_id, school_year)
            SELECT s.id, c.id, '2026/2027' FROM students s, courses c JOIN sites x ON x.id = c.site_id
            WHERE s.first_name = 'Léonie' AND c.name = 'Éveil musical' AND x.code = 'CONS1';
            INSERT INTO rentals (family_id, student_id, school_year, item_kind, label, tariff_code, period)
            SELECT f.id, s.id, '2026/2027', 'instrument', 'Violon 1/2', 'VIOLON', 'year'
            FROM families f JOIN students s ON s.family_id = f.id WHERE f.external_ref = 'F0004';
            INSERT INTO rentals (family_id, school_year, item_kind, label, tariff_code, period, starts_on, ends_on)
            SELECT id, '2026/2027', 'room', 'Salle 12', 'SALLE', 'term', '2027-01-10', '2027-05-30'
            FROM families WHERE external_ref = 'F0002'" >/dev/null || { echo "billing settings failed"; exit 1; }

# total REF LEDGER: the family's net billed amount in cents (invoices - credit notes).
total() {
  sql "$URL" "SELECT COALESCE(sum(CASE WHEN kind = 'invoice' THEN total_cents ELSE -total_cents END), 0)
              FROM invoices WHERE family_id = $(fam "$1") AND ledger = '${2:-tuition}'"
}
# instalments REF: 'amount/due_on/direct_debit' of its first tuition invoice, space separated.
instalments() {
  sql "$URL" "SELECT string_agg(n.amount_cents || '/' || n.due_on || '/' || n.direct_debit, ' ' ORDER BY n.number)
              FROM instalments n JOIN invoices i ON i.id = n.invoice_id
              WHERE i.family_id = $(fam "$1") AND i.ledger = 'tuition' AND i.kind = 'invoice'
              AND i.id = (SELECT min(id) FROM invoices WHERE family_id = $(fam "$1") AND ledger = 'tuition')"
}
state() {
  sql "$URL" "SELECT (SELECT count(*) FROM invoices) || ':' || (SELECT count(*) FROM invoice_lines) || ':' ||
              (SELECT count(*) FROM instalments) || ':' || (SELECT COALESCE(sum(last_number), 0) FROM invoice_counters)"
}
sequences() {
  sql "$URL" "SELECT string_agg(sequence::text, ',' ORDER BY sequence) FROM invoices i JOIN sites s ON s.id = i.site_id
              WHERE s.code = '$1'"
}

t_a_help_and_usage() {
  local sub
  for sub in generate simulate check list show; do
    IMUSE_ADMIN_DATABASE_URL="" run invoices "$sub" --help
    expect_rc 0
    expect_out "Usage: imuse-admin invoices $sub"
  done
  run invoices generate --tariffs "$TARIFFS"
  expect_rc 64
  run invoices generate --year 2026 --tariffs "$TARIFFS"
  expect_rc 64
  expect_err "expected a school year such as 2026/2027"
  run invoices generate --year 2026/2027
  expect_rc 64
  expect_err "give --tariffs FILE or set billing.tariffs"
  run invoices generate --year 2027/2028 --tariffs "$TARIFFS"
  expect_rc 65
  expect_err "the grid is for 2026/2027, not for --year 2027/2028"
}

t_b_bad_grids_write_nothing() {
  local before
  before=$(state)
  sed 's/^  - name: Danse$/  - nom: Danse/' "$TARIFFS" >"$TEST_TMP/typo.yaml"
  run invoices generate --year 2026/2027 --tariffs "$TEST_TMP/typo.yaml" --date 2026-09-20
  expect_rc 65
  expect_err "typo.yaml:74:5: unknown key 'nom' in the category (did you mean 'name'?)"
  # Bracket A's Instrument price removed: Lou (F0004, QF 430 -> A, resident) plays Violon 1C1.
  sed 's/resident: {A: 150, B: 210.40/resident: {B: 210.40/' "$TARIFFS" >"$TEST_TMP/missing.yaml"
  run invoices generate --year 2026/2027 --tariffs "$TEST_TMP/missing.yaml" --date 2026-09-20
  expect_rc 65
  expect_err "no price for the course \"Violon 1C1\""
  expect_err "category \"Instrument\", bracket A, resident"
  expect_err "nothing was written"
  expect_eq "$(state)" "$before" "database unchanged"
  expect_eq "$before" "0:0:0:0" "nothing billed yet"
}

t_c_dry_run_counts_exactly_and_writes_nothing() {
  run --json --dry-run invoices generate --year 2026/2027 --tariffs "$TARIFFS" --date 2026-09-20
  expect_rc 0
  expect_eq "$(json '.counts.invoices')" "11"
  expect_eq "$(json '.counts.families_billed')" "9"
  expect_eq "$(json '.counts.billed_cents')" "301703"
  expect_eq "$(json '.dry_run')" "true"
  expect_eq "$(state)" "0:0:0:0" "dry run wrote nothing"
}

t_d_generate_bills_every_family_exactly() {
  run --json invoices generate --year 2026/2027 --tariffs "$TARIFFS" --date 2026-09-20
  expect_rc 0
  expect_eq "$(json '[.counts.families_billed, .counts.invoices, .counts.credit_notes, .counts.families_unchanged,
                      .counts.billed_cents] | map(tostring) | join(" ")')" "9 11 0 0 301703"
  expect_eq "$(total F0001)" "41908" "F0001: 2 students, C, resident"
  expect_eq "$(total F0002)" "26040" "F0002: 1 student, B"
  expect_eq "$(total F0003)" "34850" "F0003: 2 students, C, not resident"
  expect_eq "$(total F0004)" "16500" "F0004: 1 student, A"
  expect_eq "$(total F0005)" "65175" "F0005: 3 students, D, ranks 1-3"
  expect_eq "$(total F0006)" "28580" "F0006"
  expect_eq "$(total M0101)" "25050" "M0101: 2 students, A"
  expect_eq "$(total M0103)" "40000" "M0103: no quotient -> D, not resident"
  expect_eq "$(total M0104)" "6500" "M0104: resident = false overrides 78200"
  expect_eq "$(total F0004 rental)" "12000" "F0004 violin per year"
  expect_eq "$(total F0002 rental)" "5100" "F0002 room, 2 terms"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM invoices i JOIN families f ON f.id = i.family_id
                           WHERE f.external_ref IN ('F0007', 'M0102', 'M0105') OR f.external_ref IS NULL")" "0"
  expect_eq "$(instalments F0001)" "13970/2026-10-15/false 13969/2027-01-15/false 13969/2027-04-15/false"
  expect_eq "$(instalments F0003)" "17425/2026-10-15/false 17425/2027-02-15/false"
  expect_eq "$(instalments F0004)" "16500/2026-10-15/false"
  expect_eq "$(instalments F0005)" "7247/2026-10-05/true 7241/2026-11-05/true 7241/2026-12-05/true \
7241/2027-01-05/true 7241/2027-02-05/true 7241/2027-03-05/true 7241/2027-04-05/true 7241/2027-05-05/true \
7241/2027-06-05/true"
  # Every invoice's instalments sum exactly to its total, cents included.
  expect_eq "$(sql "$URL" "SELECT count(*) FROM invoices i WHERE total_cents <>
                           (SELECT sum(amount_cents) FROM instalments WHERE invoice_id = i.id)")" "0"
  # Lines: label, discount (sibling rank 3 of F0005: 20 % of 95,00), line key.
  expect_eq "$(sql "$URL" "SELECT label || '|' || unit_price_cents || '|' || discount_cents || '|' || amount_cents
                           FROM invoice_lines WHERE line_key LIKE 'course:%' AND student_id =
                           (SELECT id FROM students WHERE first_name = 'Léonie')")" \
    "Éveil musical — Léonie Dupré-Lagarde|9500|1900|7600"
  expect_eq "$(sequences CONS1)" "1,2,3,4,5,6,7,8"
  expect_eq "$(sequences MANTES)" "1,2,3"
  expect_eq "$(sql "$URL" "SELECT number || '|' || payfip_reference || '|' || issued_on || '|' || due_on || '|' ||
                           (tariff_digest = '$(sha256sum "$TARIFFS" | cut -c1-64)')
                           FROM invoices WHERE family_id = $(fam F0005)")" \
    "FACT20262027000007|FACT20262027000007|2026-09-20|2027-06-05|true"
  run invoices show FACT20262027000007 --site CONS1
  expect_rc 0
  expect_out "651,75 €"
  expect_out "2026-10-05 72,47 € (direct debit)"
  expect_out "Éveil musical — Léonie Dupré-Lagarde"
}

t_e_rerun_bills_nothing_twice() {
  local before
  before=$(state)
  run invoices generate --year 2026/2027 --tariffs "$TARIFFS" --date 2026-09-21
  expect_rc 0
  expect_out "0 invoices (0 correcting), 0 credit notes, 0 families billed, 9 families unchanged"
  expect_eq "$(state)" "$before"
}

t_f_changes_give_a_correcting_invoice_and_a_credit_note() {
  # Lou (F0004) adds FM 1C1 A (Formation Musicale, A, resident: 40,00); Noël (F0001) withdraws
  # from FM 1C1 A: his line (63,13) is credited; Zoé stays rank 1, so nothing else moves.
  sql "$URL" "INSERT INTO enrolments (student_id, course_id, school_year)
              SELECT s.id, c.id, '2026/2027' FROM students s, courses c
              WHERE s.first_name = 'Lou' AND c.name = 'FM 1C1 A';
              UPDATE enrolments SET withdrawn_on = '2026-11-10'
              WHERE student_id = (SELECT id FROM students WHERE first_name = 'Noël')" >/dev/null
  run --json invoices generate --year 2026/2027 --tariffs "$TARIFFS" --date 2026-11-20
  expect_rc 0
  expect_eq "$(json '[.counts.families_billed, .counts.invoices, .counts.correcting_invoices, .counts.credit_notes,
                      .counts.families_unchanged, .counts.billed_cents, .counts.credited_cents]
                     | map(tostring) | join(" ")')" "2 1 1 1 7 4000 6313"
  # F0001 (lower id) first: its credit note is number 9, F0004's correcting invoice number 10.
  expect_eq "$(sql "$URL" "SELECT i.number || '|' || i.total_cents || '|' || t.number || '|' || i.due_on
                           FROM invoices i JOIN invoices t ON t.id = i.corrects_invoice_id
                           WHERE i.kind = 'credit_note'")" \
    "FACT20262027000009|6313|FACT20262027000001|2026-11-20"
  expect_eq "$(total F0001)" "35595" "419,08 - 63,13"
  expect_eq "$(total F0004)" "20500" "165,00 + 40,00"
  # Schedule 1's only date (2026-10-15) is past: one instalment at 2026-11-20 + 30 days.
  expect_eq "$(sql "$URL" "SELECT i.number || '|' || string_agg(n.amount_cents || '/' || n.due_on, ' ')
                           FROM invoices i JOIN instalments n ON n.invoice_id = i.id
                           WHERE i.family_id = $(fam F0004) AND i.label LIKE '%complément' GROUP BY i.number")" \
    "FACT20262027000010|4000/2026-12-20"
  expect_eq "$(sequences CONS1)" "1,2,3,4,5,6,7,8,9,10" "gapless across runs"
  expect_eq "$(sql "$URL" "SELECT last_number FROM invoice_counters c JOIN sites s ON s.id = c.site_id
                           WHERE s.code = 'CONS1'")" "10"
  run invoices show FACT20262027000001 --site CONS1
  expect_out "credit_notes:"
  expect_out "FACT20262027000009"
  expect_out "355,95 €"
  # And again: nothing more.
  run --json invoices generate --year 2026/2027 --tariffs "$TARIFFS" --date 2026-11-21
  expect_eq "$(json '.counts.invoices + .counts.credit_notes')" "0"
}

t_g_check_is_clean_then_names_corruptions() {
  run invoices check --year 2026/2027
  expect_rc 0
  expect_out "no problem found"
  # A counter ahead of the invoices: number 11 is missing.
  sql "$URL" "UPDATE invoice_counters SET last_number = 11
              WHERE site_id = (SELECT id FROM sites WHERE code = 'CONS1')" >/dev/null
  run invoices check
  expect_rc 1
  expect_out "series FACT 2026/2027 of site CONS1: numbers missing (gap): 11"
  sql "$URL" "UPDATE invoice_counters SET last_number = 10
              WHERE site_id = (SELECT id FROM sites WHERE code = 'CONS1')" >/dev/null
  # An instalment changed behind the guard's back.
  sql "$URL" "ALTER TABLE instalments DISABLE TRIGGER instalments_guard;
              UPDATE instalments SET amount_cents = amount_cents + 1
              WHERE number = 2 AND invoice_id = (SELECT id FROM invoices WHERE family_id = $(fam F0005));
              ALTER TABLE instalments ENABLE TRIGGER instalments_guard" >/dev/null
  run --json invoices check --year 2026/2027 --site CONS1
  expect_rc 1
  expect_eq "$(json '.rejected[0].item')" "invoice FACT20262027000007 (site CONS1)"
  expect_eq "$(json '.rejected[0].message')" "its instalments sum to 651,76 €, its total is 651,75 €"
  sql "$URL" "ALTER TABLE instalments DISABLE TRIGGER instalments_guard;
              UPDATE instalments SET amount_cents = amount_cents - 1
              WHERE number = 2 AND invoice_id = (SELECT id FROM invoices WHERE family_id = $(fam F0005));
              ALTER TABLE instalments ENABLE TRIGGER instalments_guard" >/dev/null
  run invoices check
  expect_rc 0
}

t_h_simulate_shows_the_difference_and_writes_nothing() {
  local before
  before=$(state)
  # Instrument, bracket C, residents: 270,80 -> 280,80. Concerns Zoé's Piano 2C1 (F0001) and
  # Yanis's Guitare A (F0006): +10,00 each, +20,00 in all; every other row is unchanged.
  sed 's/C: 270.80/C: 280.80/' "$TARIFFS" >"$TEST_TMP/new.yaml"
  run invoices simulate --year 2026/2027 --tariffs "$TEST_TMP/new.yaml"
  expect_rc 0
  expect_out "CONS1;$(sql "$URL" "SELECT $(fam F0001)");F0001;Lefèvre Hélène;tuition;355.95;365.95;10.00"
  expect_out "CONS1;$(sql "$URL" "SELECT $(fam F0006)");F0006;Ben Saïd Leïla;tuition;285.80;295.80;10.00"
  expect_out "CONS1;$(sql "$URL" "SELECT $(fam F0004)");F0004;Girard Anaïs;rental;120.00;120.00;0.00"
  # Tuition now 2 130,53 - 63,13 + 40 + 715,50 = 2 822,90; rentals 171,00: 2 993,90.
  expect_out "TOTAL;;;;;2993.90;3013.90;20.00"
  run invoices simulate --year 2026/2027 --tariffs "$TEST_TMP/new.yaml" --kind tuition --out "$TEST_TMP/sim.json"
  expect_rc 0
  expect_eq "$(jq -r '.totals | [.rows, .changed, .difference] | map(tostring) | join(" ")' "$TEST_TMP/sim.json")" \
    "9 2 20.00"
  expect_eq "$(state)" "$before" "simulate writes nothing"
}

t_i_list_and_config_default() {
  run --json invoices list --year 2026/2027 --family "$(sql "$URL" "SELECT $(fam F0001)")"
  expect_rc 0
  expect_eq "$(json '[.rows[] | .number + ":" + .kind + ":" + .due] | join(" ")')" \
    "FACT20262027000001:invoice:355,95 € FACT20262027000009:credit_note:0,00 €"
  run invoices list --unpaid --ledger rental
  expect_rc 0
  expect_out "120,00 €"
  expect_out "51,00 €"
  printf 'billing:\n  tariffs: %s\n' "$TARIFFS" >"$TEST_TMP/config.yaml"
  IMUSE_ADMIN_CONFIG="$TEST_TMP/config.yaml" run invoices generate --year 2026/2027 --site MANTES --date 2026-11-22
  expect_rc 0
  expect_out "3 families unchanged"
  # Only the rentals ledger: the two families with a rental (F0002, F0004).
  run invoices generate --year 2026/2027 --kind rental --tariffs "$TARIFFS" --date 2026-11-22
  expect_rc 0
  expect_out "0 invoices (0 correcting), 0 credit notes, 0 families billed, 2 families unchanged"
  run invoices show FACT20262027999999
  expect_rc 65
  expect_err "no invoice FACT20262027999999"
}

t_j_generated_invoice_paid_in_the_ledger_and_printed() {
  # F0001's tuition after t_f: FACT20262027000001 (419,08 €, instalments 139,70 + 139,69 +
  # 139,69) less the credit note FACT20262027000009 for Noël's withdrawn FM 1C1 A (63,13 €):
  # 355,95 € billed net. A cheque of 100,00 € leaves 255,95 € to pay.
  run --site CONS1 payments record --invoice FACT20262027000001 --amount 100,00 --mode cheque \
    --date 2026-10-02 --ref "CHQ 1234567"
  expect_rc 0
  expect_out "Reste à payer : 255,95 €"
  run --json families statement F0001 --year 2026/2027 --ledger tuition
  expect_rc 0
  expect_eq "$(json '.sections[0].totals | [.billed_cents, .paid_cents, .balance_cents, .to_pay_cents] | map(tostring) | join(" ")')" \
    "35595 10000 -25595 25595"
  run families statement F0001 --year 2026/2027 --ledger tuition
  expect_out "Montant à payer : 255,95 €"
  expect_out "Solde : -255,95 €"

  run --site CONS1 invoices pdf --invoice FACT20262027000001 --out "$TEST_TMP/pdf"
  expect_rc 0
  local file="$TEST_TMP/pdf/FACT20262027000001.pdf" text needle
  qpdf --check "$file" >/dev/null 2>&1 || fail "qpdf --check fails on $file"
  text=$(pdftotext -layout "$file" - 2>/dev/null)
  for needle in FACT20262027000001 "Zoé Lefèvre" "Noël Lefèvre" "Piano 2C1" "Frais de dossier" "419,08 €" \
    "100,00 €" "139,70 €" "15/10/2026" "2026/2027"; do
    grep -qF -- "$needle" <<<"$text" || fail "the PDF's text lacks: $needle"
  done
  ! grep -q DUPLICATA <<<"$text" || fail "a first print says DUPLICATA"
  run --site CONS1 invoices pdf --invoice FACT20262027000001 --out "$TEST_TMP/pdf"
  expect_rc 0
  grep -q DUPLICATA <<<"$(pdftotext "$file" - 2>/dev/null)" || fail "a re-print lacks DUPLICATA"
  expect_eq "$(sql "$URL" "SELECT duplicata_count FROM invoices WHERE number = 'FACT20262027000001'
                           AND site_id = (SELECT id FROM sites WHERE code = 'CONS1')")" "1"
  # Without --site the year spans CONS1 and MANTES, whose numbers both start at 1: each site's
  # files go to a folder of their own, and none overwrites another.
  run invoices pdf --year 2026/2027 --out "$TEST_TMP/all"
  expect_rc 0
  [ -f "$TEST_TMP/all/CONS1/FACT20262027000001.pdf" ] && [ -f "$TEST_TMP/all/MANTES/FACT20262027000001.pdf" ] ||
    fail "no per-site folders: $(ls -R "$TEST_TMP/all" | head -5)"
  expect_eq "$(find "$TEST_TMP/all" -name '*.pdf' | wc -l)" \
    "$(sql "$URL" "SELECT count(*) FROM invoices WHERE school_year = '2026/2027' AND state = 'issued'")"
  # The receipt drew RECU20262027000001 from the counter series RECU: `check` counts it as
  # receipts numbering (gapless), not as a gap in the invoices' numbering.
  run invoices check --year 2026/2027
  expect_rc 0
  expect_out "no problem found"
  sql "$URL" "UPDATE invoice_counters SET last_number = last_number + 1 WHERE series = 'RECU'" >/dev/null
  run invoices check --year 2026/2027
  expect_rc 1
  expect_out "receipt numbers missing (gap): 2"
  sql "$URL" "UPDATE invoice_counters SET last_number = last_number - 1 WHERE series = 'RECU'" >/dev/null
}

run_tests
