# SMTP listener helpers for the integration tests (source after lib.sh). The listener is
# scripts/smtp-listener.py (Debian's /usr/bin/python3 with python3-aiosmtpd) on loopback.
#
#   start_smtp [listener options...]  start a new listener (new folder, free port) and wait until
#                                     it accepts; exports SMTP_PORT, SMTP_DIR, SMTP_CA (the CA
#                                     file with --tls or --implicit-tls, else empty), SMTP_PID
#   restart_smtp                      start it again after stop_smtp: same port, same folder and
#                                     options; message numbers continue
#   stop_smtp [SIGNAL]                stop it (default TERM; KILL for a crash) and wait for it
#   smtp_count                        how many messages it has accepted
#   smtp_messages                     the accepted messages' files, in the order received
#   smtp_events                       its events.log (connect, starttls, auth, accepted, rejected)

SMTP_PORT="" SMTP_DIR="" SMTP_CA="" SMTP_PID=""
SMTP_OPTIONS=()

# _smtp_launch PORT: runs the listener in the background and waits for its port file.
_smtp_launch() {
  rm -f "$SMTP_DIR/port"
  /usr/bin/python3 "$IMUSE_SOURCE_DIR/scripts/smtp-listener.py" --host 127.0.0.1 --port "$1" \
    --port-file "$SMTP_DIR/port" --out "$SMTP_DIR" "${SMTP_OPTIONS[@]}" >>"$SMTP_DIR/listener.log" 2>&1 &
  SMTP_PID=$!
  BACKGROUND_PIDS+=("$SMTP_PID")
  local i
  for ((i = 0; i < 200; i++)); do
    if [ -s "$SMTP_DIR/port" ]; then
      SMTP_PORT=$(cat "$SMTP_DIR/port")
      export SMTP_PORT SMTP_DIR SMTP_CA SMTP_PID
      return 0
    fi
    if ! kill -0 "$SMTP_PID" 2>/dev/null; then
      break
    fi
    sleep 0.05
  done
  printf 'the SMTP listener did not start:\n' >&2
  cat "$SMTP_DIR/listener.log" >&2
  return 1
}

start_smtp() {
  SMTP_OPTIONS=("$@")
  SMTP_DIR=$(mktemp -d "$TEST_TMP/smtp-XXXXXX")
  SMTP_CA=""
  local o
  for o in "$@"; do
    case $o in --tls | --implicit-tls) SMTP_CA="$SMTP_DIR/ca.pem" ;; esac
  done
  _smtp_launch 0
}

restart_smtp() {
  [ -n "$SMTP_DIR" ] || { echo "restart_smtp: no listener was started" >&2; return 1; }
  _smtp_launch "$SMTP_PORT"
}

stop_smtp() {
  [ -n "$SMTP_PID" ] || return 0
  kill "-${1:-TERM}" "$SMTP_PID" 2>/dev/null
  wait "$SMTP_PID" 2>/dev/null
  SMTP_PID=""
}

smtp_count() {
  find "$SMTP_DIR/new" -maxdepth 1 -name '*.eml' 2>/dev/null | wc -l
}

smtp_messages() {
  find "$SMTP_DIR/new" -maxdepth 1 -name '*.eml' 2>/dev/null | sort -V
}

smtp_events() {
  cat "$SMTP_DIR/events.log" 2>/dev/null
}

# mail_json FILE...: the messages parsed with Python's strict policy (a malformed header or a
# defect fails), as a JSON list of {to, name, from_name, subject, text, kind} in the order given.
mail_json() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
from email import message_from_binary_file, policy
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = message_from_binary_file(f, policy=policy.strict)
    to = msg["To"].addresses[0]
    out.append({"to": to.addr_spec, "name": to.display_name, "subject": str(msg["Subject"]),
                "from_name": msg["From"].addresses[0].display_name,
                "text": msg.get_body(("plain",)).get_content(), "kind": msg.get("X-Imuse-Kind", "")})
print(json.dumps(out, ensure_ascii=False))
PY
}
