#!/usr/bin/env bash
# Invoice and receipt PDFs on the sample school: invoices, lines, instalments and a payment made
# by SQL (make_invoices, until `invoices generate` and `payments record` write them), then
# `invoices pdf` and `receipts pdf`: what pdftotext shows (numbers, names with accents and œ,
# French amounts, due dates, DUPLICATA only on re-prints), qpdf --check on every file, a
# 60-line invoice on two pages, a file that cannot be written while the others are, the
# printed / duplicata marks in the database, identical bytes twice under SOURCE_DATE_EPOCH.
# The t_* functions run in name order and share one database.
source "$(dirname "$0")/lib.sh"

SAMPLES="$IMUSE_SOURCE_DIR/config/samples"
URL=$(school_database billing_pdf) || { echo "cannot create the test database"; exit 1; }
export IMUSE_ADMIN_DATABASE_URL=$URL
for step in "families import $SAMPLES/families.csv" "courses import $SAMPLES/courses.csv" \
  "enrolments import $SAMPLES/enrolments.csv"; do
  # shellcheck disable=SC2086
  "$IMUSE_ADMIN_BIN" -q $step >/dev/null || { echo "sample school: $step failed"; exit 1; }
done

cat >"$TEST_TMP/config.yaml" <<'EOF'
school:
  name: "École de musique et de danse d’Albertville"
  address: "1 place de l'Hôtel de Ville"
  postal_code: "73200"
  city: "Albertville"
  siret: "219 999 992 00015"
billing:
  payee: "Régie de recettes de l'EMD"
  iban: "FR76 1000 7000 0100 0000 0000 185"
  bic: "BDFEFRPPCCT"
  payfip_url: https://www.payfip.gouv.fr/
  legal_mentions: "Régie de recettes instituée par arrêté municipal"
EOF
export IMUSE_ADMIN_CONFIG="$TEST_TMP/config.yaml"

# make_invoices: three invoices of CONS1 for 2026/2027 and one payment, as `invoices generate`
# and `payments record` would write them (counters, numbers, line keys, instalments summing to
# the totals). Expected figures, from the amounts below:
#   FACT20262027000001, Hélène Lefèvre, tuition: Piano 2C1 (Zoé) 1 × 1 234,50 = 1 234,50;
#     FM 1C1 A (Noël) 1 × 180,00 − 18,00 = 162,00; total 1 396,50 in 3 instalments of 465,50
#     (15/10/2026, 15/01/2027, 15/04/2027); RECU20262027000001: 465,50 by cheque on 05/10/2026,
#     so 931,00 still due.
#   FACT20262027000002, the Œuvray family: Guitare B 310,00 + Chorale 1er cycle C 95,00 = 405,00
#     in 9 direct debits of 45,00.
#   FACT20262027000003, the Bézier family, rentals: 60 lines "Location partition n° k" of 1,00 for
#     Théo: 60,00, one instalment.
make_invoices() {
  sql "$URL" "
    INSERT INTO invoice_counters (site_id, school_year, series, last_number)
    SELECT id, '2026/2027', s, CASE s WHEN 'FACT' THEN 3 ELSE 1 END
    FROM sites, unnest(ARRAY['FACT', 'RECU']) s WHERE code = 'CONS1';
    INSERT INTO invoices (site_id, family_id, school_year, ledger, sequence, number, issued_on, due_on,
                          total_cents, label, payfip_reference)
    SELECT f.site_id, f.id, '2026/2027', v.ledger, v.seq, 'FACT20262027' || lpad(v.seq::text, 6, '0'),
           '2026-09-15', v.due, v.total, v.label, 'FACT20262027' || lpad(v.seq::text, 6, '0')
    FROM (VALUES ('F0001', 1, 'tuition', 139650, 'Cotisations 2026/2027', date '2027-04-15'),
                 ('F0002', 2, 'tuition', 40500, 'Cotisations 2026/2027', date '2027-06-05'),
                 ('F0003', 3, 'rental', 6000, 'Locations 2026/2027 : partitions', date '2026-10-15'))
         AS v(ref, seq, ledger, total, label, due)
    JOIN families f ON f.external_ref = v.ref;
    INSERT INTO invoice_lines (invoice_id, position, label, student_id, course_id, quantity, unit_price_cents,
                               discount_cents, amount_cents, line_key)
    SELECT i.id, v.pos, v.course || ' (' || s.first_name || ')', s.id, c.id, 1, v.unit, v.discount,
           v.unit - v.discount, 'course:' || c.id || ':student:' || s.id
    FROM (VALUES (1, 1, 'Zoé', 'Piano 2C1', 123450, 0), (1, 2, 'Noël', 'FM 1C1 A', 18000, 1800),
                 (2, 1, 'Ève', 'Guitare B', 31000, 0), (2, 2, 'Ève', 'Chorale 1er cycle C', 9500, 0))
         AS v(seq, pos, student, course, unit, discount)
    JOIN invoices i ON i.sequence = v.seq
    JOIN students s ON s.family_id = i.family_id AND s.first_name = v.student
    JOIN courses c ON c.name = v.course AND c.site_id = i.site_id;
    INSERT INTO invoice_lines (invoice_id, position, label, student_id, quantity, unit_price_cents, amount_cents)
    SELECT i.id, k, 'Location partition n° ' || k, s.id, 1, 100, 100
    FROM invoices i JOIN students s ON s.family_id = i.family_id AND s.first_name = 'Théo',
         generate_series(1, 60) k
    WHERE i.sequence = 3;
    INSERT INTO instalments (invoice_id, number, due_on, amount_cents, direct_debit)
    SELECT i.id, n, d, a, dd FROM invoices i JOIN (VALUES
      (1, 1, date '2026-10-15', 46550, false), (1, 2, date '2027-01-15', 46550, false),
      (1, 3, date '2027-04-15', 46550, false), (3, 1, date '2026-10-15', 6000, false)) v(seq, n, d, a, dd)
      ON i.sequence = v.seq;
    INSERT INTO instalments (invoice_id, number, due_on, amount_cents, direct_debit)
    SELECT i.id, n, (date '2026-10-05' + (n - 1) * interval '1 month')::date, 4500, true
    FROM invoices i, generate_series(1, 9) n WHERE i.sequence = 2;
    INSERT INTO payments (invoice_id, instalment_id, amount_cents, mode, paid_on, reference, operation_number)
    SELECT i.id, t.id, 46550, 'cheque', '2026-10-05', '1234567', 'RECU20262027000001'
    FROM invoices i JOIN instalments t ON t.invoice_id = i.id AND t.number = 1 WHERE i.sequence = 1;
  " >/dev/null
}
make_invoices || { echo "make_invoices failed"; exit 1; }
[ "$(sql "$URL" "SELECT count(*) FROM invoices")" = 3 ] || { echo "make_invoices made no invoices"; exit 1; }

text_of() { pdftotext -layout "$1" - 2>/dev/null; }
# expect_text FILE STRING...: pdftotext of FILE contains every STRING.
expect_text() {
  local file=$1 s t
  shift
  t=$(text_of "$file")
  for s in "$@"; do
    grep -qF -- "$s" <<<"$t" || fail "$(basename "$file") does not show: $s"
  done
}
no_text() { ! text_of "$1" | grep -qF -- "$2" || fail "$(basename "$1") should not show: $2"; }
qpdf_ok() {
  local f
  for f in "$@"; do qpdf --check "$f" >/dev/null 2>&1 || fail "qpdf --check fails on $f"; done
}
duplicata_counts() { sql "$URL" "SELECT string_agg(duplicata_count::text, ' ' ORDER BY sequence) FROM invoices"; }

t_a_help_and_usage() {
  IMUSE_ADMIN_DATABASE_URL="" run invoices pdf --help
  expect_rc 0
  expect_out "--unprinted"
  IMUSE_ADMIN_DATABASE_URL="" run receipts pdf --help
  expect_rc 0
  expect_out "--receipt"
  run invoices pdf --out "$TEST_TMP/x"
  expect_rc 64
  expect_err "give exactly one of --invoice, --family, --year, --unprinted"
  run invoices pdf --year 2026/2027 --unprinted --out "$TEST_TMP/x"
  expect_rc 64
  run invoices pdf --year 2026 --out "$TEST_TMP/x"
  expect_rc 64
  expect_err "expected a school year such as 2026/2027"
  run receipts pdf --unprinted
  expect_rc 64
}

t_b_first_print_shows_the_invoice() {
  local dir=$TEST_TMP/first
  run invoices pdf --year 2026/2027 --out "$dir"
  expect_rc 0
  expect_out "wrote 3 PDF files"
  [ -f "$dir/FACT20262027000001.pdf" ] && [ -f "$dir/FACT20262027000002.pdf" ] && [ -f "$dir/FACT20262027000003.pdf" ] ||
    fail "expected FACT20262027000001.pdf to …03.pdf in $dir: $(ls "$dir")"
  qpdf_ok "$dir"/*.pdf
  expect_text "$dir/FACT20262027000001.pdf" "FACTURE" "FACT20262027000001" "Mme Hélène Lefèvre" "12 rue de l'Église" \
    "73200 Albertville" "Piano 2C1 (Zoé)" "Zoé Lefèvre" "Noël Lefèvre" "1 234,50 €" "18,00 €" "162,00 €" \
    "1 396,50 €" "465,50 €" "931,00 €" "15/10/2026" "15/01/2027" "15/04/2027" "2026/2027" "Cotisations" \
    "École de musique et de danse" "d’Albertville" "SIRET 219 999 992 00015" "« FACT20262027000001 »" \
    "IBAN FR76 1000 7000 0100 0000 0000 185" "Régie de recettes de l'EMD" "Page 1/1"
  no_text "$dir/FACT20262027000001.pdf" "DUPLICATA"
  expect_text "$dir/FACT20262027000002.pdf" "Œuvray" "Ève Œuvray" "405,00 €" "45,00 €" "05/06/2027" "9/9" \
    "prélèvement automatique"
  # Every character comes back from the embedded fonts: subsets, Identity-H, ToUnicode.
  pdffonts "$dir/FACT20262027000001.pdf" | grep -qE '^[A-Z]{6}\+DejaVuSans +CID TrueType +Identity-H +yes +yes +yes' ||
    fail "DejaVu Sans is not an embedded Identity-H subset with ToUnicode: $(pdffonts "$dir/FACT20262027000001.pdf")"
  pdfinfo "$dir/FACT20262027000001.pdf" | grep -q "^Title: *Facture FACT20262027000001" || fail "no title"
  pdfinfo "$dir/FACT20262027000001.pdf" | grep -q "^Author: *École de musique" || fail "no author"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM invoices WHERE printed_at IS NOT NULL")" 3 "printed invoices"
  expect_eq "$(duplicata_counts)" "0 0 0" "duplicata counts"
}

t_c_sixty_lines_take_two_pages() {
  local f=$TEST_TMP/first/FACT20262027000003.pdf
  expect_eq "$(pdfinfo "$f" | awk '/^Pages:/ {print $2}')" 2 "pages of the 60-line invoice"
  expect_text "$f" "Page 1/2" "Page 2/2" "Location partition n° 1 " "Location partition n° 60" "60,00 €" \
    "Facture FACT20262027000003 (suite)"
  # The table header is repeated on the second page.
  expect_eq "$(pdftotext -f 2 -l 2 "$f" - | grep -c "Désignation")" 1 "table header on page 2"
}

t_d_reprint_is_a_duplicata() {
  local dir=$TEST_TMP/again
  run invoices pdf --invoice FACT20262027000001 --out "$dir"
  expect_rc 0
  qpdf_ok "$dir/FACT20262027000001.pdf"
  expect_text "$dir/FACT20262027000001.pdf" "DUPLICATA" "FACT20262027000001" "1 396,50 €"
  expect_eq "$(duplicata_counts)" "1 0 0" "duplicata counts after one re-print"
  # --duplicata marks a never-printed invoice too (none is left: use the flag on invoice 2).
  run invoices pdf --family "$(sql "$URL" "SELECT family_id FROM invoices WHERE sequence = 2")" --duplicata --out "$dir"
  expect_rc 0
  expect_text "$dir/FACT20262027000002.pdf" "DUPLICATA"
  expect_eq "$(duplicata_counts)" "1 1 0" "duplicata counts"
}

t_e_one_failure_does_not_stop_the_batch() {
  local dir=$TEST_TMP/blocked
  mkdir -p "$dir/FACT20262027000002.pdf"
  run invoices pdf --year 2026/2027 --out "$dir"
  expect_rc 1
  expect_out "FACT20262027000002"
  expect_out "Is a directory"
  [ -f "$dir/FACT20262027000001.pdf" ] && [ -f "$dir/FACT20262027000003.pdf" ] || fail "the other invoices were not written"
  qpdf_ok "$dir/FACT20262027000001.pdf" "$dir/FACT20262027000003.pdf"
  [ -z "$(find "$dir" -name '*.tmp-*')" ] || fail "temporary files left: $(ls -a "$dir")"
  # Only what was written counts as printed again.
  expect_eq "$(duplicata_counts)" "2 1 1" "duplicata counts after the partial run"
  run --json invoices pdf --year 2026/2027 --out "$dir"
  expect_rc 1
  expect_eq "$(json '.counts.invoices'),$(json '.counts.written'),$(json '.rejected | length')" "3,2,1" "json counts"
}

t_f_dry_run_writes_nothing() {
  local dir=$TEST_TMP/dry
  run --dry-run invoices pdf --year 2026/2027 --out "$dir"
  expect_rc 0
  expect_out "no file written"
  [ -z "$(ls -A "$dir" 2>/dev/null)" ] || fail "dry run wrote $(ls "$dir")"
  # 3 1 2: as the json run of t_e left them (invoices 1 and 3 written again, 2 blocked).
  expect_eq "$(duplicata_counts)" "3 1 2" "duplicata counts unchanged by the dry run"
}

t_g_receipts() {
  local dir=$TEST_TMP/receipts
  run receipts pdf --unprinted --out "$dir"
  expect_rc 0
  local f=$dir/RECU20262027000001.pdf
  qpdf_ok "$f"
  expect_text "$f" "REÇU" "RECU20262027000001" "Mme Hélène Lefèvre" "465,50 €" "05/10/2026" "Chèque" "1234567" \
    "FACT20262027000001" "1 396,50 €" "931,00 €" "Cotisations 2026/2027"
  no_text "$f" "DUPLICATA"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM payments WHERE receipt_printed_at IS NOT NULL")" 1 "printed receipts"
  run receipts pdf --unprinted --out "$dir"
  expect_rc 0
  expect_out "receipts: 0"
  run receipts pdf --receipt RECU20262027000001 --out "$dir"
  expect_rc 0
  expect_text "$f" "DUPLICATA" "RECU20262027000001"
  mkdir -p "$dir/blocked/RECU20262027000001.pdf"
  run receipts pdf --payment "$(sql "$URL" "SELECT id FROM payments")" --out "$dir/blocked"
  expect_rc 1
  expect_out "RECU20262027000001"
}

t_h_same_bytes_with_source_date_epoch() {
  SOURCE_DATE_EPOCH=1790000000 run invoices pdf --invoice FACT20262027000002 --out "$TEST_TMP/e1"
  expect_rc 0
  SOURCE_DATE_EPOCH=1790000000 run invoices pdf --invoice FACT20262027000002 --out "$TEST_TMP/e2"
  expect_rc 0
  cmp -s "$TEST_TMP/e1/FACT20262027000002.pdf" "$TEST_TMP/e2/FACT20262027000002.pdf" ||
    fail "two renderings with SOURCE_DATE_EPOCH differ"
  pdfinfo "$TEST_TMP/e1/FACT20262027000002.pdf" | grep -q "^CreationDate: *Mon Sep 21 14:13:20 2026 UTC" ||
    fail "CreationDate is not SOURCE_DATE_EPOCH: $(pdfinfo "$TEST_TMP/e1/FACT20262027000002.pdf" | grep Date)"
  # Two threads give the same files as one.
  SOURCE_DATE_EPOCH=1790000000 run invoices pdf --year 2026/2027 --jobs 2 --out "$TEST_TMP/e3"
  expect_rc 0
  SOURCE_DATE_EPOCH=1790000000 run invoices pdf --year 2026/2027 --jobs 1 --out "$TEST_TMP/e4"
  expect_rc 0
  local n
  for n in 1 2 3; do
    cmp -s "$TEST_TMP/e3/FACT2026202700000$n.pdf" "$TEST_TMP/e4/FACT2026202700000$n.pdf" ||
      fail "FACT2026202700000$n.pdf differs between --jobs 2 and --jobs 1"
  done
}

run_tests
