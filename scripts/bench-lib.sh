# bench-lib.sh: what the benchmark scripts (scripts/bench-*.sh) share. Sourced after
# `set -euo pipefail`, with BENCH_NAME set to the script's name for its error messages.

# Progress and errors go to stderr; the Markdown report alone goes to stdout.
say() { printf '%s\n' "$*" >&2; }
die() {
  local code=$1
  shift
  printf '%s: %s\n' "$BENCH_NAME" "$*" >&2
  exit "$code"
}
# The script's header comment, as its --help.
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

# find_psql: sets psql_bin to the newest PostgreSQL's psql (Debian keeps it out of PATH's
# versioned directories), else the one on PATH.
find_psql() {
  psql_bin=""
  local d
  for d in /usr/lib/postgresql/*/bin; do [[ -x $d/psql ]] && psql_bin="$d/psql"; done
  [[ -n $psql_bin ]] || psql_bin=$(command -v psql) || die 1 "psql not found: run scripts/install-deps.sh"
}

# copy_binary BIN DIR: copies the binary, so that a rebuild during the run cannot change what
# is measured; sets adm (the copy), built (its build time) and commit (read at the same moment).
copy_binary() {
  cp -p -- "$1" "$2/imuse-admin"
  adm="$2/imuse-admin"
  built=$(date -u -r "$adm" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || echo unknown)
  commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  [[ -z $(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null) ]] || commit+=" (with uncommitted changes)"
}

# median "V1 V2 ...": the median, two decimals.
median() {
  tr -s ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }'; } # KiB -> MB (10^6 bytes)

# start_work NAME: makes the scratch folder $work (under $TMPDIR) and installs the traps. At
# exit — normal, error or Ctrl-C — bench_cleanup_hook runs when the script defines one, the
# benchmark cluster is stopped if this run started it (cluster_started=1; the script's `pg`
# function and $pg_dir), and $work is removed.
start_work() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/imuse-$1.XXXXXX")
  cluster_started=0
  trap bench_cleanup EXIT
  trap 'say "interrupted"; exit 130' INT
  trap 'say "terminated"; exit 143' TERM
}
bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if declare -F bench_cleanup_hook >/dev/null; then bench_cleanup_hook || true; fi
  if ((cluster_started)); then
    say "stopping the benchmark cluster ($pg_dir)"
    pg stop >/dev/null 2>&1 || say "warning: could not stop it: IMUSE_PG_DIR=$pg_dir scripts/pg.sh stop"
  fi
  rm -rf -- "$work"
  exit "$rc"
}

# bench_cluster NAME: sets build (IMUSE_BUILD_DIR, default build) and pg_dir (IMUSE_BENCH_PG_DIR,
# default $TMPDIR/imuse-admin-NAME-pg) as absolute paths, clears libpq's environment so that
# nothing reaches another server, and defines pg (scripts/pg.sh on that cluster). With
# clean=1 (--clean) it stops and removes the cluster, and exits.
bench_cluster() {
  build=${IMUSE_BUILD_DIR:-build}
  [[ $build == /* ]] || build="$root/$build"
  pg_dir=${IMUSE_BENCH_PG_DIR:-${TMPDIR:-/tmp}/imuse-admin-$1-pg}
  [[ $pg_dir == /* ]] || pg_dir="$PWD/$pg_dir"
  unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGPASSWORD PGOPTIONS IMUSE_ADMIN_DATABASE_URL \
    IMUSE_PG_OPTIONS
  pg() { IMUSE_PG_DIR=$pg_dir bash "$root/scripts/pg.sh" "$@"; }
  if ((${clean:-0})); then
    pg stop || true
    rm -rf -- "$pg_dir"
    say "removed $pg_dir"
    exit 0
  fi
}

# bench_require TOOL...: the binary of $build and GNU time must exist, and each TOOL be on PATH;
# sets bin. Exit 1 naming what to install otherwise.
bench_require() {
  bin="$build/imuse-admin"
  [[ -x $bin ]] || die 1 "no imuse-admin binary at $bin: build it first (cmake -S . -B build && cmake --build build -j2)"
  /usr/bin/time --version 2>&1 | grep -q GNU || die 1 "GNU time (/usr/bin/time) is needed: run scripts/install-deps.sh"
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die 1 "$tool not found: run scripts/install-deps.sh"
  done
}

# bench_start_cluster: (re)starts the benchmark cluster of bench_cluster, stopped at exit by
# bench_cleanup; sets base_url (the server's URL without a database) and defines
# psql_db DB [psql args...].
bench_start_cluster() {
  if pg status >/dev/null 2>&1; then pg stop >/dev/null; fi
  say "starting the benchmark cluster in $pg_dir"
  cluster_started=1
  local url
  url=$(pg start | tail -n 1) || die 1 "could not start the benchmark cluster"
  base_url=${url%/*}
  psql_db() { PGOPTIONS='-c client_min_messages=warning' "$psql_bin" -X -q -v ON_ERROR_STOP=1 "$base_url/$1" "${@:2}"; }
}
