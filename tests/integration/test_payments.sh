#!/usr/bin/env bash
# Payments, the family statement, billing settings and rentals on the sample school
# (config/samples): a cheque lowers what is left to pay by exactly its amount, overpayments and
# unknown invoices are refused with nothing written, a bank statement is imported (refused whole
# with an unmatched line, imported with --on-error skip, idempotent on re-import), receipt
# numbers are gapless, a cancelled payment makes the invoice due again, billing settings are set
# and audited, rentals re-import to the same rows, and the statement's JSON says what its text says.
# Each t_* function uses its own database.
source "$(dirname "$0")/lib.sh"

SAMPLES="$IMUSE_SOURCE_DIR/config/samples"

# The invoices of the sample school, written with SQL until `invoices generate` exists (the lead
# replaces this function with it). On CONS1, school year 2026/2027:
#   FACT20262027000001  F0001 tuition  Piano 2C1 (Zoé) 250,00 + FM 2C1 A (Zoé) 80,00 − 30,00 discount
#                       = 300,00 €, three instalments of 100,00 €
#   FACT20262027000002  F0003 tuition  Saxophone 1C3 (Théo) 180,00 €, one instalment
#   FACT20262027000003  F0005 tuition  3 × 140,00 = 420,00 €, three instalments of 140,00 €
#   FACT20262027000004  F0001 rental   Violon 1/2 (rental VIO-034 of rentals.csv) 90,00 €
#   FACT20262027000005  F0001 credit note of 20,00 € on FACT20262027000001
# So F0001's tuition ledger 2026/2027 bills 300,00 − 20,00 = 280,00 €, and 280,00 € are due on
# FACT20262027000001 (total − credit note).
# insert_invoices KIND: the SQL inserting the rows of temp table inv of that kind.
insert_invoices() {
  printf '%s' "INSERT INTO invoices (site_id, family_id, school_year, ledger, kind, series, sequence, number,
                          corrects_invoice_id, issued_on, due_on, total_cents, label, payfip_reference)
    SELECT f.site_id, f.id, '2026/2027', v.ledger, v.kind, 'FACT', v.seq,
           'FACT20262027' || lpad(v.seq::text, 6, '0'),
           (SELECT i.id FROM invoices i WHERE i.number = 'FACT20262027' || lpad(v.corrects::text, 6, '0')),
           DATE '2026-10-01', DATE '2026-10-31', v.total, v.label,
           CASE WHEN v.kind = 'invoice' THEN 'FACT20262027' || lpad(v.seq::text, 6, '0') END
    FROM inv v JOIN families f ON f.external_ref = v.ref WHERE v.kind = '$1' ORDER BY v.seq;"
}
make_invoices() {
  sql "$1" "
    INSERT INTO invoice_counters (site_id, school_year, series, last_number)
    SELECT id, '2026/2027', 'FACT', 5 FROM sites WHERE code = 'CONS1';
    CREATE TEMP TABLE inv (seq int, ref text, ledger text, kind text, total bigint, label text, corrects int);
    INSERT INTO inv VALUES
      (1, 'F0001', 'tuition', 'invoice', 30000, 'Cotisations 2026/2027', NULL),
      (2, 'F0003', 'tuition', 'invoice', 18000, 'Cotisations 2026/2027', NULL),
      (3, 'F0005', 'tuition', 'invoice', 42000, 'Cotisations 2026/2027', NULL),
      (4, 'F0001', 'rental', 'invoice', 9000, 'Locations 2026/2027', NULL),
      (5, 'F0001', 'tuition', 'credit_note', 2000, 'Avoir sur FACT20262027000001', 1);
    $(insert_invoices invoice)
    -- Credit notes next: they name the invoice they correct.
    $(insert_invoices credit_note)
    INSERT INTO invoice_lines (invoice_id, position, label, student_id, rental_id, quantity, unit_price_cents,
                               discount_cents, amount_cents, line_key)
    SELECT i.id, l.pos, l.label, s.id, r.id, l.qty, l.unit, l.discount, l.qty * l.unit - l.discount,
           CASE WHEN r.id IS NOT NULL THEN 'rental:' || r.id ELSE 'fee:' || l.code || ':student:' || s.id END
    FROM (VALUES (1, 1, 'Piano 2C1', 'PIANO', 'Zoé', NULL, 1, 25000, 0),
                 (1, 2, 'FM 2C1 A', 'FM', 'Zoé', NULL, 1, 8000, 3000),
                 (2, 1, 'Saxophone 1C3', 'SAXO', 'Théo', NULL, 1, 18000, 0),
                 (3, 1, 'Cotisation', 'COTIS', 'Mathéo', NULL, 3, 14000, 0),
                 (4, 1, 'Violon 1/2', NULL, 'Noël', 'VIO-034', 1, 9000, 0),
                 (5, 1, 'Avoir FM 2C1 A', 'FM', 'Zoé', NULL, 1, 2000, 0))
         AS l(seq, pos, label, code, student, item, qty, unit, discount)
    JOIN invoices i ON i.number = 'FACT20262027' || lpad(l.seq::text, 6, '0')
    JOIN students s ON s.family_id = i.family_id AND s.first_name = l.student
    LEFT JOIN rentals r ON r.item_ref = l.item AND r.school_year = '2026/2027';
    INSERT INTO instalments (invoice_id, number, due_on, amount_cents)
    SELECT i.id, n, DATE '2026-10-31' + (n - 1) * 30, i.total_cents / k
    FROM (VALUES (1, 3), (2, 1), (3, 3), (4, 1)) AS v(seq, k)
    JOIN invoices i ON i.number = 'FACT20262027' || lpad(v.seq::text, 6, '0'), generate_series(1, v.k) AS n;" \
    >/dev/null
}

# A migrated database with the sample families, the sample rentals and the invoices above.
billing_school() {
  local url
  url=$(school_database "$1") || return 1
  "$IMUSE_ADMIN_BIN" --database "$url" -q families import "$SAMPLES/families.csv" >/dev/null &&
    "$IMUSE_ADMIN_BIN" --database "$url" -q rentals import "$SAMPLES/rentals.csv" >/dev/null &&
    make_invoices "$url" &&
    printf '%s\n' "$url"
}

# to_pay URL FAMILY LEDGER: "Montant à payer" of the 2026/2027 ledger, in cents, from --json.
to_pay() {
  "$IMUSE_ADMIN_BIN" --database "$1" --json families statement "$2" --year 2026/2027 --ledger "$3" |
    jq -r '.sections[0].totals.to_pay_cents'
}
payments_state() { sql "$1" "SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM payments"; }
receipt_counter() {
  sql "$1" "SELECT coalesce((SELECT last_number FROM invoice_counters WHERE series = 'RECU'), 0)"
}

t_a_help_and_usage_errors_need_no_database() {
  local sub
  for sub in "payments record" "payments import" "payments list" "payments cancel" "rentals import" \
    "rentals list" "families statement" "families billing"; do
    # shellcheck disable=SC2086
    run $sub --help
    expect_rc 0
    expect_out "Usage: imuse-admin $sub"
  done
  run payments record --invoice FACT20262027000001 --amount 24 --mode tav --date 05/10/2026
  expect_rc 64
  expect_err "TAV (transfer to the Trésor Public) is recorded only by the treasury export"
  run payments record --invoice FACT20262027000001 --amount 24,001 --mode cheque --date 05/10/2026
  expect_rc 64
  expect_err "expected a positive amount such as 24,00 or 24.00, got \"24,001\""
  run payments record --invoice FACT20262027000001 --amount 24 --mode cheque --date 31/02/2026
  expect_rc 64
  expect_err "expected a date such as 05/10/2026"
  run families billing F0001 --schedule 4
  expect_rc 64
}

t_b_a_cheque_lowers_the_balance_by_its_amount() {
  local url before after
  url=$(billing_school cheque) || return
  before=$(to_pay "$url" F0001 tuition)
  # 300,00 − 20,00 (credit note), nothing paid yet.
  expect_eq "$before" "28000" "to pay before"
  run --database "$url" payments record --invoice FACT20262027000001 --amount 24,00 --mode cheque \
    --date 05/10/2026 --ref "CHQ 4471203"
  expect_rc 0
  expect_out "receipt RECU20262027000001: 24,00 € (Chèque) on invoice FACT20262027000001; Reste à payer : 256,00 €"
  after=$(to_pay "$url" F0001 tuition)
  expect_eq "$((before - after))" "2400" "Montant à payer drops by the cheque"
  run --database "$url" families statement F0001 --year 2026/2027 --ledger tuition
  expect_rc 0
  expect_out "Facturation cotisations 2026/2027"
  expect_out "Montant total facturé : 280,00 €"
  expect_out "Montant total réglé : 24,00 €"
  expect_out "Solde : -256,00 €"
  expect_out "Montant à payer : 256,00 €"
  # The ledger rows: the invoice (debit, with its 30,00 € discount), the credit note and the cheque.
  grep -qE '^01/10/2026 +FACT20262027000001 +Cotisations 2026/2027 +300,00 € +30,00 €$' <<<"$out" ||
    fail "invoice row"
  grep -qE '^05/10/2026 +Chèque +RECU20262027000001 +Règlement facture FACT20262027000001 +24,00 €$' <<<"$out" ||
    fail "cheque row"
  expect_eq "$(sql "$url" "SELECT mode || ' ' || paid_on || ' ' || reference || ' ' || (recorded_by IS NOT NULL)
                           FROM payments")" "cheque 2026-10-05 CHQ 4471203 true"
  # The rentals ledger is another section, untouched by the tuition cheque.
  expect_eq "$(to_pay "$url" F0001 rental)" "9000"
}

t_c_overpayment_is_refused_with_nothing_written() {
  local url before
  url=$(billing_school overpay) || return
  before=$(payments_state "$url")
  # 280,00 € are due on FACT20262027000001: one cent more is refused.
  run --database "$url" payments record --invoice FACT20262027000001 --amount 280,01 --mode card --date 05/10/2026
  expect_rc 65
  expect_err "--amount 280,01 € is more than what is still due on invoice FACT20262027000001: 280,00 €"
  expect_eq "$(payments_state "$url")" "$before" "no payment written"
  expect_eq "$(receipt_counter "$url")" "0" "no receipt number drawn"
  run --database "$url" payments record --invoice FACT20262027000001 --amount 280.00 --mode card --date 05/10/2026
  expect_rc 0
  expect_out "Reste à payer : 0,00 €"
  run --database "$url" payments record --invoice FACT20262027000001 --amount 10 --mode cash --date 06/10/2026 \
    --allow-overpayment --json
  expect_rc 0
  expect_eq "$(json '.details.receipt')" "RECU20262027000002"
  expect_eq "$(to_pay "$url" F0001 tuition)" "0" "never negative"
  run --database "$url" --json families statement F0001 --year 2026/2027 --ledger tuition
  expect_eq "$(json '.sections[0].totals.balance_cents')" "1000" "overpaid by 10,00 €"
}

t_d_unknown_invoices_and_credit_notes_are_refused_clearly() {
  local url
  url=$(billing_school badinvoice) || return
  run --database "$url" payments record --invoice FACT20262027000099 --amount 24 --mode cheque --date 05/10/2026
  expect_rc 65
  expect_err "--invoice \"FACT20262027000099\": no invoice with that number or PayFIP reference"
  run --database "$url" payments record --invoice FACT20262027000005 --amount 24 --mode cheque --date 05/10/2026
  expect_rc 65
  expect_err "FACT20262027000005 is a credit note (avoir), not an invoice"
  run --database "$url" --site MANTES payments record --invoice FACT20262027000001 --amount 24 --mode cheque \
    --date 05/10/2026
  expect_rc 65
  expect_err "no invoice with that number or PayFIP reference on site MANTES"
  run --database "$url" payments record --invoice FACT20262027000001 --amount 24 --mode cheque --date 05/10/2026 \
    --instalment 4
  expect_rc 65
  expect_err "--instalment 4: invoice FACT20262027000001 has no such instalment (its instalments: 1, 2, 3)"
  expect_eq "$(sql "$url" "SELECT count(*) FROM payments")" "0"
  run --database "$url" payments record --invoice FACT20262027000001 --amount 100 --mode direct-debit \
    --date 31/10/2026 --instalment 1
  expect_rc 0
  expect_eq "$(sql "$url" "SELECT p.mode || ' ' || t.number FROM payments p JOIN instalments t ON t.id = p.instalment_id")" \
    "direct_debit 1"
}

t_e_bank_statement_import() {
  local url
  url=$(billing_school import) || return
  cp "$SAMPLES/payments.csv" "$TEST_TMP/releve.csv"
  # Line 5 names no invoice: without --on-error skip nothing is written.
  run --database "$url" payments import "$TEST_TMP/releve.csv"
  expect_rc 65
  expect_err "releve.csv:5:2: \"Libellé\": no invoice number or PayFIP reference (such as FACT20262027000012) in \"VIR SEPA INCONNU COTISATION\""
  expect_eq "$(sql "$url" "SELECT count(*) FROM payments")" "0" "nothing written"
  expect_eq "$(receipt_counter "$url")" "0"
  [ ! -e "$TEST_TMP/releve.rejects.csv" ] || fail "no reject file without --on-error skip"

  # A dry run gives the exact counts and writes nothing (no payment, no receipt number, no reject file).
  run --database "$url" --dry-run payments import "$TEST_TMP/releve.csv" --on-error skip --json
  expect_rc 1
  expect_eq "$(json '[.counts.recorded, .counts.rejected_rows] | map(tostring) | join(" ")')" "3 1"
  expect_eq "$(sql "$url" "SELECT count(*) FROM payments")/$(receipt_counter "$url")" "0/0" "dry run"
  [ ! -e "$TEST_TMP/releve.rejects.csv" ] || fail "no reject file with --dry-run"

  run --database "$url" payments import "$TEST_TMP/releve.csv" --on-error skip --json
  expect_rc 1
  expect_eq "$(json '[.counts.rows, .counts.recorded, .counts.recorded_cents, .counts.already_recorded, .counts.rejected_rows] | map(tostring) | join(" ")')" \
    "4 3 17400 0 1"
  # 24,00 + 50,00 + 100,00 = 174,00 € on the three invoices the labels name (one of them split
  # "FACT 20262027000003" by the bank), each with its receipt, in file order.
  expect_eq "$(sql "$url" "SELECT string_agg(i.number || ' ' || p.amount_cents || ' ' || p.mode || ' ' || p.operation_number || ' ' || p.import_key, ', ' ORDER BY p.id)
                           FROM payments p JOIN invoices i ON i.id = p.invoice_id")" \
    "FACT20262027000001 2400 transfer RECU20262027000001 bank:BQ-2026-100231, FACT20262027000002 5000 payfip RECU20262027000002 bank:PF20261006-7781, FACT20262027000003 10000 cheque RECU20262027000003 bank:BQ-2026-100298"
  expect_eq "$(cat "$TEST_TMP/releve.rejects.csv")" "$(sed -n '1p;5p' "$SAMPLES/payments.csv")" \
    "the reject file holds the header and the unmatched line"

  # The same statement again records nothing twice.
  run --database "$url" payments import "$TEST_TMP/releve.csv" --on-error skip --json
  expect_rc 1
  expect_eq "$(json '[.counts.recorded, .counts.already_recorded, .counts.rejected_rows] | map(tostring) | join(" ")')" \
    "0 3 1"
  expect_eq "$(sql "$url" "SELECT count(*) FROM payments")" "3"

  # Without operation ids, lines are keyed on their content: two identical cheques are two
  # payments, and re-importing them adds nothing. An overpaying line is reported, not recorded:
  # 130,00 € are left on FACT20262027000002 (180,00 − 50,00).
  printf 'Date;Référence;Montant\n10/10/2026;CHQ FACT20262027000003;20,00\n10/10/2026;CHQ FACT20262027000003;20,00\n11/10/2026;FACT20262027000002;130,01\n' \
    >"$TEST_TMP/cheques.csv"
  run --database "$url" payments import "$TEST_TMP/cheques.csv" --mode cheque --on-error skip --json
  expect_rc 1
  expect_eq "$(json '[.counts.recorded, .counts.rejected_rows] | map(tostring) | join(" ")')" "2 1"
  expect_eq "$(json '.rejected[0].item + " " + .rejected[0].message')" \
    "$TEST_TMP/cheques.csv:4:3 \"Montant\": 130,01 € is more than what is still due on invoice FACT20262027000002: 130,00 € (overpayment not recorded; record it with 'payments record --allow-overpayment' if it is right)"
  run --database "$url" payments import "$TEST_TMP/cheques.csv" --mode cheque --on-error skip --json
  expect_eq "$(json '[.counts.recorded, .counts.already_recorded] | map(tostring) | join(" ")')" "0 2"

  # Receipt numbers are gapless: RECU…000001 to …000005 for the five payments, then a manual one is 6.
  run --database "$url" payments record --invoice FACT20262027000003 --amount 5 --mode cash --date 12/10/2026
  expect_rc 0
  expect_eq "$(sql "$url" "SELECT count(*) || ' ' || count(DISTINCT operation_number) || ' ' || max(operation_number)
                           || ' ' || bool_and(operation_number = 'RECU20262027' || lpad(rn::text, 6, '0'))
                           FROM (SELECT operation_number, row_number() OVER (ORDER BY id) AS rn FROM payments) p")" \
    "6 6 RECU20262027000006 true"
  expect_eq "$(receipt_counter "$url")" "6"
  # A refused import draws no number: the next receipt is still 7.
  run --database "$url" payments import "$TEST_TMP/cheques.csv" --mode cheque
  expect_rc 65
  expect_eq "$(receipt_counter "$url")" "6"
}

t_f_cancel_makes_the_invoice_due_again() {
  local url id before
  url=$(billing_school cancel) || return
  before=$(to_pay "$url" F0003 tuition)
  expect_eq "$before" "18000"
  run --database "$url" --json payments record --invoice FACT20262027000002 --amount 60 --mode cheque --date 05/10/2026
  id=$(json '.details.payment_id')
  expect_eq "$(to_pay "$url" F0003 tuition)" "12000"
  run --database "$url" payments cancel "$id" --reason "chèque sans provision"
  expect_rc 0
  expect_out "payment $id cancelled; invoice FACT20262027000002: Reste à payer : 180,00 €"
  expect_eq "$(to_pay "$url" F0003 tuition)" "$before" "balance back"
  # The row stays, marked; the statement leaves it out; payments list shows it cancelled.
  expect_eq "$(sql "$url" "SELECT count(*) || ' ' || cancel_reason FROM payments WHERE cancelled_at IS NOT NULL GROUP BY cancel_reason")" \
    "1 chèque sans provision"
  run --database "$url" families statement F0003 --year 2026/2027
  expect_no_out "RECU20262027000001"
  run --database "$url" payments list --family F0003
  expect_out "cancelled"
  expect_eq "$(sql "$url" "SELECT count(*) FROM audit_log WHERE entity = 'payment' AND entity_id = $id
                           AND old_values->>'cancelled_at' IS NULL AND new_values->>'cancelled_at' IS NOT NULL")" "1"
  run --database "$url" payments cancel "$id" --reason again
  expect_rc 65
  expect_err "payment $id was already cancelled"
  run --database "$url" payments cancel 999 --reason x
  expect_rc 65
  expect_err "no payment 999"
}

t_g_billing_settings_are_set_shown_and_audited() {
  local url
  url=$(billing_school settings) || return
  # F0002's quotient in families.csv is 820; the schedule defaults to one payment.
  run --database "$url" --json families billing F0002
  expect_rc 0
  expect_eq "$(json '[.details.payment_schedule, .details.resident, .details.family_quotient] | map(tostring) | join(" ")')" \
    "1 null 820"
  run --database "$url" --dry-run families billing F0002 --schedule 9 --resident yes --quotient 1 100
  expect_rc 64  # two values for --quotient: a usage error
  run --database "$url" --dry-run families billing F0002 --schedule 9 --resident yes --quotient "1 100"
  expect_rc 0
  expect_eq "$(sql "$url" "SELECT payment_schedule || ' ' || coalesce(resident::text, 'null') || ' ' || family_quotient FROM families WHERE external_ref = 'F0002'")" \
    "1 null 820" "dry run changes nothing"
  run --database "$url" families billing F0002 --schedule 9 --resident yes --quotient "1 100"
  expect_rc 0
  expect_out "payment_schedule: 1 -> 9"
  expect_out "payment_schedule_label: 9 prélèvements mensuels"
  expect_eq "$(sql "$url" "SELECT payment_schedule || ' ' || resident || ' ' || family_quotient FROM families WHERE external_ref = 'F0002'")" \
    "9 true 1100"
  expect_eq "$(sql "$url" "SELECT (old_values->>'payment_schedule') || ' ' || (new_values->>'payment_schedule') || ' '
                           || (old_values->>'family_quotient') || ' ' || (new_values->>'family_quotient')
                           FROM audit_log WHERE entity = 'family' AND command = 'families billing'")" "1 9 820 1100"
  run --database "$url" --json families billing F0002 --resident auto --quotient none
  expect_rc 0
  expect_eq "$(json '[.details.payment_schedule, .details.resident, .details.family_quotient] | map(tostring) | join(" ")')" \
    "9 null null"
  run --database "$url" families billing NOBODY
  expect_rc 65
  expect_err "no family with id, identifier or reference \"NOBODY\""
}

t_h_rentals_import_twice_gives_the_same_rows() {
  local url rows
  url=$(school_database rentals) || return
  "$IMUSE_ADMIN_BIN" --database "$url" -q families import "$SAMPLES/families.csv" >/dev/null
  run --database "$url" --json rentals import "$SAMPLES/rentals.csv"
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.unchanged] | map(tostring) | join(" ")')" "7 0 0"
  rows=$(sql "$url" "SELECT string_agg(concat_ws(',', id, family_id, student_id, school_year, item_kind, label, item_ref,
                     tariff_code, period, quantity, starts_on, ends_on, updated_at), E'\n' ORDER BY id) FROM rentals")
  run --database "$url" --json rentals import "$SAMPLES/rentals.csv"
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.unchanged] | map(tostring) | join(" ")')" "0 0 7"
  expect_eq "$(sql "$url" "SELECT string_agg(concat_ws(',', id, family_id, student_id, school_year, item_kind, label, item_ref,
                     tariff_code, period, quantity, starts_on, ends_on, updated_at), E'\n' ORDER BY id) FROM rentals")" \
    "$rows" "same rows, untouched"
  # What the sample says, as stored: kinds and periods in English, the room without a student.
  expect_eq "$(sql "$url" "SELECT string_agg(item_kind || '/' || period || '/' || quantity || '/' || coalesce(s.first_name, '-'), ' ' ORDER BY r.id)
                           FROM rentals r LEFT JOIN students s ON s.id = r.student_id")" \
    "instrument/year/1/Zoé instrument/year/1/Noël instrument/term/1/Théo room/term/10/- equipment/year/2/Yanis instrument/year/1/Loïc instrument/year/1/Maxence"
  # The sax changes tariff: the same rental is updated, not a new one.
  sed 's/SAX-007;LOC-INSTR/SAX-007;LOC-INSTR-B/' "$SAMPLES/rentals.csv" >"$TEST_TMP/rentals2.csv"
  run --database "$url" --json rentals import "$TEST_TMP/rentals2.csv"
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.unchanged] | map(tostring) | join(" ")')" "0 1 6"
  expect_eq "$(sql "$url" "SELECT count(*) || ' ' || string_agg(tariff_code, '') FROM rentals WHERE item_ref = 'SAX-007'")" \
    "1 LOC-INSTR-B"
  run --database "$url" rentals list --year 2025/2026
  expect_rc 0
  expect_out "Piano numérique"
  expect_no_out "Violon"
  # Bad rows are located; nothing is written.
  printf 'Réf famille;Site;Élève prénom;Type;Libellé;Code tarif;Année scolaire\nF0001;CONS1;Zoé;piano;Piano;T;2026/2027\nF0099;CONS1;;salle;Salle 3;T;2026/2027\nF0003;CONS1;Hugo;instrument;Cor;T;2026/2027\n' \
    >"$TEST_TMP/bad.csv"
  run --database "$url" rentals import "$TEST_TMP/bad.csv"
  expect_rc 65
  expect_err "bad.csv:2:4: \"Type\": expected instrument, salle (room) or matériel (equipment), got \"piano\""
  expect_err "bad.csv:3:1: \"Réf famille\": no family with reference \"F0099\" on site CONS1"
  expect_err "bad.csv:4:3: \"Élève prénom\": family F0003 has no student Hugo"
  expect_eq "$(sql "$url" "SELECT count(*) FROM rentals")" "7"
}

t_i_statement_json_numbers_equal_the_text() {
  local url text_totals json_totals
  url=$(billing_school statement) || return
  "$IMUSE_ADMIN_BIN" --database "$url" -q payments record --invoice FACT20262027000001 --amount 24 --mode cheque \
    --date 05/10/2026 >/dev/null
  "$IMUSE_ADMIN_BIN" --database "$url" -q payments record --invoice FACT20262027000004 --amount 90 --mode payfip \
    --date 06/10/2026 >/dev/null
  run --database "$url" families statement F0001
  expect_rc 0
  # Two sections, tuition first; the rentals one is paid up.
  expect_eq "$(grep -c '^Facturation' <<<"$out")" "2"
  expect_eq "$(grep '^Facturation' <<<"$out" | head -1)" "Facturation cotisations 2026/2027"
  expect_out "Facturation locations 2026/2027"
  # Every total of the text, as cents, in order: facturé, réglé, solde, à payer per section.
  text_totals=$(grep -E '^(Montant total facturé|Montant total réglé|Solde|Montant à payer) : ' <<<"$out" |
    sed -E 's/.* : (-?)([0-9 ]+),([0-9]{2}) €$/\1\2\3/; s/ //g; s/^(-?)0+([0-9])/\1\2/' | paste -sd' ')
  run --database "$url" --json families statement F0001
  expect_rc 0
  json_totals=$(json '[.sections[].totals | .billed_cents, .paid_cents, .balance_cents, .to_pay_cents] | map(tostring) | join(" ")')
  expect_eq "$json_totals" "$text_totals" "JSON and text totals"
  # Tuition: billed 28000, paid 2400, balance −25600, to pay 25600; rentals: 9000 paid in full.
  expect_eq "$json_totals" "28000 2400 -25600 25600 9000 9000 0 0"
  # Row by row too: the sum of the debit column is what the text shows.
  expect_eq "$(json '[.sections[0].rows[] | select(.entry == "invoice") | .debit_cents] | add')" "30000"
  expect_eq "$(json '[.sections[0].rows[] | .mode_label // empty] | join(",")')" "Chèque"
  expect_eq "$(json '.sections[1].rows[1].mode_label + " " + .sections[1].rows[1].operation_number')" \
    "PayFIP RECU20262027000002"
}

run_tests
