#!/usr/bin/env bash
# bench-export.sh — the export benchmark of issue 7 ("Speed"): a benchmark, not a test. It times
# `treasury export` of N overdue invoices (PES V2) and `sepa export` of N direct-debit
# instalments (pain.008), each on a database of N and of N/10, and reports wall time and peak
# memory. Targets: each export of 100,000 under 10 s, peak memory under 100 MB whatever the
# count (streamed). It fails only when something is broken (an export that does not take every
# item, a file the official schema refuses, sums that differ from the database's).
#
# Usage: scripts/bench-export.sh [--items N] [--reps K] [--only treasury|sepa]
#        scripts/bench-export.sh --clean
#
#   --items N  overdue invoices, and direct-debit instalments due on the collection date, of
#              the benchmark authority (default 100000)
#   --reps K   timed runs of each export, each on a fresh copy of the database; the median is
#              reported (default 3)
#   --only K   run one of the two exports only (the report then has one row)
#   --clean    stop the benchmark cluster, remove it, and exit
#
# What it does, in one run:
#   - starts a private cluster (IMUSE_PG_DIR=${TMPDIR:-/tmp}/imuse-admin-bench-export-pg, or
#     $IMUSE_BENCH_PG_DIR), default settings, stopped at exit;
#   - builds by SQL (not timed) two template databases per size: "treasury": N families of site
#     CONS1 (accented names, long addresses), one tuition invoice each with 1 to 3 lines, 3
#     instalments, a cheque on one invoice in five, all due before the run's --today;
#     "sepa": N families on the monthly schedule with a signed mandate each, one invoice with 9
#     direct-debit instalments, the first N due on the collection date;
#   - times (GNU time: wall time and peak RSS of the whole process, database work included)
#     `imuse-admin --today 2027-06-30 treasury export --site CONS1 --out FILE` and
#     `imuse-admin sepa export --collection-date 2026-10-05 --site CONS1 --out FILE`, each on a
#     fresh copy of its template;
#   - checks (not timed) each file with xmllint against config/schemas, and the file's count
#     and sum against the database's;
#   - runs both once more on the N/10 databases: peak memory compared.
#
# Environment: IMUSE_BUILD_DIR (default build), IMUSE_BENCH_PG_DIR, TMPDIR.
# Exit codes: 0 the benchmark ran (whatever the targets say), 1 something broke, 64 usage,
# 130 interrupted.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
BENCH_NAME=bench-export.sh
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

items=100000
reps=3
clean=0
kinds="treasury sepa"
while (($# > 0)); do
  case $1 in
    --items | --reps)
      (($# >= 2)) || die 64 "$1 needs a value"
      [[ $2 =~ ^[1-9][0-9]*$ ]] || die 64 "$1 must be a whole number, at least 1"
      case $1 in
        --items) items=$2 ;;
        --reps) reps=$2 ;;
      esac
      shift 2
      ;;
    --only)
      (($# >= 2)) || die 64 "$1 needs a value"
      [[ $2 == treasury || $2 == sepa ]] || die 64 "--only: expected treasury or sepa"
      kinds=$2
      shift 2
      ;;
    --clean) clean=1 && shift ;;
    -h | --help) usage && exit 0 ;;
    *) die 64 "unknown argument: $1 (see --help)" ;;
  esac
done
small=$(((items + 9) / 10))

bench_cluster bench-export

bench_require jq xmllint
find_psql
pes_xsd=$root/config/schemas/pes-v2/PES_V2/Rev0/PES_Aller_RecetteOnly.LOCAL.xsd
sepa_xsd=$root/config/schemas/sepa/pain.008.001.02.xsd

start_work bench-export

copy_binary "$bin" "$work"
cd "$work"
cat >"$work/config.yaml" <<'EOF'
school:
  name: "École de musique et de danse d’Albertville"
  address: "1 place de l'Hôtel de Ville"
  postal_code: "73200"
  city: "Albertville"
  siret: "219 999 992 00015"
treasury:
  id_post: "0730000"
  cod_col: "999"
  cod_bud: "01"
  libelle_col_bud: "COMMUNE D'ALBERTVILLE - BUDGET PRINCIPAL"
sepa:
  creditor_name: "Régie de recettes de l'école de musique et de danse"
  ics: FR72ZZZ123456
  iban: "FR76 3000 6000 0112 3456 7890 189"
  bic: "BDFEFRPPCCT"
EOF
export IMUSE_ADMIN_CONFIG="$work/config.yaml"

bench_start_cluster

# make_families DB N SCHEDULE: migrated database, sample sites, N families of CONS1 with 1 to 3
# students, a course catalogue, and the invoice counter.
make_families() {
  local db=$1 n=$2 schedule=$3
  psql_db postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  "$adm" -q --no-progress --database "$base_url/$db" db migrate >/dev/null
  "$adm" -q --no-progress --database "$base_url/$db" site import "$root/config/samples/sites.yaml" >/dev/null
  psql_db "$db" -v n="$n" -v schedule="$schedule" >/dev/null <<'SQL'
BEGIN;
CREATE TEMP TABLE names AS SELECT * FROM (VALUES
  (0, 'Lefèvre', 'Hélène', 'Zoé'), (1, 'Œuvray', 'Jérôme', 'Ève'), (2, 'Bézier', 'Françoise', 'Théo'),
  (3, 'Dupré-Lagarde', 'Agnès', 'Mathéo'), (4, 'Ben Saïd', 'Karim', 'Yanis'), (5, 'Da Costa', 'João', 'Loïc'),
  (6, 'Hébert', 'Cécile', 'Maëlle'), (7, 'Martin', 'Noël', 'Chloë'), (8, 'Girard', 'Léa', 'Lou'),
  (9, 'L''Hôte & Fils', 'Œdipe', 'Anaïs')) AS t(k, last, adult, child);
INSERT INTO courses (site_id, name, department)
SELECT s.id, c, 'Formation Musicale' FROM sites s,
  unnest(ARRAY['FM 1C4 A', 'Piano 2C1', 'Chorale 1er cycle C', 'Violon 1C1', 'Danse classique 1C2']) c
WHERE s.code = 'CONS1';
INSERT INTO families (site_id, external_ref, civility, last_name, first_name, address_line1, address_line2,
                      postal_code, city, payment_schedule)
SELECT s.id, 'B' || g, CASE WHEN g % 2 = 0 THEN 'MME' ELSE 'M' END, n.last || ' ' || g, n.adult,
       g || ' rue de l’Église Saint-Jean-Baptiste-de-la-Salle prolongée', CASE WHEN g % 3 = 0 THEN 'Bâtiment « Les Érables », escalier C' END,
       '73200', 'Albertville', :schedule
FROM sites s, generate_series(1, :n) g JOIN names n ON n.k = g % 10
WHERE s.code = 'CONS1';
INSERT INTO students (family_id, last_name, first_name, birth_date)
SELECT f.id, f.last_name, n.child || CASE WHEN g.k > 1 THEN '-' || g.k ELSE '' END, date '2012-01-01' + g.k * 400
FROM families f JOIN names n ON n.k = substr(f.external_ref, 2)::int % 10, generate_series(1, 3) AS g(k)
WHERE g.k <= 1 + f.id % 3;
INSERT INTO invoice_counters (site_id, school_year, series, last_number)
SELECT id, '2026/2027', 'FACT', :n FROM sites WHERE code = 'CONS1';
INSERT INTO invoices (site_id, family_id, school_year, ledger, sequence, number, issued_on, due_on, total_cents,
                      label, payfip_reference)
SELECT f.site_id, f.id, '2026/2027', 'tuition', row_number() OVER (ORDER BY f.id),
       'FACT20262027' || lpad((row_number() OVER (ORDER BY f.id))::text, 6, '0'), '2026-09-15', '2027-06-05', 0,
       'Cotisations 2026/2027', 'FACT20262027' || lpad((row_number() OVER (ORDER BY f.id))::text, 6, '0')
FROM families f;
INSERT INTO invoice_lines (invoice_id, position, label, student_id, course_id, quantity, unit_price_cents,
                           discount_cents, amount_cents, line_key)
SELECT i.id, s.rank, c.name || ' (' || s.first_name || ')', s.id, c.id, 1, p.unit,
       CASE WHEN s.rank > 1 THEN p.unit / 10 ELSE 0 END, p.unit - CASE WHEN s.rank > 1 THEN p.unit / 10 ELSE 0 END,
       'course:' || c.id || ':student:' || s.id
FROM invoices i
JOIN (SELECT st.*, row_number() OVER (PARTITION BY family_id ORDER BY id) AS rank FROM students st) s
  ON s.family_id = i.family_id
JOIN (SELECT id, name, row_number() OVER (ORDER BY id) AS k FROM courses) c ON c.k = 1 + (s.id % 5)
JOIN LATERAL (SELECT (12345 + 1000 * (s.id % 97))::bigint AS unit) p ON true;
UPDATE invoices i SET total_cents = l.total FROM (SELECT invoice_id, sum(amount_cents) AS total
  FROM invoice_lines GROUP BY invoice_id) l WHERE l.invoice_id = i.id;
COMMIT;
SQL
}

# make_treasury DB N: N invoices in 3 instalments (Oct, Jan, Apr), one in five with a cheque.
make_treasury() {
  make_families "$1" "$2" 3
  psql_db "$1" >/dev/null <<'SQL'
BEGIN;
INSERT INTO instalments (invoice_id, number, due_on, amount_cents, direct_debit)
SELECT i.id, k, (date '2026-10-15' + (k - 1) * interval '3 months')::date,
       i.total_cents / 3 + CASE WHEN k = 1 THEN i.total_cents % 3 ELSE 0 END, false
FROM invoices i, generate_series(1, 3) k;
INSERT INTO payments (invoice_id, amount_cents, mode, paid_on, operation_number)
SELECT i.id, 1000, 'cheque', '2026-10-05', 'RECU' || i.id FROM invoices i WHERE i.id % 5 = 0;
COMMIT;
ANALYZE;
SQL
}

# make_sepa DB N: every family on the monthly schedule with a mandate; 9 direct-debit
# instalments on the 5th of each month from October: N of them due on 2026-10-05.
make_sepa() {
  make_families "$1" "$2" 9
  psql_db "$1" >/dev/null <<'SQL'
BEGIN;
INSERT INTO instalments (invoice_id, number, due_on, amount_cents, direct_debit)
SELECT i.id, k, (date '2026-10-05' + (k - 1) * interval '1 month')::date,
       i.total_cents / 9 + CASE WHEN k = 1 THEN i.total_cents % 9 ELSE 0 END, true
FROM invoices i, generate_series(1, 9) k;
INSERT INTO sepa_mandates (family_id, rum, iban, bic, account_holder, signed_on)
SELECT f.id, 'EMD-' || f.external_ref, 'FR7630006000011234567890189', 'AGRIFRPP882', f.first_name || ' ' || f.last_name,
       '2026-09-01'
FROM families f;
COMMIT;
ANALYZE;
SQL
}

# timed OUT CMD...: GNU time; sets T_RC, T_WALL (s), T_RSS (KiB).
timed() {
  local out=$1
  shift
  set +e
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$out" 2>"$work/err"
  T_RC=$?
  set -e
  read -r T_WALL T_RSS < <(tail -n 1 "$work/time")
}

# fresh TEMPLATE: a copy of the template database to export from; prints its name.
fresh() {
  psql_db postgres -c "DROP DATABASE IF EXISTS run WITH (FORCE)" -c "CREATE DATABASE run TEMPLATE $1" >/dev/null
  psql_db postgres -c CHECKPOINT >/dev/null
  echo run
}

# export_treasury TEMPLATE N: one timed run; sets X_WALL, X_RSS, X_FILE and checks the file.
export_treasury() {
  local db
  db=$(fresh "$1")
  X_FILE=$work/PES-$1.xml
  rm -f "$X_FILE"
  timed "$work/run.json" "$adm" --no-progress --json --database "$base_url/$db" --today 2027-06-30 \
    treasury export --site CONS1 --overdue-days 30 --out "$X_FILE"
  ((T_RC == 0)) || { cat "$work/err" "$work/run.json" >&2; die 1 "treasury export failed (exit $T_RC)"; }
  X_WALL=$T_WALL X_RSS=$T_RSS
  local due pieces total
  due=$(psql_db "$db" -At -c "SELECT count(*) || ' ' || coalesce(sum(due_cents), 0) FROM invoice_balances WHERE due_cents > 0")
  [[ $due == "0 0" ]] || die 1 "after treasury export, still due in the database: $due (count, cents)"
  # A bordereau holds at most 99,999 titles: 100,000 give two in the file.
  pieces=$(xmllint --xpath 'sum(//BlocBordereau/NbrPce/@V)' "$X_FILE")
  total=$(grep -o '<MtBordHt V="[0-9.]*"' "$X_FILE" | grep -o '[0-9]*\.[0-9]*' |
    awk -F. '{ c += $1 * 100 + $2 } END { printf "%d.%02d", int(c / 100), c % 100 }')
  [[ $pieces == "$2" ]] || die 1 "the PES file has $pieces pieces, expected $2"
  local tav
  tav=$(psql_db "$db" -At -c "SELECT to_char(sum(amount_cents) / 100.0, 'FM999999999990.00') FROM payments
                              WHERE mode = 'tav' AND cancelled_at IS NULL")
  [[ $total == "$tav" ]] || die 1 "the PES file's MtBordHt add up to $total, the TAV settlements to $tav"
  X_TOTAL=$total
}

# export_sepa TEMPLATE N: one timed run; sets X_WALL, X_RSS, X_FILE and checks the file.
export_sepa() {
  local db
  db=$(fresh "$1")
  X_FILE=$work/PRLV-$1.xml
  rm -f "$X_FILE"
  timed "$work/run.json" "$adm" --no-progress --json --database "$base_url/$db" --today 2026-10-01 \
    sepa export --site CONS1 --collection-date 2026-10-05 --out "$X_FILE"
  ((T_RC == 0)) || { cat "$work/err" "$work/run.json" >&2; die 1 "sepa export failed (exit $T_RC)"; }
  X_WALL=$T_WALL X_RSS=$T_RSS
  local count sum expected
  count=$(grep -o '<NbOfTxs>[0-9]*</NbOfTxs>' "$X_FILE" | head -n 1 | tr -dc 0-9)
  sum=$(grep -o '<CtrlSum>[0-9.]*</CtrlSum>' "$X_FILE" | head -n 1 | sed 's/<[^>]*>//g')
  expected=$(psql_db "$db" -At -c "SELECT to_char(sum(amount_cents) / 100.0, 'FM999999999990.00') FROM instalments
                                   WHERE due_on = '2026-10-05'")
  [[ $count == "$2" ]] || die 1 "the SEPA file has $count transactions, expected $2"
  [[ $sum == "$expected" ]] || die 1 "the SEPA file's control sum is $sum, the instalments' $expected"
  X_TOTAL=$sum
}

validate() { # FILE XSD
  xmllint --noout --stream --schema "$2" "$1" 2>"$work/xmllint" ||
    { head -n 5 "$work/xmllint" >&2; die 1 "$1 does not validate against $(basename "$2")"; }
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "building the authorities: $items and $small items (not timed)..."
for kind in $kinds; do
  "make_$kind" "${kind}_big" "$items"
  "make_$kind" "${kind}_small" "$small"
done

declare -A walls rss totals sizes runs_of rss_small
for kind in $kinds; do
  runs=""
  for ((i = 1; i <= reps; i++)); do
    say "$kind export of $items, run $i/$reps..."
    "export_$kind" "${kind}_big" "$items"
    runs+=" $X_WALL"
    rss[$kind]=$X_RSS totals[$kind]=$X_TOTAL
    say "  ${X_WALL}s, $(mb "$X_RSS") MB"
  done
  say "  validating $(basename "$X_FILE") ($(du -h "$X_FILE" | cut -f1)) with xmllint..."
  if [[ $kind == treasury ]]; then validate "$X_FILE" "$pes_xsd"; else validate "$X_FILE" "$sepa_xsd"; fi
  sizes[$kind]=$(du -h "$X_FILE" | cut -f1)
  walls[$kind]=$(median "$runs")
  runs_of[$kind]=$runs
  say "$kind export of $small (memory)..."
  "export_$kind" "${kind}_small" "$small"
  rss_small[$kind]=$X_RSS
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

verdict() { # WALL RSS
  awk -v w="$1" -v r="$2" -v n="$items" 'BEGIN {
    if (n < 100000) { print "n/a (fewer than 100,000)"; exit }
    print (w < 10 && r * 1024 / 1e6 < 100) ? "PASS" : "MISS" }'
}
row() { # KIND LABEL ITEMS
  printf '| %s | %s %s | %s s | %s | %s MB | %s MB | %s | %s € | **%s** |\n' "$2" "$items" "$3" "${walls[$1]}" \
    "${runs_of[$1]}" "$(mb "${rss[$1]}")" "$(mb "${rss_small[$1]}")" "${sizes[$1]}" "${totals[$1]}" \
    "$(verdict "${walls[$1]}" "${rss[$1]}")"
}
cat <<EOF
### Treasury and SEPA exports ($items items)

Binary built $built, commit $commit; $(nproc) CPUs; load average before $load_before, after $load_after.
Each run on a fresh copy of the database; GNU time of the whole process (database work included).

| export | items | wall time (median of $reps) | runs | peak RSS | peak RSS at $small | file | total | target (< 10 s, < 100 MB) |
|---|---|---|---|---|---|---|---|---|
EOF
for kind in $kinds; do
  if [[ $kind == treasury ]]; then row treasury "treasury export (PES V2)" invoices; else row sepa "sepa export (pain.008)" instalments; fi
done
cat <<EOF

The files validate against the official schemas (xmllint --stream); the PES file's NbrPce and
the SEPA file's NbOfTxs/CtrlSum equal the database's counts and sums.
EOF
