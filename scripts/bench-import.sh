#!/usr/bin/env bash
# bench-import.sh — the import benchmark of issue 3 ("Speed and memory"): a benchmark, not a
# test. It reports figures and PASS/MISS against the targets, and fails only when something is
# broken (a missing tool, an import that does not import everything, a re-import that changes
# something).
#
# Usage: scripts/bench-import.sh [--families N] [--seed S] [--reps K] [--quick] [--profile]
#        scripts/bench-import.sh --clean
#
#   --families N  size of the generated authority (default 100000 families, ~1.74 students each)
#   --seed S      generator seed (default 1); same N and seed, same file
#   --reps K      runs of each timed measurement, the median is reported (default 3)
#   --quick       smoke run: 10000 families (unless --families is given) and 1 run
#   --profile     afterwards, one more import and re-import with every SQL statement's duration
#                 logged by the server, printed in order (where the time goes)
#   --clean       stop the benchmark cluster, remove it and the generated files, and exit
#
# What it does, in one run:
#   - generates the input once with scripts/gen-families.py (Windows-1252, ';', as Excel saves
#     it) into ${TMPDIR:-/tmp}/imuse-admin-bench-<hash>/, and reuses it while N, the seed and
#     the generator are the same; also files of N/2 and N/4 families for the memory check;
#   - starts a separate private cluster (IMUSE_PG_DIR=<repo>/.pg-bench scripts/pg.sh start, or
#     $IMUSE_BENCH_PG_DIR) with PostgreSQL's default settings, fsync on, and stops it at exit,
#     also on Ctrl-C;
#   - (b) the floor: psql \copy of the file into a bare table of 25 text columns;
#   - (a) imuse-admin families import of the file into a new, migrated database with the sample
#     sites (database creation, db migrate and site import are not timed);
#   - (c) re-import of the unchanged file into the database of (a): must report created 0,
#     updated 0 (checked from --json; the benchmark fails loudly otherwise);
#   - (d) (a) and (b) again at N/2 and N/4 families: peak memory must not grow with the file;
#   - (e) for reference, the schema's floor: psql \copy of the rows (a) wrote into the real
#     tables of a new migrated database (indexes, foreign keys, CHECKs; no reading or matching).
#   Each measurement is the wall time of the whole client process (connection included) and its
#   peak RSS, by GNU time. A CHECKPOINT precedes every timed run, and VACUUM ANALYZE the first
#   re-import (what autovacuum would have done before a real re-import); neither is timed.
#   The Markdown report goes to stdout, progress to stderr.
#
# Environment: IMUSE_BUILD_DIR (default build), IMUSE_BENCH_PG_DIR (default <repo>/.pg-bench),
# TMPDIR. Exit codes: 0 the benchmark ran (whatever the targets say), 1 something broke,
# 64 usage, 130 interrupted.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

BENCH_NAME=bench-import.sh
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

# --- options ------------------------------------------------------------------

families=100000
families_given=0
seed=1
reps=3
reps_given=0
quick=0
profile=0
clean=0
while (($# > 0)); do
  case $1 in
    --families | --seed | --reps)
      (($# >= 2)) || die 64 "$1 needs a value"
      case $1 in
        --families) families=$2 families_given=1 ;;
        --seed) seed=$2 ;;
        --reps) reps=$2 reps_given=1 ;;
      esac
      shift 2
      ;;
    --families=*) families=${1#*=} families_given=1 && shift ;;
    --seed=*) seed=${1#*=} && shift ;;
    --reps=*) reps=${1#*=} reps_given=1 && shift ;;
    --quick) quick=1 && shift ;;
    --profile) profile=1 && shift ;;
    --clean) clean=1 && shift ;;
    -h | --help) usage && exit 0 ;;
    *) die 64 "unknown argument: $1 (see --help)" ;;
  esac
done
if ((quick)); then
  ((families_given)) || families=10000
  ((reps_given)) || reps=1
fi
if ! [[ $families =~ ^[1-9][0-9]*$ ]] || ((families < 4)); then
  die 64 "--families must be a whole number, at least 4"
fi
[[ $seed =~ ^[0-9]+$ ]] || die 64 "--seed must be a whole number"
[[ $reps =~ ^[1-9][0-9]*$ ]] || die 64 "--reps must be a whole number, at least 1"

# --- where things are --------------------------------------------------------------

build=${IMUSE_BUILD_DIR:-build}
[[ $build == /* ]] || build="$root/$build"
pg_dir=${IMUSE_BENCH_PG_DIR:-$root/.pg-bench}
[[ $pg_dir == /* ]] || pg_dir="$PWD/$pg_dir"
cache="${TMPDIR:-/tmp}/imuse-admin-bench-$(printf '%s' "$root" | sha256sum | cut -c1-8)"
cache=${cache//\/\//\/}
case $cache in
  *\'* | *\\* | *$'\n'*) die 1 "TMPDIR must not contain quotes, backslashes or newlines (psql \\copy takes the path in quotes)" ;;
esac

# A clean environment: no database, server options or configuration from the developer's
# shell may change what is measured.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGSERVICEFILE PGPASSWORD PGPASSFILE \
  PGOPTIONS PGSSLMODE PGTARGETSESSIONATTRS IMUSE_ADMIN_DATABASE_URL IMUSE_PG_OPTIONS

# pg.sh on the benchmark cluster. fd 8 (our lock) must not leak into the server.
pg() { IMUSE_PG_DIR=$pg_dir bash "$root/scripts/pg.sh" "$@" 8>&-; }

if ((clean)); then
  pg stop || true
  rm -rf -- "$cache" "$pg_dir"
  say "removed $cache and $pg_dir"
  exit 0
fi

# --- prerequisites -------------------------------------------------------------------

bin="$build/imuse-admin"
if [[ ! -f $bin ]]; then
  die 1 "no imuse-admin binary at $bin: build it first with scripts/test.sh (or: cmake -S . -B build && cmake --build build -j2)"
fi
[[ -x $bin ]] || die 1 "$bin is not executable (is it being linked right now?); build it with scripts/test.sh"
/usr/bin/time --version 2>&1 | grep -q GNU ||
  die 1 "GNU time (/usr/bin/time) is needed for peak memory: run scripts/install-deps.sh (Debian package 'time')"
command -v jq >/dev/null 2>&1 || die 1 "jq not found: run scripts/install-deps.sh"
[[ -x /usr/bin/python3 ]] || die 1 "/usr/bin/python3 not found: run scripts/install-deps.sh"
find_psql

mkdir -p -- "$cache"
exec 8>>"$cache/lock"
flock -n 8 || die 1 "another bench-import.sh is running (lock $cache/lock)"

work=$(mktemp -d "$cache/run.XXXXXX")
cluster_started=0
databases=()

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if ((cluster_started)); then
    if ((${#databases[@]} > 0)); then
      local db
      for db in "${databases[@]}"; do
        "$psql_bin" -X -q "$base_url/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
      done
    fi
    say "stopping the benchmark cluster ($pg_dir)"
    pg stop >/dev/null 2>&1 || say "warning: could not stop the cluster: IMUSE_PG_DIR=$pg_dir scripts/pg.sh stop"
  fi
  rm -rf -- "$work"
  rm -f -- "$cache"/*.part
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# The binary is copied so that a rebuild during the run cannot change what is measured; the
# commit is read at the same moment.
copy_binary "$bin" "$work"
: >"$work/empty.yaml"
export IMUSE_ADMIN_CONFIG="$work/empty.yaml"
cd "$work"

# --- the input -------------------------------------------------------------------------

gen_hash=$(sha256sum "$root/scripts/gen-families.py" | cut -c1-8)

# generate N: sets FILE, ROWS, STUDENTS, BYTES (reusing an earlier file of the same N, seed
# and generator).
generate() {
  local n=$1 base="$cache/families-$1-seed$seed-gen$gen_hash"
  if [[ -s $base.csv && -s $base.json ]]; then
    say "input: reusing $base.csv"
  else
    say "input: generating $n families into $base.csv"
    rm -f -- "$base.csv" "$base.json"
    /usr/bin/python3 "$root/scripts/gen-families.py" --families "$n" --seed "$seed" \
      --out "$base.csv" --stats "$base.json.part" ||
      die 1 "gen-families.py failed"
    mv -- "$base.json.part" "$base.json"
  fi
  FILE="$base.csv"
  ROWS=$(jq -r .rows "$base.json")
  STUDENTS=$(jq -r .students "$base.json")
  BYTES=$(stat -c %s "$FILE")
}

# --- the cluster -------------------------------------------------------------------------

if pg status >/dev/null 2>&1; then
  say "the benchmark cluster was already running (left by an interrupted run?): restarting it with default settings"
  pg stop >/dev/null
fi
say "starting the benchmark cluster in $pg_dir (PostgreSQL default settings, fsync on)"
cluster_started=1
url=$(pg start | tail -n 1) || die 1 "could not start the benchmark cluster (see $pg_dir/log/postgres.log)"
base_url=${url%/*}
server_log="$pg_dir/log/postgres.log"

# psql_db DB ARGS...: psql on database DB of the benchmark cluster (untimed work, so without
# the notices of DROP ... IF EXISTS).
psql_db() {
  local db=$1
  shift
  PGOPTIONS='-c client_min_messages=warning' "$psql_bin" -X -q -v ON_ERROR_STOP=1 "$base_url/$db" "$@"
}
sql_value() { psql_db "$1" -At -c "$2"; }

# Databases left by an interrupted run.
while read -r db; do
  [[ -n $db ]] && psql_db postgres -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
done < <(sql_value postgres "SELECT datname FROM pg_database WHERE datname LIKE 'bench\_%'")

new_database() {
  psql_db postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
  databases+=("$1")
}
drop_database() {
  psql_db postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null
}
checkpoint() { psql_db postgres -c "CHECKPOINT" >/dev/null; }

# A new database, migrated, with the sample sites (CONS1, MANTES, ARLYSERE), not timed.
prepare_database() {
  new_database "$1"
  "$adm" -q --no-progress --database "$base_url/$1" db migrate >/dev/null ||
    die 1 "imuse-admin db migrate failed on $1"
  "$adm" -q --no-progress --database "$base_url/$1" site import "$root/config/samples/sites.yaml" >/dev/null ||
    die 1 "imuse-admin site import failed on $1"
}

# --- measuring ---------------------------------------------------------------------------

# timed OUT ERR CMD...: runs CMD under GNU time; sets T_RC, T_WALL (s), T_RSS (KiB), T_CPU (s).
timed() {
  local out=$1 err=$2
  shift 2
  set +e
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >"$out" 2>"$err"
  T_RC=$?
  set -e
  local user sys
  read -r T_WALL T_RSS user sys < <(tail -n 1 "$work/time")
  T_CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}

declare -A WALLS=() CPUS=() RSS=()
record() { # KEY: appends the last timed run
  WALLS[$1]="${WALLS[$1]:-} $T_WALL"
  CPUS[$1]="${CPUS[$1]:-} $T_CPU"
  if ((T_RSS > ${RSS[$1]:-0})); then RSS[$1]=$T_RSS; fi
}

staging_columns=$(for i in $(seq 1 25); do printf 'c%d text, ' "$i"; done)
staging_columns=${staging_columns%, }

# (b) the floor: \copy of FILE into a bare staging table.
measure_floor() {
  local n=$1 rep=$2 db="bench_floor_$1"
  [[ $rep -gt 1 ]] || new_database "$db"
  psql_db "$db" -c "DROP TABLE IF EXISTS staging" -c "CREATE TABLE staging ($staging_columns)"
  checkpoint
  timed "$work/out" "$work/err" "$psql_bin" -X -q -v ON_ERROR_STOP=1 "$base_url/$db" \
    -c "\\copy staging FROM '$FILE' WITH (FORMAT csv, HEADER true, DELIMITER ';', ENCODING 'WIN1252')"
  if ((T_RC != 0)); then
    cat "$work/err" >&2
    die 1 "psql \\copy failed (exit $T_RC)"
  fi
  local count
  count=$(sql_value "$db" "SELECT count(*) FROM staging")
  [[ $count == "$ROWS" ]] || die 1 "\\copy loaded $count rows, the file has $ROWS"
  record "b$n"
  say "  (b) floor, $n families, run $rep/$reps: $T_WALL s, psql peak RSS $(mb "$T_RSS") MB"
  ((rep < reps)) || drop_database "$db"
}

# check_counts JSON FILTER MESSAGE: dies when jq FILTER is not true on the --json output.
check_counts() {
  if ! jq -e "$2" "$1" >/dev/null 2>&1; then
    say "----- imuse-admin --json output:"
    cat "$1" >&2
    say "----- stderr:"
    tail -n 30 "$work/err" >&2
    die 1 "$3"
  fi
}

# (a) families import of FILE into a new database bench_import_N_REP.
measure_import() {
  local n=$1 rep=$2 db="bench_import_$1_$2"
  prepare_database "$db"
  checkpoint
  timed "$work/out.json" "$work/err" "$adm" --no-progress --json --database "$base_url/$db" families import "$FILE"
  if ((T_RC != 0)); then
    check_counts "$work/out.json" false "families import exited $T_RC"
  fi
  check_counts "$work/out.json" \
    ".counts.created == $n and .counts.students_created == $STUDENTS and .counts.rows == $ROWS and .counts.rejected_rows == 0" \
    "families import did not import everything: expected $n families, $STUDENTS students, $ROWS rows, 0 rejected"
  record "a$n"
  say "  (a) import, $n families, run $rep/$reps: $T_WALL s, peak RSS $(mb "$T_RSS") MB"
  LAST_IMPORT_DB=$db
}

# (c) re-import of the unchanged FILE into database DB.
measure_reimport() {
  local n=$1 rep=$2 db=$3
  checkpoint
  timed "$work/out.json" "$work/err" "$adm" --no-progress --json --database "$base_url/$db" families import "$FILE"
  if ((T_RC != 0)); then
    check_counts "$work/out.json" false "re-import exited $T_RC"
  fi
  check_counts "$work/out.json" \
    ".counts.created == 0 and .counts.updated == 0 and .counts.students_created == 0 and .counts.students_updated == 0 and .counts.unchanged == $n and .counts.rejected_rows == 0" \
    "RE-IMPORT OF THE UNCHANGED FILE CHANGED SOMETHING: expected created 0, updated 0, unchanged $n (and no student created or updated)"
  record "c$n"
  say "  (c) re-import, $n families, run $rep/$reps: $T_WALL s, peak RSS $(mb "$T_RSS") MB"
}

# (e) the schema's floor: psql \copy of the rows that (a) wrote (families, then students, in
# one transaction) into the real tables of a new, migrated database: what writing these rows
# into this schema costs (its indexes, foreign keys and CHECK constraints), with no reading,
# checking, matching or merging at all.
measure_schema_floor() {
  local n=$1 rep=$2 source_db=$3 db="bench_schema_$1_$2"
  if [[ ! -s $work/families-$n.copy ]]; then
    psql_db "$source_db" -c "\\copy (SELECT * FROM families ORDER BY id) TO '$work/families-$n.copy'" \
      -c "\\copy (SELECT * FROM students ORDER BY id) TO '$work/students-$n.copy'" >/dev/null
  fi
  prepare_database "$db"
  checkpoint
  timed "$work/out" "$work/err" "$psql_bin" -X -q -v ON_ERROR_STOP=1 -1 "$base_url/$db" \
    -c "\\copy families FROM '$work/families-$n.copy'" -c "\\copy students FROM '$work/students-$n.copy'"
  if ((T_RC != 0)); then
    cat "$work/err" >&2
    die 1 "psql \\copy into the real tables failed (exit $T_RC)"
  fi
  record "e$n"
  say "  (e) schema floor, $n families, run $rep/$reps: $T_WALL s"
  drop_database "$db"
}

# --- the run -------------------------------------------------------------------------------

started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
half=$((families / 2))
quarter=$((families / 4))
declare -A FILES=() ROWS_OF=() STUDENTS_OF=() BYTES_OF=()
for n in "$families" "$half" "$quarter"; do
  generate "$n"
  FILES[$n]=$FILE ROWS_OF[$n]=$ROWS STUDENTS_OF[$n]=$STUDENTS BYTES_OF[$n]=$BYTES
done
use_input() { FILE=${FILES[$1]} ROWS=${ROWS_OF[$1]} STUDENTS=${STUDENTS_OF[$1]} BYTES=${BYTES_OF[$1]}; }

say "measuring: $families families, $reps run(s) of each measurement"
use_input "$families"
for ((rep = 1; rep <= reps; rep++)); do
  measure_floor "$families" "$rep"
  if ((rep > 1)); then drop_database "$LAST_IMPORT_DB"; fi
  measure_import "$families" "$rep"
  measure_schema_floor "$families" "$rep" "$LAST_IMPORT_DB"
done
say "  VACUUM ANALYZE before the re-imports (not timed)"
psql_db "$LAST_IMPORT_DB" -c "VACUUM ANALYZE" >/dev/null
for ((rep = 1; rep <= reps; rep++)); do
  measure_reimport "$families" "$rep" "$LAST_IMPORT_DB"
done
drop_database "$LAST_IMPORT_DB"

for n in "$half" "$quarter"; do
  say "memory check: $n families"
  use_input "$n"
  for ((rep = 1; rep <= reps; rep++)); do
    measure_floor "$n" "$rep"
    measure_import "$n" "$rep"
    drop_database "$LAST_IMPORT_DB"
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report ----------------------------------------------------------------------------

thousands() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[[ -n $cpu_model ]] || cpu_model=$(awk -F': *' '/^(Hardware|cpu model|uarch)/ { print $2; exit }' /proc/cpuinfo)
mem_gb=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
server_version=$(sql_value postgres "SHOW server_version")
settings=$(sql_value postgres "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
  FROM unnest(ARRAY['fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_wal_size', 'work_mem']) AS name")
version=$("$adm" --version 2>/dev/null | head -n 1 || true)

row() { # LABEL N KEY [FLOOR_KEY]
  local label=$1 n=$2 key=$3 floor=${4:-} med ratio=""
  med=$(median "${WALLS[$key]}")
  if [[ -n $floor ]]; then
    ratio=$(awk -v a="$med" -v b="$(median "${WALLS[$floor]}")" 'BEGIN { printf "%.1f×", (b > 0 ? a / b : 0) }')
  else
    ratio="1.0×"
  fi
  printf '| %s | %s | %s | %.1f | %s | %s | %s | %s | %s |\n' "$label" "$(thousands "$n")" \
    "$(thousands "${ROWS_OF[$n]}")" "$(awk -v b="${BYTES_OF[$n]}" 'BEGIN { print b / 1e6 }')" "$reps" \
    "$med" "$(median "${CPUS[$key]}")" "$(mb "${RSS[$key]}")" "$ratio"
}

ratio_of() { awk -v a="$(median "${WALLS[$1]}")" -v b="$(median "${WALLS[$2]}")" 'BEGIN { printf "%.1f", a / b }'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t ? "PASS" : "MISS") }'; }

ratio_a=$(ratio_of "a$families" "b$families")
ratio_c=$(ratio_of "c$families" "b$families")
ratio_e=$(ratio_of "e$families" "b$families")
ratio_ae=$(ratio_of "a$families" "e$families")
ratio_ce=$(ratio_of "c$families" "e$families")
max_rss=0
for key in "a$families" "c$families" "a$half" "a$quarter"; do
  if ((RSS[$key] > max_rss)); then max_rss=${RSS[$key]}; fi
done
rss_full=$(mb "${RSS[a$families]}")
rss_half=$(mb "${RSS[a$half]}")
rss_quarter=$(mb "${RSS[a$quarter]}")
# Flat: from N/4 to N families (4× the data) the peak grows by at most 20%, or 16 MB for small
# peaks; a program that loads the file would grow by about 4×.
flat_limit=$(awk -v q="$rss_quarter" 'BEGIN { l1 = q * 1.2; l2 = q + 16; printf "%.1f", (l1 > l2 ? l1 : l2) }')

# shellcheck disable=SC2016 # the backquotes are Markdown
table=$(
  row '(b) floor: `psql \copy` into a bare staging table' "$families" "b$families"
  row '(a) `families import`, empty database' "$families" "a$families" "b$families"
  row '(c) re-import, unchanged file (created 0, updated 0)' "$families" "c$families" "b$families"
  row '(e) schema floor: `psql \copy` of (a)'"'"'s rows into the real tables' "$families" "e$families" "b$families"
  row '(b) floor, N/2' "$half" "b$half"
  row '(a) `families import`, N/2' "$half" "a$half" "b$half"
  row '(b) floor, N/4' "$quarter" "b$quarter"
  row '(a) `families import`, N/4' "$quarter" "a$quarter" "b$quarter"
)

cat <<EOF
### Import benchmark, $started_at

- commit: $commit; binary: $bin (${version:+$version, }built $built, copied at the start of the run)
- machine: $(nproc) CPUs (nproc), $cpu_model, ${mem_gb} GB RAM, Linux $(uname -r); load average $load_start at start, $load_end at the end
- server: PostgreSQL $server_version, private cluster $(basename "$pg_dir")/, default settings ($settings), over TCP 127.0.0.1
- input: \`scripts/gen-families.py --families $families --seed $seed\`: $(thousands "$families") families, $(thousands "${STUDENTS_OF[$families]}") students, $(thousands "${ROWS_OF[$families]}") rows, Windows-1252, \`;\`, CRLF
- each figure: median wall time of $reps run(s) of the whole client process, its CPU time (user + system), and its peak RSS (the largest of the runs), by GNU time; MB = 10^6 bytes

| measurement | families | rows | file MB | runs | median s | client CPU s | peak RSS MB | ratio to (b) |
|---|--:|--:|--:|--:|--:|--:|--:|--:|
$table

Targets (issue 3):

- (a) import ≤ 3× (b): ${ratio_a}× — $(verdict "$ratio_a" 3)
- (c) re-import ≤ 3× (b): ${ratio_c}× — $(verdict "$ratio_c" 3)
- for reference, (e) the schema's floor is ${ratio_e}× (b): (a) takes ${ratio_ae}× and (c) ${ratio_ce}× the time of (e)
- peak RSS of the import < 300 MB: $(mb "$max_rss") MB — $(verdict "$(mb "$max_rss")" 299.999)
- peak RSS flat as the file grows: $rss_quarter MB at N/4, $rss_half MB at N/2, $rss_full MB at N (limit $flat_limit MB) — $(verdict "$rss_full" "$flat_limit")
EOF

# --- optional: where the time goes -------------------------------------------------------------

# statements_since LINE: the durations the server logged after line LINE of its log.
statements_since() {
  tail -n +"$(($1 + 1))" "$server_log" |
    grep -E 'LOG:  duration: [0-9.]+ ms  (statement|execute [^:]*): ' |
    sed -E 's/^.*duration: ([0-9.]+) ms  (statement|execute [^:]*): (.*)$/\1\t\3/' |
    awk -F'\t' '{ total += $1; s = substr($2, 1, 110); gsub(/\|/, "\\|", s)
      if ($1 >= 5) printf "| %.0f | `%s` |\n", $1, s }
      END { printf "| %.0f | total of all statements |\n", total }'
}

if ((profile)); then
  say "profile: one more import and re-import with log_min_duration_statement = 0"
  use_input "$families"
  prepare_database bench_profile
  psql_db postgres -c "ALTER DATABASE bench_profile SET log_min_duration_statement = 0" >/dev/null
  checkpoint
  log_start=$(wc -l <"$server_log")
  timed "$work/out.json" "$work/err" "$adm" --no-progress --json --database "$base_url/bench_profile" families import "$FILE"
  ((T_RC == 0)) || die 1 "profile import exited $T_RC"
  import_wall=$T_WALL
  import_statements=$(statements_since "$log_start")
  psql_db bench_profile -c "VACUUM ANALYZE" >/dev/null
  checkpoint
  log_start=$(wc -l <"$server_log")
  timed "$work/out.json" "$work/err" "$adm" --no-progress --json --database "$base_url/bench_profile" families import "$FILE"
  ((T_RC == 0)) || die 1 "profile re-import exited $T_RC"
  reimport_wall=$T_WALL
  reimport_statements=$(statements_since "$log_start")
  cat <<EOF

#### Where the time goes ($(thousands "$families") families, server-side statement durations ≥ 5 ms)

The COPY line includes the client's reading and checking of the file, which it streams.

(a) import, $import_wall s wall:

| ms | statement |
|--:|---|
$import_statements

(c) re-import, $reimport_wall s wall:

| ms | statement |
|--:|---|
$reimport_statements
EOF
fi
