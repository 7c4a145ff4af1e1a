#!/usr/bin/env bash
# bench-mail.sh — the mail delivery benchmark of issue 4 ("Speed"): a benchmark, not a test. It
# reports figures and PASS/MISS against the targets, and fails only when something is broken
# (a missing tool, a flush that does not deliver everything).
#
# Usage: scripts/bench-mail.sh [--messages N] [--reps K]
#        scripts/bench-mail.sh --clean
#
#   --messages N  queued messages (default 10000); memory is also measured at N/4 and N/2
#   --reps K      runs of each timed measurement at N, the median is reported (default 1)
#   --clean       stop the benchmark cluster, remove it, and exit
#
# What it does, in one run:
#   - writes a 20,480-byte PDF-like attachment: a real PDF header and %%EOF trailer around
#     random bytes (incompressible, like a real invoice's streams; no PDF reader would open it);
#   - starts a separate private cluster (IMUSE_PG_DIR=<repo>/.pg-bench/mail scripts/pg.sh
#     start, or $IMUSE_BENCH_PG_DIR) with PostgreSQL's default settings, fsync on, and stops it
#     at exit, also on Ctrl-C;
#   - queues N messages with SQL into a new, migrated database (accented subject and names,
#     a 600-byte French text part, the attachment as facture-<n>.pdf), not timed;
#   - starts Postfix's smtp-sink on loopback (127.0.0.1, a free port, backlog 1000);
#   - (a) imuse-admin mail flush of the N messages (SMTP, no TLS, one connection);
#   - (b) the same N messages built with Python's email package and sent with smtplib over one
#     connection (/usr/bin/python3);
#   - (c) the floor: smtp-source -d -m N -s 1 -l SIZE (one connection, messages of the size of
#     one message rendered by imuse-admin, measured through the maildir transport);
#   - (d) (a) again at N/4 and N/2 messages: peak memory must not grow with the queue.
#   Each measurement is the wall time of the whole client process and its peak RSS, by GNU
#   time. A CHECKPOINT precedes every timed flush. The Markdown report goes to stdout, progress
#   to stderr.
#
# Environment: IMUSE_BUILD_DIR (default build), IMUSE_BENCH_PG_DIR (default <repo>/.pg-bench/mail),
# TMPDIR. Exit codes: 0 the benchmark ran (whatever the targets say), 1 something broke,
# 64 usage, 130 interrupted.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

BENCH_NAME=bench-mail.sh
# shellcheck source=scripts/bench-lib.sh
source "$root/scripts/bench-lib.sh"

messages=10000
reps=1
clean=0
while (($# > 0)); do
  case $1 in
    --messages | --reps)
      (($# >= 2)) || die 64 "$1 needs a value"
      [[ $1 == --messages ]] && messages=$2 || reps=$2
      shift 2
      ;;
    --messages=*) messages=${1#*=} && shift ;;
    --reps=*) reps=${1#*=} && shift ;;
    --clean) clean=1 && shift ;;
    -h | --help) usage && exit 0 ;;
    *) die 64 "unknown argument: $1 (see --help)" ;;
  esac
done
[[ $messages =~ ^[1-9][0-9]*$ ]] && ((messages >= 4)) || die 64 "--messages must be a whole number, at least 4"
[[ $reps =~ ^[1-9][0-9]*$ ]] || die 64 "--reps must be a whole number, at least 1"

build=${IMUSE_BUILD_DIR:-build}
[[ $build == /* ]] || build="$root/$build"
pg_dir=${IMUSE_BENCH_PG_DIR:-$root/.pg-bench/mail}
[[ $pg_dir == /* ]] || pg_dir="$PWD/$pg_dir"
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGSERVICEFILE PGPASSWORD PGPASSFILE \
  PGOPTIONS PGSSLMODE IMUSE_ADMIN_DATABASE_URL IMUSE_PG_OPTIONS
pg() { IMUSE_PG_DIR=$pg_dir bash "$root/scripts/pg.sh" "$@"; }

if ((clean)); then
  pg stop || true
  rm -rf -- "$pg_dir"
  say "removed $pg_dir"
  exit 0
fi

# --- prerequisites -------------------------------------------------------------------

bench_require
for tool in /usr/sbin/smtp-sink /usr/sbin/smtp-source; do
  [[ -x $tool ]] || die 1 "$tool not found: install Debian's postfix package (scripts/install-deps.sh)"
done
command -v jq >/dev/null 2>&1 || die 1 "jq not found: run scripts/install-deps.sh"
[[ -x /usr/bin/python3 ]] || die 1 "/usr/bin/python3 not found"
find_psql

sink_pid=""
bench_cleanup_hook() { [[ -z $sink_pid ]] || kill "$sink_pid" 2>/dev/null; }
start_work bench-mail

# A copy, so that a rebuild during the run cannot change what is measured.
copy_binary "$bin" "$work"
cd "$work"

# --- the attachment and the messages ----------------------------------------------------

FROM=secretariat@conservatoire.example.fr
FROM_NAME="Conservatoire à rayonnement communal"
BODY=$(printf 'Bonjour,\n\nVeuillez trouver ci-joint la facture de cotisation de votre famille pour l’année 2026/2027 (formation musicale, pratique collective et danse).\n\nVous pouvez la régler en ligne par carte bancaire sur le portail des familles (PayFIP), par chèque à l’ordre du Trésor public, ou en espèces au secrétariat aux heures d’ouverture.\n\nPour toute question, répondez simplement à ce message : il arrive au secrétariat.\n\nBien cordialement,\nLe secrétariat du conservatoire')
export BODY FROM FROM_NAME
/usr/bin/python3 - "$work/facture.pdf" "$work/facture.hex" <<'PY'
import os, sys
head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 20000 >>\nstream\n"
tail = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
data = head + os.urandom(20480 - len(head) - len(tail)) + tail
open(sys.argv[1], "wb").write(data)
open(sys.argv[2], "w").write("\\\\x" + data.hex() + "\n")  # one bytea value for \copy
PY

say "starting the benchmark cluster in $pg_dir (PostgreSQL default settings, fsync on)"
pg stop >/dev/null 2>&1 || true
cluster_started=1
url=$(pg start | tail -n 1) || die 1 "could not start the benchmark cluster (see $pg_dir/log/postgres.log)"
base_url=${url%/*}
psql_db() {
  local db=$1
  shift
  PGOPTIONS='-c client_min_messages=warning' "$psql_bin" -X -q -v ON_ERROR_STOP=1 "$base_url/$db" "$@"
}

# queued_database NAME N: a new migrated database with N queued messages, each with the PDF.
queued_database() {
  psql_db postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
  "$adm" -q --no-progress --database "$base_url/$1" db migrate >/dev/null || die 1 "db migrate failed on $1"
  psql_db "$1" -v n="$2" -v body="$BODY" >/dev/null <<SQL
CREATE TEMP TABLE pdf (content bytea);
\\copy pdf FROM '$work/facture.hex'
INSERT INTO mail_outbox (idempotency_key, kind, to_address, to_name, subject, body_text, created_by_command)
SELECT 'invoice:' || g, 'invoice', 'famille' || g || '@example.org', 'Famille Hélène Œuvray ' || g,
       'Votre facture de cotisation — année 2026/2027 (n° ' || g || ')', :'body', 'bench-mail.sh'
FROM generate_series(1, :n) g;
INSERT INTO mail_outbox_attachments (outbox_id, position, file_name, content_type, content)
SELECT id, 1, 'facture-' || id || '.pdf', 'application/pdf', (SELECT content FROM pdf) FROM mail_outbox;
VACUUM ANALYZE mail_outbox;
VACUUM ANALYZE mail_outbox_attachments;
CHECKPOINT;
SQL
}
drop_database() { psql_db postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null; }

# The size of one message as imuse-admin renders it, for smtp-source.
say "measuring the size of one rendered message (maildir transport)"
queued_database bench_mail_size 1
printf 'mail:\n  transport: maildir\n  maildir: %s\n  from: %s\n  from_name: "%s"\n' \
  "$work/maildir" "$FROM" "$FROM_NAME" >"$work/maildir.yaml"
mkdir -p "$work/maildir"
"$adm" -q --no-progress --config "$work/maildir.yaml" --database "$base_url/bench_mail_size" mail flush >/dev/null ||
  die 1 "mail flush to the maildir failed"
size=$(stat -c %s "$(find "$work/maildir/new" -type f | head -1)")
drop_database bench_mail_size

# --- the sink ---------------------------------------------------------------------------

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sink_user=()
[[ $(id -u) != 0 ]] || sink_user=(-u nobody)  # smtp-sink refuses to run as root
/usr/sbin/smtp-sink "${sink_user[@]}" 127.0.0.1:"$port" 1000 >"$work/sink.log" 2>&1 &
sink_pid=$!
for _ in $(seq 100); do
  /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null && break
  kill -0 "$sink_pid" 2>/dev/null || die 1 "smtp-sink did not start: $(cat "$work/sink.log")"
  sleep 0.1
done
printf 'mail:\n  transport: smtp\n  from: %s\n  from_name: "%s"\n  reply_to: accueil@conservatoire.example.fr\n  smtp:\n    host: 127.0.0.1\n    port: %s\n    security: none\n' \
  "$FROM" "$FROM_NAME" "$port" >"$work/smtp.yaml"

# --- measuring ---------------------------------------------------------------------------

# CPU ticks (user + system) used so far by a process and, when $2 is 1, by its children too:
# the live ones, plus the exited ones it reaped (cutime/cstime). PostgreSQL's backends are the
# postmaster's children.
cpu_ticks() {
  local pid=$1 tree=${2:-0} total=0 child f
  [[ -r /proc/$pid/stat ]] || { echo 0; return; }
  # Fields after the command name: 14 utime, 15 stime, 16 cutime, 17 cstime (1-based).
  read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat")
  total=$((f[11] + f[12]))
  if ((tree)); then
    total=$((total + f[13] + f[14]))
    for child in $(pgrep -P "$pid"); do
      read -r -a f < <(sed 's/^.*) //' "/proc/$child/stat" 2>/dev/null || echo "")
      ((${#f[@]} > 13)) && total=$((total + f[11] + f[12]))
    done
  fi
  echo "$total"
}
postmaster_pid() { head -n 1 "$pg_dir/data/postmaster.pid"; }
ticks_per_second=$(getconf CLK_TCK)

# timed CMD...: runs CMD under GNU time; sets T_RC, T_WALL (s), T_RSS (KiB), T_CPU (client's
# user + system seconds), T_PG_CPU and T_SINK_CPU (seconds the PostgreSQL cluster and the sink
# used meanwhile).
timed() {
  local pg0 sink0 pm
  pm=$(postmaster_pid)
  pg0=$(cpu_ticks "$pm" 1)
  sink0=$(cpu_ticks "$sink_pid")
  set +e
  /usr/bin/time -f '%e %M %U %S' -o "$work/time" "$@" >"$work/out" 2>"$work/err"
  T_RC=$?
  set -e
  local user sys
  read -r T_WALL T_RSS user sys < <(tail -n 1 "$work/time")
  T_CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  T_PG_CPU=$(awk -v a="$pg0" -v b="$(cpu_ticks "$pm" 1)" -v t="$ticks_per_second" 'BEGIN { printf "%.2f", (b - a) / t }')
  T_SINK_CPU=$(awk -v a="$sink0" -v b="$(cpu_ticks "$sink_pid")" -v t="$ticks_per_second" 'BEGIN { printf "%.2f", (b - a) / t }')
}
declare -A CPUS=()
# cpu_of KEY: keeps the CPU seconds of the last timed run under KEY (the last repetition wins).
cpu_of() { CPUS[$1]="$T_CPU $T_PG_CPU $T_SINK_CPU"; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

# flush N: a queued database of N messages, then a timed mail flush of it.
flush() {
  local n=$1 db="bench_mail_$1"
  say "  queueing $n messages"
  queued_database "$db" "$n"
  timed "$adm" --json --no-progress --config "$work/smtp.yaml" --database "$base_url/$db" mail flush
  if ((T_RC != 0)) || [[ $(jq -r .counts.sent "$work/out") != "$n" ]]; then
    cat "$work/out" "$work/err" >&2
    die 1 "mail flush did not deliver the $n messages (exit $T_RC)"
  fi
  drop_database "$db"
  say "  (a) mail flush, $n messages: $T_WALL s, peak RSS $(mb "$T_RSS") MB"
}

cat >"$work/send-smtplib.py" <<'PY'
import os, smtplib, sys
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

n, port, pdf = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
body, sender, sender_name = os.environ["BODY"], os.environ["FROM"], os.environ["FROM_NAME"]
with smtplib.SMTP("127.0.0.1", port) as smtp:
    for i in range(1, n + 1):
        m = EmailMessage()
        m["Date"] = formatdate(localtime=True)
        m["Message-ID"] = make_msgid(domain="conservatoire.example.fr")
        m["From"] = Address(sender_name, addr_spec=sender)
        m["Reply-To"] = "accueil@conservatoire.example.fr"
        m["To"] = Address(f"Famille Hélène Œuvray {i}", addr_spec=f"famille{i}@example.org")
        m["Subject"] = f"Votre facture de cotisation — année 2026/2027 (n° {i})"
        m.set_content(body)
        m.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"facture-{i}.pdf")
        smtp.send_message(m)
PY

declare -A WALLS=()
say "benchmark: $messages messages of $size bytes, $reps run(s) each, smtp-sink on 127.0.0.1:$port"
flush_rss=0
for ((rep = 1; rep <= reps; rep++)); do
  flush "$messages"
  cpu_of a
  WALLS[a]+=" $T_WALL"
  ((T_RSS > flush_rss)) && flush_rss=$T_RSS
  timed /usr/bin/python3 "$work/send-smtplib.py" "$messages" "$port" "$work/facture.pdf"
  ((T_RC == 0)) || die 1 "smtplib run failed: $(tail -n 5 "$work/err")"
  cpu_of b
  WALLS[b]+=" $T_WALL"
  say "  (b) smtplib, $messages messages: $T_WALL s"
  timed /usr/sbin/smtp-source -d -m "$messages" -s 1 -l "$size" -f "$FROM" -t famille@example.org 127.0.0.1:"$port"
  ((T_RC == 0)) || die 1 "smtp-source failed: $(tail -n 5 "$work/err")"
  cpu_of c
  WALLS[c]+=" $T_WALL"
  say "  (c) smtp-source, $messages messages: $T_WALL s"
done
quarter=$((messages / 4)) half=$((messages / 2))
flush "$quarter"
rss_quarter=$T_RSS
flush "$half"
rss_half=$T_RSS

wa=$(median "${WALLS[a]}") wb=$(median "${WALLS[b]}") wc=$(median "${WALLS[c]}")
ra=$(rate "$messages" "$wa") rb=$(rate "$messages" "$wb") rc=$(rate "$messages" "$wc")
vs_smtplib=$(awk -v a="$ra" -v b="$rb" 'BEGIN { printf "%.2f", a / b }')
vs_floor=$(awk -v a="$ra" -v c="$rc" 'BEGIN { printf "%.0f", 100 * a / c }')
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t ? "PASS" : "MISS") }'; }
flat=$(awk -v q="$rss_quarter" -v f="$flush_rss" 'BEGIN { print (f <= q * 1.25 + 2048 ? "PASS" : "MISS") }')

cat <<EOF
### $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit

$messages queued messages, each $size bytes as sent (a 20,480-byte PDF-like attachment, base64),
delivered to \`smtp-sink\` on 127.0.0.1 over one connection; $reps run(s), median wall time;
$(nproc) CPUs, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).

| Client | Messages | Wall (s) | msg/s | Peak RSS |
|---|---:|---:|---:|---:|
| (a) \`imuse-admin mail flush\` | $messages | $wa | $ra | $(mb "$flush_rss") MB |
| (b) Python \`smtplib\`, one connection | $messages | $wb | $rb | |
| (c) \`smtp-source -d -s 1\` (floor) | $messages | $wc | $rc | |

CPU seconds used during the last run of each client, per process (the client itself, the whole
PostgreSQL cluster, smtp-sink), and per message for all three together:

| Client | Client CPU (s) | PostgreSQL CPU (s) | smtp-sink CPU (s) | Total ms/message |
|---|---:|---:|---:|---:|
$(for k in a b c; do
  read -r c p k2 <<<"${CPUS[$k]}"
  label=$([[ $k == a ]] && echo '(a) `mail flush`' || ([[ $k == b ]] && echo '(b) smtplib' || echo '(c) smtp-source'))
  awk -v l="$label" -v c="$c" -v p="$p" -v s="$k2" -v n="$messages" 'BEGIN { printf "| %s | %.2f | %.2f | %.2f | %.3f |\n", l, c, p, s, 1000 * (c + p + s) / n }'
done)

| Target | Measured | Verdict |
|---|---:|---|
| flush ≥ 3 × smtplib | $vs_smtplib × | $(verdict "$vs_smtplib" 3) |
| flush ≥ 70 % of smtp-source | $vs_floor % | $(verdict "$vs_floor" 70) |
| flush memory flat | $(mb "$rss_quarter") MB at $quarter, $(mb "$rss_half") MB at $half, $(mb "$flush_rss") MB at $messages | $flat |

Command: \`scripts/bench-mail.sh --messages $messages --reps $reps\`
EOF
