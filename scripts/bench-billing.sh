#!/usr/bin/env bash
# bench-billing.sh — the billing benchmark of issue 6 ("Speed"): `invoices generate` for a whole
# authority (target: 100,000 families with ~2 enrolments each in under 30 s). A benchmark, not a
# test: it prints figures and PASS/MISS, and fails only when something is broken (a run that does
# not bill every family, a second run that bills anything).
#
# Usage: scripts/bench-billing.sh [--families N] [--reps K] [--quick]
#
#   --families N  families in the authority (default 100000)
#   --reps K      runs of the timed first billing, each on a fresh copy of the database; the
#                 median is reported (default 3)
#   --quick       smoke run: 10000 families (unless --families is given), 1 run
#   --keep        keep the databases bench_billing (billed) and bench_billing_tpl (not billed)
#                 on the cluster afterwards, to profile by hand
#
# What it does:
#   - starts a private cluster (IMUSE_BENCH_PG_DIR, default <repo>/.pg-bench) with PostgreSQL's
#     default settings, stopped at exit;
#   - builds the authority with SQL (generate_series), not timed: the sample sites and course
#     catalogue (config/samples), N families over CONS1 and MANTES (quotients spread over the
#     four brackets, 1 in 13 without, residents and not, schedules 1/2/3/9 in turn), 1.5 students
#     per family and 2 enrolments per family for 2026/2027 (200,000 for N = 100,000);
#     a template database copied for each run;
#   - times (wall time of the whole process, GNU time's peak RSS) `invoices generate --year
#     2026/2027 --tariffs config/samples/tariffs.yaml`, then a second run on the same database,
#     which must bill nothing, then `invoices check`.
#   The Markdown report goes to stdout, progress to stderr.
#
# Environment: IMUSE_BUILD_DIR (default build), IMUSE_BENCH_PG_DIR. Exit codes: 0 the benchmark
# ran (whatever the target says), 1 something broke, 64 usage.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

BENCH_NAME=bench-billing.sh
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

families=100000
families_given=0
reps=3
quick=0
keep=0
while (($# > 0)); do
  case $1 in
    --families) (($# >= 2)) || die 64 "$1 needs a value"; families=$2 families_given=1; shift 2 ;;
    --reps) (($# >= 2)) || die 64 "$1 needs a value"; reps=$2; shift 2 ;;
    --quick) quick=1 && shift ;;
    --keep) keep=1 && shift ;;
    -h | --help) usage && exit 0 ;;
    *) die 64 "unknown argument: $1 (see --help)" ;;
  esac
done
if ((quick)); then
  ((families_given)) || families=10000
  reps=1
fi
[[ $families =~ ^[0-9]+$ ]] && ((families >= 100)) || die 64 "--families: expected a number >= 100"
[[ $reps =~ ^[0-9]+$ ]] && ((reps >= 1)) || die 64 "--reps: expected a number >= 1"

find_psql
build=${IMUSE_BUILD_DIR:-$root/build}
[[ -x $build/imuse-admin ]] || die 1 "$build/imuse-admin not found: build first (or set IMUSE_BUILD_DIR)"
[[ -x /usr/bin/time ]] || die 1 "/usr/bin/time not found (apt-get install time)"
work=$(mktemp -d "${TMPDIR:-/tmp}/imuse-bench-billing-XXXXXX")
copy_binary "$build/imuse-admin" "$work"
export IMUSE_PG_DIR=${IMUSE_BENCH_PG_DIR:-$root/.pg-bench}
started_cluster=0
cleanup() {
  if ((started_cluster)); then bash "$root/scripts/pg.sh" stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! bash "$root/scripts/pg.sh" status >/dev/null 2>&1; then
  bash "$root/scripts/pg.sh" start >&2
  started_cluster=1
fi
base=$(bash "$root/scripts/pg.sh" url)
server=${base%/*}
q() { "$psql_bin" -X -q -v ON_ERROR_STOP=1 "$@"; }
: >"$work/empty.yaml"
export IMUSE_ADMIN_CONFIG=$work/empty.yaml
tariffs=$root/config/samples/tariffs.yaml

# --- the authority (not timed) --------------------------------------------------
say "building the authority: $families families..."
q "$server/postgres" -c "DROP DATABASE IF EXISTS bench_billing_tpl" -c "CREATE DATABASE bench_billing_tpl" >/dev/null
tpl=$server/bench_billing_tpl
"$adm" --database "$tpl" -q db migrate >/dev/null
"$adm" --database "$tpl" -q site import "$root/config/samples/sites.yaml" >/dev/null
"$adm" --database "$tpl" -q courses import "$root/config/samples/courses.csv" >/dev/null
q "$tpl" <<SQL >/dev/null
INSERT INTO families (site_id, external_ref, last_name, first_name, postal_code, city, family_quotient,
                      payment_schedule, resident)
SELECT CASE WHEN g % 3 = 0 THEN (SELECT id FROM sites WHERE code = 'MANTES') ELSE (SELECT id FROM sites WHERE code = 'CONS1') END,
       'B' || g, 'Famille' || g, 'Prénom', (ARRAY['73200', '73000', '78200', '73400'])[g % 4 + 1], 'Ville',
       CASE WHEN g % 13 = 0 THEN NULL ELSE (g * 37) % 2000 END, (ARRAY[1, 2, 3, 9])[g % 4 + 1],
       CASE WHEN g % 17 = 0 THEN false END
FROM generate_series(1, $families) g;
INSERT INTO students (family_id, last_name, first_name, birth_date)
SELECT f.id, f.last_name, 'Enfant' || k, DATE '2010-01-01' + ((f.id * 7 + k * 400) % 3000)::int
FROM families f CROSS JOIN generate_series(1, 2) k WHERE k = 1 OR f.id % 2 = 0;
WITH c AS (SELECT id, site_id, row_number() OVER (PARTITION BY site_id ORDER BY id) - 1 AS n,
                  count(*) OVER (PARTITION BY site_id) AS m FROM courses),
     s AS (SELECT s.id, f.site_id, s.family_id, row_number() OVER (PARTITION BY s.family_id ORDER BY s.id) AS k
           FROM students s JOIN families f ON f.id = s.family_id)
INSERT INTO enrolments (student_id, course_id, school_year)
SELECT s.id, c.id, '2026/2027' FROM s JOIN c ON c.site_id = s.site_id
WHERE c.n = (s.id * 3) % c.m OR (s.k = 1 AND s.family_id % 2 = 1 AND c.n = (s.id * 3 + 1) % c.m);
VACUUM ANALYZE;
SQL
counts=$(q -At "$tpl" -c "SELECT (SELECT count(*) FROM families) || ' families, ' || (SELECT count(*) FROM students)
                               || ' students, ' || (SELECT count(*) FROM enrolments) || ' enrolments'")
say "  $counts"

# timed RUN: sets secs and kib from GNU time; the command's stdout in $work/out.json.
timed() {
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out.json" 2>"$work/err" ||
    { cat "$work/err" >&2; die 1 "failed: $*"; }
  read -r secs kib <"$work/time"
}
firsts=""
for ((i = 1; i <= reps; i++)); do
  q "$server/postgres" -c "DROP DATABASE IF EXISTS bench_billing" \
    -c "CREATE DATABASE bench_billing TEMPLATE bench_billing_tpl" >/dev/null
  db=$server/bench_billing
  q "$db" -c "CHECKPOINT" >/dev/null
  say "run $i/$reps: invoices generate..."
  timed "$adm" --database "$db" --json invoices generate --year 2026/2027 --tariffs "$tariffs" --date 2026-09-20
  firsts+=" $secs"
  first_kib=$kib
  invoices=$(jq -r '.counts.invoices' "$work/out.json")
  billed=$(jq -r '.counts.billed_cents' "$work/out.json")
  say "  ${secs}s, $(mb "$kib") MB, $invoices invoices"
done
expected=$(q -At "$db" -c "SELECT count(DISTINCT s.family_id) FROM enrolments e JOIN students s ON s.id = e.student_id")
[[ $invoices == "$expected" ]] || die 1 "billed $invoices families, expected $expected"
lines=$(q -At "$db" -c "SELECT count(*) FROM invoice_lines")
instalments=$(q -At "$db" -c "SELECT count(*) FROM instalments")
q "$db" -c "VACUUM ANALYZE" >/dev/null
say "second run (must bill nothing)..."
timed "$adm" --database "$db" --json invoices generate --year 2026/2027 --tariffs "$tariffs" --date 2026-09-21
again=$(jq -r '.counts.invoices + .counts.credit_notes' "$work/out.json")
[[ $again == 0 ]] || die 1 "the second run issued $again invoices or credit notes"
second_secs=$secs second_kib=$kib
say "invoices check..."
timed "$adm" --database "$db" --json invoices check --year 2026/2027
check_secs=$secs check_kib=$kib
[[ $(jq -r '.exit_code' "$work/out.json") == 0 ]] || die 1 "invoices check found problems"
((keep)) || q "$server/postgres" -c "DROP DATABASE IF EXISTS bench_billing" -c "DROP DATABASE IF EXISTS bench_billing_tpl" >/dev/null

median_first=$(median "$firsts")
verdict=$(awk -v s="$median_first" -v n="$families" 'BEGIN { print (n >= 100000 && s < 30) ? "PASS" : (n < 100000 ? "n/a (smaller authority)" : "MISS") }')
load=$(cut -d' ' -f1-3 /proc/loadavg)
cat <<EOF
### invoices generate ($families families)

Binary built $built, commit $commit; $(nproc) CPUs, load average at the end $load.
Authority: $counts (2026/2027), sample sites and catalogue, sample grid; $invoices invoices,
$lines lines, $instalments instalments, $(format=$(printf '%d' "$billed"); echo "$format") cents billed.

| run | wall time | peak RSS |
|---|---|---|
| first billing (median of $reps: $firsts s) | ${median_first} s | $(mb "$first_kib") MB |
| second run (bills nothing) | ${second_secs} s | $(mb "$second_kib") MB |
| invoices check | ${check_secs} s | $(mb "$check_kib") MB |

Target: under 30 s for 100,000 families: **$verdict**.
EOF
