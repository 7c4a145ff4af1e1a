#!/usr/bin/env bash
# pg.sh — a private PostgreSQL cluster for development, tests and the quick
# start. It never touches the system's clusters or services (no systemd, no
# pg_ctlcluster): it runs the server binaries directly on a project-local
# data folder.
#
# Usage: scripts/pg.sh start|stop|status|url|psql [psql args...]
#
#   start   create the cluster if needed, start it, create database "imuse";
#           prints the connection URL as the only line on stdout
#   stop    fast shutdown; harmless when not running
#   status  "running (pid N) on 127.0.0.1:PORT, socket DIR, data DIR" (exit 0)
#           or "not running" (exit 3)
#   url     postgresql://imuse@127.0.0.1:PORT/imuse (exit 3 if not running)
#   psql    psql as user imuse on database imuse, arguments passed through
#
# Folder (default <repo>/.pg, or $IMUSE_PG_DIR):
#   data/               the cluster
#   run/                unix socket directory
#   log/postgres.log    server log
#   port                TCP port on 127.0.0.1 (kept across restarts if free)
#
# When run as root, initdb and pg_ctl run as the unprivileged "postgres" user
# (created by Debian's postgresql package), which then owns the folder. If that
# user (or, when not root, you) cannot use <repo>/.pg — e.g. the clone lives in
# a 0700 home directory — the folder is ${TMPDIR:-/tmp}/imuse-admin-pg-<hash of
# the repo path> instead (said once on stderr).
#
# Environment:
#   IMUSE_PG_DIR      folder to use instead of <repo>/.pg
#   IMUSE_PG_OPTIONS  extra server options, e.g.
#                     "-c fsync=off -c synchronous_commit=off"; they are parsed
#                     by /bin/sh (pg_ctl -o), so quote accordingly
#
# Exit codes: 0 ok, 1 error, 3 not running (status/url/psql), 64 usage.
set -euo pipefail

PATH="$PATH:/usr/sbin:/sbin"

readonly DB_USER=imuse DB_NAME=imuse LISTEN_HOST=127.0.0.1

say() { printf 'pg.sh: %s\n' "$*" >&2; }
die() {
  local code=$1
  shift
  say "$*"
  exit "$code"
}

usage() {
  cat >&2 <<'EOF'
usage: scripts/pg.sh start|stop|status|url|psql [psql args...]
  start   start the private cluster (created on first use); prints its URL
  stop    stop it
  status  tell whether it runs (exit 3 if not)
  url     print postgresql://imuse@127.0.0.1:PORT/imuse (exit 3 if not running)
  psql    run psql on it as imuse on database imuse
environment: IMUSE_PG_DIR (folder, default <repo>/.pg), IMUSE_PG_OPTIONS
EOF
}

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(dirname -- "$SCRIPT_DIR")

# --- who runs the server -----------------------------------------------------

if ((EUID == 0)); then
  # initdb refuses to run as root.
  SERVER_USER=postgres
  as_server() { (cd / && runuser -u "$SERVER_USER" -- "$@"); }
else
  SERVER_USER=$(id -un)
  as_server() { "$@"; }
fi
ME=$(id -un)

need_server_user() {
  if ((EUID == 0)) && ! id -u "$SERVER_USER" >/dev/null 2>&1; then
    die 1 "running as root needs the '$SERVER_USER' user, created by Debian's postgresql package: run scripts/install-deps.sh"
  fi
  if ((EUID == 0)) && ! command -v runuser >/dev/null 2>&1; then
    die 1 "runuser (util-linux) not found: run scripts/install-deps.sh"
  fi
}

# --- where the cluster lives ------------------------------------------------

# pg_ctl hands the data and log paths to /bin/sh inside double quotes, and the
# socket path inside our single quotes (-o); a comma would split the socket
# directory list. Refuse such characters rather than quote them.
safe_path() {
  case $1 in
    *[\"\$\`\\\',]* | *$'\n'*) return 1 ;;
  esac
  return 0
}

# Can the server user create or use DIR?
usable_dir() {
  local dir=$1 parent
  parent=$(dirname -- "$dir")
  safe_path "$dir" || return 1
  if ((EUID == 0)); then
    # root creates DIR and gives it to the server user, who must only be able
    # to traverse the parent.
    id -u "$SERVER_USER" >/dev/null 2>&1 || return 0 # reported later
    [[ -d $parent ]] && as_server test -x "$parent"
  elif [[ -e $dir || -L $dir ]]; then
    [[ -d $dir && -w $dir && -x $dir ]]
  else
    [[ -d $parent && -w $parent && -x $parent ]]
  fi
}

short_hash() { printf '%s' "$1" | sha256sum | cut -c1-8; }

FALLBACK_NOTE=""
if [[ -n ${IMUSE_PG_DIR:-} ]]; then
  BASE=$IMUSE_PG_DIR
  [[ $BASE == /* ]] || BASE="$PWD/$BASE"
  while [[ $BASE == */ && $BASE != / ]]; do BASE=${BASE%/}; done
  safe_path "$BASE" ||
    die 1 "IMUSE_PG_DIR must not contain quotes, \$, \`, \\, commas or newlines: $BASE"
else
  BASE="$REPO/.pg"
  if ! usable_dir "$BASE"; then
    BASE="${TMPDIR:-/tmp}/imuse-admin-pg-$(short_hash "$REPO")"
    BASE=${BASE//\/\//\/}
    safe_path "$BASE" ||
      die 1 "cannot use $REPO/.pg and TMPDIR contains quotes, \$, \`, \\, commas or newlines; set IMUSE_PG_DIR"
    FALLBACK_NOTE="note: $SERVER_USER cannot use $REPO/.pg; using $BASE instead"
  fi
fi

DATA="$BASE/data"
LOG_DIR="$BASE/log"
LOG="$LOG_DIR/postgres.log"
PORT_FILE="$BASE/port"
LOCK_FILE="$BASE/lock"
RUN_DIR="$BASE/run"
# A unix socket path (RUN_DIR/.s.PGSQL.PORT) is limited to 107 bytes.
if (($(printf '%s' "$RUN_DIR" | wc -c) + 16 > 107)); then
  RUN_DIR="/tmp/imuse-admin-pg-$(short_hash "$BASE").s"
  SHORT_RUN_DIR=1
else
  SHORT_RUN_DIR=0
fi

# --- PostgreSQL binaries ------------------------------------------------------

pick_bindir() {
  local v d best=""
  if [[ -f $DATA/PG_VERSION ]]; then
    v=$(<"$DATA/PG_VERSION")
    [[ -x /usr/lib/postgresql/$v/bin/pg_ctl ]] ||
      die 1 "the cluster in $DATA was created by PostgreSQL $v, which is not installed (remove $BASE to start afresh)"
    BIN=/usr/lib/postgresql/$v/bin
    return
  fi
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/pg_ctl && -x $d/initdb && -x $d/postgres ]] || continue
    v=${d#/usr/lib/postgresql/}
    v=${v%/bin}
    best+="$v"$'\n'
  done
  [[ -n $best ]] ||
    die 1 "no PostgreSQL server under /usr/lib/postgresql/*/bin: run scripts/install-deps.sh"
  v=$(printf '%s' "$best" | sort -V | tail -n 1)
  BIN=/usr/lib/postgresql/$v/bin
}

# Client programs (psql) must not pick up settings meant for other servers.
client() {
  env -u PGSERVICE -u PGSERVICEFILE -u PGHOSTADDR -u PGOPTIONS -u PGSSLMODE \
    -u PGREQUIRESSL -u PGTARGETSESSIONATTRS -u PGPASSWORD -u PGPASSFILE "$@"
}

# --- state ----------------------------------------------------------------------

# State of process $1: R, S, D, Z (zombie)... or nothing if it does not exist.
proc_state() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  printf '%s\n' "${stat%% *}"
}

# Sets PID, PORT, SOCKET_DIR, SHMID from postmaster.pid.
read_pidfile() {
  local lines=()
  [[ -f $DATA/postmaster.pid ]] || return 1
  mapfile -t lines <"$DATA/postmaster.pid" 2>/dev/null || return 1
  ((${#lines[@]} >= 5)) || return 1
  PID=${lines[0]}
  PORT=${lines[3]}
  SOCKET_DIR=${lines[4]}
  SHMID=""
  if ((${#lines[@]} >= 7)); then
    read -r _ SHMID <<<"${lines[6]}" || true
  fi
  [[ $PID =~ ^[0-9]+$ && $PORT =~ ^[0-9]+$ && -n $SOCKET_DIR ]]
}

# Like pg_ctl status, but a zombie postmaster counts as dead: on machines whose
# init reaps orphans late, a killed postmaster stays a zombie for a while and
# kill -0 (what pg_ctl uses) still succeeds. Sets PID, PORT, SOCKET_DIR.
is_running() {
  read_pidfile || return 1
  local state comm
  state=$(proc_state "$PID")
  [[ -n $state && $state != Z ]] || return 1
  comm=$(cat "/proc/$PID/comm" 2>/dev/null) || return 1
  [[ $comm == postgres* ]]
}

# Number of processes attached to SysV shared memory segment $1 (0 if gone).
shm_attached() {
  local n
  n=$(awk -v id="$1" '$2 == id { print $7 }' /proc/sysvipc/shm 2>/dev/null)
  printf '%s\n' "${n:-0}"
}

# A dead postmaster whose PID still exists (zombie not yet reaped by init, or
# PID reused by another program) makes the new postmaster refuse to start
# ("lock file already exists"). Wait for the zombie to go; if it lingers,
# remove the stale lock files once no old process uses the shared memory.
clear_stale_pidfile() {
  read_pidfile || return 0
  local i state
  for ((i = 0; i < 30; i++)); do
    state=$(proc_state "$PID")
    [[ $state == Z ]] || break
    ((i > 0)) || say "waiting for the dead server (pid $PID) to be reaped"
    sleep 1
  done
  state=$(proc_state "$PID")
  [[ -n $state ]] || return 0 # gone: PostgreSQL copes with a stale lock file
  if [[ -n $SHMID ]]; then
    for ((i = 0; i < 30; i++)); do
      (($(shm_attached "$SHMID") == 0)) && break
      ((i > 0)) || say "waiting for old server processes to exit"
      sleep 1
    done
    (($(shm_attached "$SHMID") == 0)) ||
      die 1 "processes of a dead server still use its shared memory (segment $SHMID); stop them first"
    ipcrm -m "$SHMID" 2>/dev/null || true
  fi
  say "removing the lock files of the dead server (pid $PID)"
  rm -f -- "$DATA/postmaster.pid"
  local lock pid
  for lock in "$RUN_DIR"/.s.PGSQL.*.lock; do
    [[ -f $lock ]] || continue
    pid=$(head -n 1 -- "$lock" 2>/dev/null || true)
    if [[ $pid == "$PID" ]]; then
      rm -f -- "$lock"
    fi
  done
}

# Exits 3 unless the server runs; then PID, PORT, SOCKET_DIR are set.
require_running() {
  if [[ -d $BASE ]]; then
    pick_bindir
    if is_running; then
      return 0
    fi
  fi
  die 3 "not running (data $DATA); start it with scripts/pg.sh start"
}

print_url() { printf 'postgresql://%s@%s:%s/%s\n' "$DB_USER" "$LISTEN_HOST" "$1" "$DB_NAME"; }

# --- start helpers --------------------------------------------------------------

# Creates a directory for the server user, or checks an existing one.
own_dir() {
  local dir=$1 owner
  if [[ -L $dir ]]; then
    die 1 "$dir is a symbolic link; refusing to use it"
  fi
  if [[ ! -d $dir ]]; then
    # Parents keep the umask's mode; the folder itself is made private below.
    mkdir -p -- "$dir" || die 1 "cannot create $dir"
  fi
  owner=$(stat -c %U -- "$dir")
  if [[ $owner != "$SERVER_USER" && $owner != "$ME" ]]; then
    die 1 "$dir belongs to $owner, not to $SERVER_USER; refusing to use it"
  fi
  if ((EUID == 0)) && [[ $owner != "$SERVER_USER" ]]; then
    chown -- "$SERVER_USER:" "$dir"
  fi
  chmod 0700 -- "$dir"
}

prepare_dirs() {
  # Said once: when the fallback folder is created (status shows it later).
  if [[ -n $FALLBACK_NOTE && ! -d $BASE ]]; then
    say "$FALLBACK_NOTE"
  fi
  own_dir "$BASE"
  as_server test -w "$BASE" -a -x "$BASE" ||
    die 1 "$SERVER_USER cannot write to $BASE (a parent directory may be private); set IMUSE_PG_DIR to a folder it can reach"
  own_dir "$LOG_DIR"
  own_dir "$RUN_DIR"
  if ((SHORT_RUN_DIR)); then
    say "note: socket directory $BASE/run would be too long for a unix socket; using $RUN_DIR"
  fi
  if [[ -d $DATA ]]; then
    local owner
    owner=$(stat -c %U -- "$DATA")
    [[ $owner == "$SERVER_USER" ]] ||
      die 1 "$DATA belongs to $owner but the server would run as $SERVER_USER (it was created by another user?); use IMUSE_PG_DIR or remove $BASE"
  fi
}

# Serialises start/stop of the same cluster. fd 9 must not leak into the
# server (it would hold the lock forever): pg_ctl runs with 9>&-.
take_lock() {
  exec 9>>"$LOCK_FILE"
  ((EUID != 0)) || chown -- "$SERVER_USER:" "$LOCK_FILE"
  flock -w 120 9 || die 1 "timed out waiting for another pg.sh on $BASE"
}

port_is_free() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# The server sets SO_REUSEADDR too: connections in TIME_WAIT do not matter.
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

new_port() {
  python3 - <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

choose_port() {
  local port=""
  if [[ -f $PORT_FILE ]]; then
    port=$(tr -dc '0-9' <"$PORT_FILE")
  fi
  if [[ -n $port ]] && ((port >= 1024 && port <= 65535)) && port_is_free "$port"; then
    printf '%s\n' "$port"
  else
    new_port
  fi
}

init_cluster() {
  [[ -f $DATA/PG_VERSION ]] && return 0
  local locale=C.UTF-8
  if ! locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then
    locale=C
  fi
  local version=${BIN#/usr/lib/postgresql/}
  say "creating cluster in $DATA (PostgreSQL ${version%/bin}, locale $locale)"
  local quiet=()
  if "$BIN/initdb" --help 2>/dev/null | grep -q -- --no-instructions; then
    quiet=(--no-instructions)
  fi
  # Trust authentication: acceptable because this server listens only on its
  # private unix socket (in a 0700 folder) and on 127.0.0.1 of a development
  # or CI machine; it holds throw-away development and test data. Never expose
  # such a cluster on another address.
  if ! as_server "$BIN/initdb" -D "$DATA" --username="$DB_USER" --auth=trust \
    --encoding=UTF8 --locale="$locale" "${quiet[@]}" </dev/null >&2; then
    die 1 "initdb failed; if $DATA is left over from an interrupted run, remove it and retry"
  fi
}

# Starts the server on port $1; returns pg_ctl's status.
start_server() {
  local opts
  opts="-p $1 -k '$RUN_DIR' -c listen_addresses=$LISTEN_HOST"
  if [[ -n ${IMUSE_PG_OPTIONS:-} ]]; then
    opts+=" $IMUSE_PG_OPTIONS"
  fi
  as_server "$BIN/pg_ctl" start -D "$DATA" -l "$LOG" -w -t 60 -o "$opts" \
    </dev/null >&2 9>&-
}

ensure_database() {
  local port=$1 exists
  exists=$(client "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$port" \
    -U "$DB_USER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") ||
    die 1 "cannot connect to the new server (see $LOG)"
  if [[ $exists != 1 ]]; then
    say "creating database $DB_NAME"
    client "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN_DIR" -p "$port" \
      -U "$DB_USER" -d postgres -c "CREATE DATABASE $DB_NAME" >&2 ||
      die 1 "cannot create database $DB_NAME"
  fi
}

# --- verbs ----------------------------------------------------------------------

cmd_start() {
  need_server_user
  pick_bindir
  prepare_dirs
  take_lock
  if is_running; then
    say "already running (pid $PID) on $LISTEN_HOST:$PORT"
    if [[ -n ${IMUSE_PG_OPTIONS:-} ]]; then
      say "note: IMUSE_PG_OPTIONS applies at start only; stop the server to apply it"
    fi
    print_url "$PORT"
    return 0
  fi
  init_cluster
  clear_stale_pidfile
  command -v python3 >/dev/null 2>&1 || die 1 "python3 not found: run scripts/install-deps.sh"
  local attempt port log_lines new_lines
  for attempt in 1 2 3; do
    port=$(choose_port)
    printf '%s\n' "$port" >"$PORT_FILE"
    ((EUID != 0)) || chown -- "$SERVER_USER:" "$PORT_FILE"
    log_lines=0
    [[ ! -f $LOG ]] || log_lines=$(wc -l <"$LOG")
    say "starting PostgreSQL on $LISTEN_HOST:$port (log $LOG)"
    if start_server "$port"; then
      break
    fi
    new_lines=$(tail -n +"$((log_lines + 1))" "$LOG" 2>/dev/null || true)
    # Transient causes: the port was taken between the check and the start,
    # or (after a kill -9) orphaned backends still hold the old shared memory.
    if ((attempt < 3)) && grep -qiE 'address already in use|could not bind|could not create any TCP/IP sockets|is still in use|lock file .* already exists' <<<"$new_lines"; then
      say "start failed for a transient reason; retrying"
      sleep 2
      continue
    fi
    say "could not start the server; end of $LOG:"
    printf '%s\n' "$new_lines" | tail -n 20 >&2
    exit 1
  done
  is_running || die 1 "server started but is not running any more (see $LOG)"
  ensure_database "$PORT"
  say "running (pid $PID) on $LISTEN_HOST:$PORT"
  print_url "$PORT"
}

cmd_stop() {
  if [[ ! -d $BASE ]]; then
    say "not running"
    return 0
  fi
  need_server_user
  pick_bindir
  if ! is_running; then
    say "not running"
    return 0
  fi
  take_lock
  if ! is_running; then
    say "not running"
    return 0
  fi
  as_server "$BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 120 </dev/null >&2 9>&- ||
    die 1 "pg_ctl stop failed (see $LOG)"
}

cmd_status() {
  if [[ -d $BASE ]]; then
    need_server_user
    pick_bindir
    if is_running; then
      printf 'running (pid %s) on %s:%s, socket %s, data %s\n' \
        "$PID" "$LISTEN_HOST" "$PORT" "$SOCKET_DIR" "$DATA"
      return 0
    fi
  fi
  echo "not running"
  exit 3
}

cmd_url() {
  require_running
  print_url "$PORT"
}

cmd_psql() {
  require_running
  exec env -u PGSERVICE -u PGSERVICEFILE -u PGHOSTADDR -u PGTARGETSESSIONATTRS \
    "$BIN/psql" -h "$SOCKET_DIR" -p "$PORT" -U "$DB_USER" -d "$DB_NAME" "$@"
}

verb=${1:-}
(($# == 0)) || shift
case $verb in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  status) cmd_status "$@" ;;
  url) cmd_url "$@" ;;
  psql) cmd_psql "$@" ;;
  -h | --help | help) usage ;;
  *)
    [[ -z $verb ]] || say "unknown command: $verb"
    usage
    exit 64
    ;;
esac
