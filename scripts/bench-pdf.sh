#!/usr/bin/env bash
# bench-pdf.sh — the invoice PDF benchmark of issue 6 ("Speed"): a benchmark, not a test. It
# renders N invoices from a database with `invoices pdf --jobs 1` and `--jobs 2`, the same
# invoice content with Python's ReportLab (one process, DejaVu Sans embedded as a subset) and,
# on a sample, with wkhtmltopdf (the engine Odoo uses). Targets: --jobs 1 ≥ 1.5 × ReportLab's
# rate, --jobs 2 ≥ 1.8 × --jobs 1, peak memory the same for N/10 and N invoices. It reports
# figures and PASS/MISS, and fails only when something is broken (a missing tool, a run that
# does not write every file, a file qpdf refuses).
#
# Usage: scripts/bench-pdf.sh [--invoices N] [--sample S] [--reps K]
#        scripts/bench-pdf.sh --clean
#
#   --invoices N  invoices of the benchmark authority (default 10000), one per family
#   --sample S    invoices rendered by wkhtmltopdf (default 50)
#   --reps K      runs of each imuse-admin and ReportLab measurement, median reported (default 3)
#   --clean       stop the benchmark cluster, remove it, and exit
#
# What it does, in one run:
#   - starts a private cluster (IMUSE_PG_DIR=${TMPDIR:-/tmp}/imuse-admin-bench-pdf-pg, or
#     $IMUSE_BENCH_PG_DIR), default settings, stopped at exit;
#   - builds the "benchmark authority" by SQL (make_authority): N families of site CONS1 with 1
#     to 3 students each, one tuition invoice per family for 2026/2027 with one line per student
#     and course (a sibling discount on the second and third), 3 instalments, and a payment on
#     one invoice in three; and the same with N/10 invoices in a second database (not timed);
#   - (jobs1, jobs2) `imuse-admin invoices pdf --year 2026/2027 --jobs 1|2 --out DIR`, printed
#     marks reset between runs (so that every run renders first prints); GNU time gives wall
#     time, CPU time and peak RSS of the whole process (database reads and file writes
#     included); checks N files were written and runs qpdf --check on 20 of them;
#   - (reportlab) the same invoices, exported once as JSON lines (not timed), rendered by
#     scripts/bench-pdf-reportlab.py in one /usr/bin/python3 process (rendering and writing
#     timed by the script itself, the JSON read excluded);
#   - (wkhtmltopdf) S of them as HTML (scripts/bench-pdf-invoice.html.tmpl) through wkhtmltopdf,
#     one process per invoice, QT_QPA_PLATFORM=offscreen;
#   - (memory) jobs1 on the N/10 database: peak RSS compared with the N run.
#   The machine's load (uptime) is printed before and after: other processes on the same cores
#   slow every figure, the parallel one most.
#
# Environment: IMUSE_BUILD_DIR (default build), IMUSE_BENCH_PG_DIR, TMPDIR.
# Exit codes: 0 the benchmark ran (whatever the targets say), 1 something broke, 64 usage,
# 130 interrupted.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
BENCH_NAME=bench-pdf.sh
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

invoices=10000
sample=50
reps=3
clean=0
while (($# > 0)); do
  case $1 in
    --invoices | --sample | --reps)
      (($# >= 2)) || die 64 "$1 needs a value"
      [[ $2 =~ ^[1-9][0-9]*$ ]] || die 64 "$1 must be a whole number, at least 1"
      case $1 in
        --invoices) invoices=$2 ;;
        --sample) sample=$2 ;;
        --reps) reps=$2 ;;
      esac
      shift 2
      ;;
    --clean) clean=1 && shift ;;
    -h | --help) usage && exit 0 ;;
    *) die 64 "unknown argument: $1 (see --help)" ;;
  esac
done
small=$(((invoices + 9) / 10))

bench_cluster bench-pdf

bench_require jq qpdf wkhtmltopdf
/usr/bin/python3 -c 'import reportlab' 2>/dev/null || die 1 "python3-reportlab not found: run scripts/install-deps.sh"
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
[[ -f $font ]] || die 1 "$font not found (fonts-dejavu-core)"
find_psql

start_work bench-pdf

copy_binary "$bin" "$work"
cd "$work"
cat >"$work/config.yaml" <<'EOF'
school:
  name: "École de musique et de danse d’Albertville"
  address: "1 place de l'Hôtel de Ville"
  postal_code: "73200"
  city: "Albertville"
  phone: "04 79 00 12 34"
  email: secretariat@emd.example.fr
  siret: "219 999 992 00015"
billing:
  payee: "Régie de recettes de l'école de musique et de danse"
  iban: "FR76 1000 7000 0100 0000 0000 185"
  bic: "BDFEFRPPCCT"
  payfip_url: https://www.payfip.gouv.fr/
  legal_mentions: "Régie de recettes instituée par arrêté municipal"
EOF
export IMUSE_ADMIN_CONFIG="$work/config.yaml"

bench_start_cluster

# make_authority DB N: the benchmark authority, N families each with one invoice (see --help).
make_authority() {
  local db=$1 n=$2
  psql_db postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  "$adm" -q --no-progress --database "$base_url/$db" db migrate >/dev/null
  "$adm" -q --no-progress --database "$base_url/$db" site import "$root/config/samples/sites.yaml" >/dev/null
  psql_db "$db" -v n="$n" >/dev/null <<'SQL'
BEGIN;
CREATE TEMP TABLE names AS SELECT * FROM (VALUES
  (0, 'Lefèvre', 'Hélène', 'Zoé'), (1, 'Œuvray', 'Jérôme', 'Ève'), (2, 'Bézier', 'Françoise', 'Théo'),
  (3, 'Dupré-Lagarde', 'Agnès', 'Mathéo'), (4, 'Ben Saïd', 'Karim', 'Yanis'), (5, 'Da Costa', 'João', 'Loïc'),
  (6, 'Hébert', 'Cécile', 'Maëlle'), (7, 'Martin', 'Noël', 'Chloë'), (8, 'Girard', 'Léa', 'Lou'),
  (9, 'Nguyễn', 'Thị Lan', 'Minh')) AS t(k, last, adult, child);
INSERT INTO courses (site_id, name, department)
SELECT s.id, c, 'Formation Musicale' FROM sites s,
  unnest(ARRAY['FM 1C4 A', 'Piano 2C1', 'Chorale 1er cycle C', 'Violon 1C1', 'Danse classique 1C2']) c
WHERE s.code = 'CONS1';
INSERT INTO families (site_id, external_ref, civility, last_name, first_name, address_line1, address_line2,
                      postal_code, city, payment_schedule)
SELECT s.id, 'B' || g, CASE WHEN g % 2 = 0 THEN 'MME' ELSE 'M' END, n.last || ' ' || g, n.adult,
       g || ' rue de l’Église', CASE WHEN g % 3 = 0 THEN 'Bâtiment « Les Érables »' END, '73200', 'Albertville', 3
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
       'FACT20262027' || lpad((row_number() OVER (ORDER BY f.id))::text, 6, '0'), '2026-09-15', '2027-04-15', 0,
       'Cotisations 2026/2027', 'FACT20262027' || lpad((row_number() OVER (ORDER BY f.id))::text, 6, '0')
FROM families f;
-- One line per student: course by rank, 10 % sibling discount from the second student.
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
INSERT INTO instalments (invoice_id, number, due_on, amount_cents, direct_debit)
SELECT i.id, k, (date '2026-10-15' + (k - 1) * interval '3 months')::date,
       i.total_cents / 3 + CASE WHEN k = 1 THEN i.total_cents % 3 ELSE 0 END, i.id % 4 = 0
FROM invoices i, generate_series(1, 3) k;
INSERT INTO payments (invoice_id, instalment_id, amount_cents, mode, paid_on, operation_number)
SELECT i.id, t.id, t.amount_cents, 'cheque', '2026-10-05', 'RECU' || i.id
FROM invoices i JOIN instalments t ON t.invoice_id = i.id AND t.number = 1 WHERE i.id % 3 = 0;
COMMIT;
ANALYZE;
SQL
  [[ $(psql_db "$db" -At -c "SELECT count(*) FROM invoices") == "$n" ]] || die 1 "make_authority made no $n invoices in $db"
}

reset_printed() { psql_db "$1" -c "UPDATE invoices SET printed_at = NULL, duplicata_count = 0" >/dev/null; }

# machine_busy: CPU time (s) all cores spent busy since boot, from /proc/stat (user, nice,
# system, irq, softirq, steal): the tool, PostgreSQL, the kernel's writeback threads, anything.
machine_busy() { awk '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / 100; exit }' /proc/stat; }

# timed OUT CMD...: GNU time; sets T_RC, T_WALL (s), T_CPU (s, the process), T_RSS (KiB), and
# T_MACHINE (s): the CPU time of the whole machine during the run.
timed() {
  local out=$1 before
  shift
  before=$(machine_busy)
  set +e
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >"$out" 2>"$work/err"
  T_RC=$?
  set -e
  T_MACHINE=$(awk -v a="$before" -v b="$(machine_busy)" 'BEGIN { printf "%.1f", b - a }')
  local user sys
  read -r T_WALL T_RSS user sys < <(tail -n 1 "$work/time")
  T_CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')
}

# render DB N JOBS: one timed `invoices pdf` run into a new directory; sets R_WALL, R_CPU, R_RSS,
# R_DIR. The previous runs' files are deleted only at the end: ext4 creates files slowly just
# after as many were deleted (it scans for recently freed inodes: 40 % of a run's time here).
run_count=0
render() {
  local db=$1 n=$2 jobs=$3
  run_count=$((run_count + 1))
  local dir=$work/out-$run_count-$1-$3
  R_DIR=$dir
  reset_printed "$db"
  psql_db postgres -c CHECKPOINT >/dev/null
  timed "$work/run.json" "$adm" --no-progress --json --database "$base_url/$db" invoices pdf --year 2026/2027 \
    --jobs "$jobs" --out "$dir"
  if ((T_RC != 0)) || ! jq -e ".counts.written == $n" "$work/run.json" >/dev/null; then
    cat "$work/run.json" "$work/err" >&2
    die 1 "invoices pdf --jobs $jobs did not write $n files (exit $T_RC)"
  fi
  local f bad=0
  for f in $(find "$dir" -name '*.pdf' | sort | awk 'NR % 500 == 1' | head -n 20); do
    qpdf --check "$f" >/dev/null 2>&1 || bad=$((bad + 1))
  done
  ((bad == 0)) || die 1 "$bad sampled files of $dir fail qpdf --check"
  R_WALL=$T_WALL R_CPU=$T_CPU R_RSS=$T_RSS R_MACHINE=$T_MACHINE
}

rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t ? "PASS" : "MISS") }'; }

started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

say "building the benchmark authority: $invoices invoices, and $small in a second database (not timed)"
make_authority bench_pdf "$invoices"
make_authority bench_pdf_small "$small"

declare -a w1 c1 w2 c2 wr k1 k2
rss1=0 rss2=0
for ((r = 1; r <= reps; r++)); do
  say "run $r/$reps: invoices pdf --jobs 1"
  render bench_pdf "$invoices" 1
  dir1=$R_DIR
  w1+=("$R_WALL") c1+=("$R_CPU") k1+=("$R_MACHINE")
  ((R_RSS > rss1)) && rss1=$R_RSS
  say "run $r/$reps: invoices pdf --jobs 2"
  render bench_pdf "$invoices" 2
  w2+=("$R_WALL") c2+=("$R_CPU") k2+=("$R_MACHINE")
  ((R_RSS > rss2)) && rss2=$R_RSS
done
say "memory: invoices pdf --jobs 1 on $small invoices"
render bench_pdf_small "$small" 1
rss_small=$R_RSS

say "exporting the invoices as JSON lines for ReportLab and wkhtmltopdf (not timed)"
psql_db bench_pdf -At -o "$work/invoices.jsonl" <<'SQL'
SELECT json_build_object(
  'number', i.number, 'issued_on', to_char(i.issued_on, 'DD/MM/YYYY'), 'school_year', i.school_year,
  'ledger', 'Cotisations', 'label', i.label, 'family_id', i.family_id, 'payfip', i.payfip_reference,
  'name', CASE f.civility WHEN 'MME' THEN 'Mme ' ELSE 'M. ' END || f.first_name || ' ' || f.last_name,
  'address', array_remove(ARRAY[f.address_line1, f.address_line2, f.address_line3], NULL),
  'city', f.postal_code || ' ' || f.city, 'total', i.total_cents,
  'paid', COALESCE((SELECT sum(amount_cents) FROM payments p WHERE p.invoice_id = i.id), 0),
  'lines', (SELECT json_agg(json_build_object('label', l.label, 'student', s.first_name || ' ' || s.last_name,
             'quantity', l.quantity, 'unit', l.unit_price_cents, 'discount', l.discount_cents, 'amount', l.amount_cents)
             ORDER BY l.position) FROM invoice_lines l JOIN students s ON s.id = l.student_id WHERE l.invoice_id = i.id),
  'instalments', (SELECT json_agg(json_build_object('number', t.number, 'due_on', to_char(t.due_on, 'DD/MM/YYYY'),
             'amount', t.amount_cents, 'direct_debit', t.direct_debit) ORDER BY t.number)
             FROM instalments t WHERE t.invoice_id = i.id))
FROM invoices i JOIN families f ON f.id = i.family_id ORDER BY i.id;
SQL

for ((r = 1; r <= reps; r++)); do
  say "run $r/$reps: ReportLab"
  rl_dir=$work/out-reportlab-$r
  /usr/bin/python3 "$root/scripts/bench-pdf-reportlab.py" "$work/invoices.jsonl" "$rl_dir" "$font" \
    "${font%.ttf}-Bold.ttf" >"$work/rl.txt" || die 1 "bench-pdf-reportlab.py failed"
  wr+=("$(awk '{print $2}' "$work/rl.txt")")
done
[[ $(find "$rl_dir" -name '*.pdf' | wc -l) == "$invoices" ]] || die 1 "ReportLab did not write $invoices files"

say "wkhtmltopdf: $sample invoices"
mkdir -p "$work/out-wk"
head -n "$sample" "$work/invoices.jsonl" >"$work/sample.jsonl"
/usr/bin/python3 "$root/scripts/bench-pdf-reportlab.py" --html "$root/scripts/bench-pdf-invoice.html.tmpl" \
  "$work/sample.jsonl" "$work/out-wk" "$font" >/dev/null || die 1 "HTML generation failed"
wk_start=$(date +%s.%N)
for h in "$work"/out-wk/*.html; do
  QT_QPA_PLATFORM=offscreen wkhtmltopdf -q --enable-local-file-access --page-size A4 "$h" "${h%.html}.pdf" >/dev/null 2>&1 ||
    die 1 "wkhtmltopdf failed on $h"
done
wk_end=$(date +%s.%N)
wk_wall=$(awk -v a="$wk_start" -v b="$wk_end" 'BEGIN { printf "%.2f", b - a }')
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

m1=$(median "${w1[*]}") m2=$(median "${w2[*]}") mr=$(median "${wr[*]}")
mc1=$(median "${c1[*]}") mc2=$(median "${c2[*]}")
mk1=$(median "${k1[*]}") mk2=$(median "${k2[*]}")
cores=$(nproc)
floor2=$(awk -v k="$mk2" -v c="$cores" 'BEGIN { printf "%.2f", k / c }')
target2=$(awk -v w="$m1" 'BEGIN { printf "%.2f", w / 1.8 }')
rate1=$(rate "$invoices" "$m1") rate2=$(rate "$invoices" "$m2") rate_rl=$(rate "$invoices" "$mr")
rate_wk=$(awk -v n="$sample" -v t="$wk_wall" 'BEGIN { printf "%.1f", n / t }')
vs_rl=$(ratio "$rate1" "$rate_rl") speedup=$(ratio "$rate2" "$rate1")
size_imuse=$(du -sk "$dir1" | cut -f1) size_rl=$(du -sk "$rl_dir" | cut -f1)

cat <<EOF
## Invoice PDFs (issue 6, scripts/bench-pdf.sh)

Run $started_at, binary built $built (commit $commit), $(nproc) cores, load average $load_start at the
start and $load_end at the end. $invoices invoices (1 to 3 lines, 3 instalments, DejaVu Sans regular and
bold embedded), median of $reps runs; times are the whole process (start, database reads, rendering,
file writes, printed marks).

| Renderer | Wall (s) | CPU, process (s) | CPU, machine (s) | Invoices/s | Peak RSS (MB) | Output (MB) |
|---|---|---|---|---|---|---|
| imuse-admin invoices pdf --jobs 1 | $m1 | $mc1 | $mk1 | $rate1 | $(mb "$rss1") | $(mb "$size_imuse") |
| imuse-admin invoices pdf --jobs 2 | $m2 | $mc2 | $mk2 | $rate2 | $(mb "$rss2") | |
| ReportLab $(/usr/bin/python3 -c 'import reportlab; print(reportlab.Version)') (one process, rendering only) | $mr | | | $rate_rl | | $(mb "$size_rl") |
| wkhtmltopdf, $sample invoices, one process each | $wk_wall | | | $rate_wk | | |

- --jobs 1 vs ReportLab: ${vs_rl}× (target ≥ 1.5): $(verdict "$vs_rl" 1.5)
- --jobs 2 vs --jobs 1: ${speedup}× (target ≥ 1.8): $(verdict "$speedup" 1.8)
- CPU floor of --jobs 2: the machine was busy $mk2 s of CPU during the run (the tool, PostgreSQL,
  the kernel's writeback); on $cores cores no schedule finishes that work in less than $floor2 s.
  1.8× --jobs 1 means $target2 s.
- Peak RSS, --jobs 1: $(mb "$rss_small") MB for $small invoices, $(mb "$rss1") MB for $invoices.
EOF
