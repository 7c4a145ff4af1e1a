#!/usr/bin/env bash
# Mail outbox: flush through a real SMTP listener on loopback (exactly once, 4xx/5xx, a listener
# that dies, a flush that dies, STARTTLS required, limits), maildir, redaction of passwords,
# status / list / show / retry, dry run, JSON, exit codes. Messages are queued with SQL here:
# the commands that queue them have tests of their own.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/smtp.sh"

URL=$(new_database mail)
export IMUSE_ADMIN_DATABASE_URL=$URL
"$IMUSE_ADMIN_BIN" -q db migrate >/dev/null || { echo "migrate failed"; exit 1; }
PG_DUMP=pg_dump
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_dump" ] && PG_DUMP="$d/pg_dump"; done

# mail_config [TRANSPORT-SPECIFIC YAML LINES under mail:]: the configuration of the next runs.
mail_config() {
  {
    printf 'mail:\n'
    printf '  from: secretariat@conservatoire.example.fr\n'
    printf '  from_name: "Conservatoire à rayonnement communal d’Éragny"\n'
    printf '  reply_to: accueil@conservatoire.example.fr\n'
    printf '  max_attempts: 3\n'
    printf '%s\n' "$@"
  } >"$TEST_TMP/mail.yaml"
  export IMUSE_ADMIN_CONFIG="$TEST_TMP/mail.yaml"
}
smtp_config() {
  mail_config "  transport: smtp" "  smtp:" "    host: 127.0.0.1" "    port: $SMTP_PORT" \
    "    security: ${1:-none}" "    timeout: 5" ${SMTP_CA:+"    ca_file: $SMTP_CA"} "${@:2}"
}

# A fresh outbox for each test.
empty_outbox() { PGOPTIONS='-c client_min_messages=warning' sql "$URL" "TRUNCATE mail_outbox CASCADE" >/dev/null; }

# queue N [FIRST]: N messages to famille<i>@example.org (i from FIRST, default 1), accented.
queue() {
  local first=${2:-1}
  sql "$URL" "INSERT INTO mail_outbox (idempotency_key, kind, to_address, to_name, subject, body_text)
              SELECT 'identifier:' || g, 'identifier', 'famille' || g || '@example.org',
                     'Famille Œuvray-Hélène ' || g, 'Votre identifiant pour le portail — été ' || g,
                     'Bonjour,' || chr(10) || 'votre identifiant est f' || g || '.'
              FROM generate_series($first, $first + $1 - 1) g
              ON CONFLICT (idempotency_key) DO NOTHING" >/dev/null
}
# queue_to ADDRESS: one message; prints its id.
queue_to() {
  sql "$URL" "INSERT INTO mail_outbox (idempotency_key, kind, to_address, subject, body_text)
              VALUES ('one:' || md5(random()::text), 'identifier', '$1', 'Objet', 'Texte') RETURNING id"
}
state_of() { sql "$URL" "SELECT state FROM mail_outbox WHERE id = $1"; }
count_state() { sql "$URL" "SELECT count(*) FROM mail_outbox WHERE state = '$1'"; }
# Time passes: every deferred message becomes due.
make_due() { sql "$URL" "UPDATE mail_outbox SET next_attempt_at = now() WHERE state = 'queued'" >/dev/null; }

# strict_headers FILE: parses a received message with Python's strict policy (a defect or a
# malformed header fails) and prints Subject, From, To, Message-ID and the text part.
strict_headers() {
  /usr/bin/python3 - "$1" <<'PY'
import sys
from email import message_from_binary_file, policy
with open(sys.argv[1], "rb") as f:
    msg = message_from_binary_file(f, policy=policy.strict)
for name in ("Subject", "From", "To", "Reply-To", "Message-ID"):
    print(f"{name}: {msg[name]}")
print("text: " + msg.get_body(("plain",)).get_content().replace("\n", "|"))
PY
}

smtp_count_at_least() { [ "$(smtp_count)" -ge "$1" ]; }
# No flush session left on the server (a killed client's backend may take a moment to go).
no_flush_session() {
  [ "$(sql "$URL" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'imuse-admin mail flush' AND datname = current_database()")" = 0 ]
}

# wait_until COMMAND...: polls (up to ~20 s) until the command succeeds.
wait_until() {
  local i
  for ((i = 0; i < 400; i++)); do
    "$@" && return 0
    sleep 0.05
  done
  fail "timed out waiting for: $*"
}

t_help_and_usage_errors_need_no_database() {
  IMUSE_ADMIN_DATABASE_URL=postgresql://nobody@127.0.0.1:1/none run mail --help
  expect_rc 0
  expect_out "flush"
  expect_out "retry"
  run mail flush --rate fast
  expect_rc 64
  expect_err "is not a rate"
  run mail flush --limit 0
  expect_rc 64
  run mail retry
  expect_rc 64
  expect_err "give a message ID or --failed"
  run mail retry 3 --failed
  expect_rc 64
  run mail show abc
  expect_rc 64
}

t_flush_delivers_every_message_exactly_once() {
  empty_outbox
  start_smtp || return
  smtp_config
  queue 5
  run mail flush --json
  expect_rc 0
  expect_eq "$(json '.counts | keys | join(",")')" "failed,left_queued,recovered,sent,temporary_failures"
  expect_eq "$(json .counts.sent)" "5"
  expect_eq "$(json .counts.left_queued)" "0"
  expect_eq "$(json .exit_code)" "0"
  expect_eq "$(smtp_count)" "5"
  expect_eq "$(smtp_events | grep -c '^connect')" "1" "one connection for the run"
  expect_eq "$(count_state sent)" "5"
  expect_eq "$(sql "$URL" "SELECT count(DISTINCT message_id) FROM mail_outbox WHERE sent_at IS NOT NULL")" "5"
  # A second flush has nothing to send.
  run mail flush --json
  expect_rc 0
  expect_eq "$(json .counts.sent)" "0"
  expect_eq "$(smtp_count)" "5"
  # What arrived parses strictly, accents intact, and carries the stored Message-ID.
  local first headers
  first=$(smtp_messages | head -1)
  headers=$(strict_headers "$first") || fail "strict parse failed: $headers"
  grep -qF "Subject: Votre identifiant pour le portail — été 1" <<<"$headers" || fail "subject: $headers"
  grep -qF "From: Conservatoire à rayonnement communal d’Éragny <secretariat@conservatoire.example.fr>" \
    <<<"$headers" || fail "from: $headers"
  grep -qF "To: Famille Œuvray-Hélène 1 <famille1@example.org>" <<<"$headers" || fail "to: $headers"
  grep -qF "Reply-To: accueil@conservatoire.example.fr" <<<"$headers" || fail "reply-to: $headers"
  grep -qF "text: Bonjour,|votre identifiant est f1." <<<"$headers" || fail "text: $headers"
  grep -qF "Message-ID: $(sql "$URL" "SELECT message_id FROM mail_outbox WHERE to_address = 'famille1@example.org'")" \
    <<<"$headers" || fail "message-id: $headers"
  # The same idempotency key cannot be queued twice.
  queue 1
  expect_eq "$(sql "$URL" "SELECT count(*) FROM mail_outbox")" "5"
  stop_smtp
}

t_451_leaves_the_message_queued_with_backoff_then_gives_up() {
  empty_outbox
  start_smtp --reply 'later@.*=451' || return
  smtp_config
  queue 1
  local id
  id=$(queue_to later@example.org)
  run mail flush --json
  expect_rc 0
  expect_eq "$(json .counts.sent)" "1"
  expect_eq "$(json .counts.temporary_failures)" "1"
  expect_eq "$(json .counts.left_queued)" "1"
  expect_err "deferred (attempt 1"
  expect_eq "$(state_of "$id")" "queued"
  expect_eq "$(sql "$URL" "SELECT attempts FROM mail_outbox WHERE id = $id")" "1"
  expect_eq "$(sql "$URL" "SELECT next_attempt_at > now() + interval '30 seconds' FROM mail_outbox WHERE id = $id")" "t"
  expect_eq "$(sql "$URL" "SELECT last_error LIKE '451%' FROM mail_outbox WHERE id = $id")" "t"
  # Not due yet: the next run leaves it alone.
  run mail flush --json
  expect_rc 0
  expect_eq "$(json .counts.temporary_failures)" "0"
  expect_eq "$(smtp_events | grep -c 'rejected 451')" "1"
  # Due again and refused again: nothing delivered at all in this run, so exit 69; the wait doubles.
  make_due
  run mail flush --json
  expect_rc 69
  expect_eq "$(sql "$URL" "SELECT attempts FROM mail_outbox WHERE id = $id")" "2"
  expect_eq "$(sql "$URL" "SELECT next_attempt_at > now() + interval '90 seconds' FROM mail_outbox WHERE id = $id")" "t"
  # mail.max_attempts is 3: the third refusal is final.
  make_due
  run mail flush --json
  expect_rc 1
  expect_eq "$(json .counts.failed)" "1"
  expect_eq "$(state_of "$id")" "failed"
  expect_eq "$(sql "$URL" "SELECT last_error LIKE 'gave up after 3 attempts: 451%' FROM mail_outbox WHERE id = $id")" "t"
  stop_smtp
}

t_550_marks_the_message_failed_and_retry_queues_it_again() {
  empty_outbox
  start_smtp --reply 'nobody@.*=550' || return
  smtp_config
  local bad good
  bad=$(queue_to nobody@example.org)
  good=$(queue_to somebody@example.org)
  run mail flush --json
  expect_rc 1
  expect_eq "$(json .counts.sent)" "1"
  expect_eq "$(json .counts.failed)" "1"
  expect_eq "$(json '.rejected[0].item')" "message $bad to nobody@example.org"
  expect_eq "$(json '.rejected[0].message | startswith("550")')" "true"
  expect_eq "$(state_of "$bad")" "failed"
  expect_eq "$(sql "$URL" "SELECT last_error LIKE '550 5.1.1 <nobody@example.org>%' FROM mail_outbox WHERE id = $bad")" "t"
  run mail list --failed --json
  expect_rc 0
  expect_eq "$(json '.rows | length')" "1"
  expect_eq "$(json '.rows[0].to')" "nobody@example.org"
  run mail list --failed
  expect_out "550 5.1.1"
  run mail status --json
  expect_eq "$(json .counts.failed)" "1"
  expect_eq "$(json .counts.sent)" "1"
  # A sent message cannot be retried; an unknown one neither.
  run mail retry "$good"
  expect_rc 65
  expect_err "was delivered on"
  run mail retry 999999
  expect_rc 65
  expect_err "no message with id 999999"
  # The address is fixed at the server: retry, and it goes.
  run mail retry "$bad" --json
  expect_rc 0
  expect_eq "$(json .counts.retried)" "1"
  expect_eq "$(state_of "$bad")" "queued"
  expect_eq "$(sql "$URL" "SELECT attempts FROM mail_outbox WHERE id = $bad")" "0"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM audit_log WHERE command = 'mail retry'")" "1"
  stop_smtp
  start_smtp || return
  smtp_config
  run mail flush --json
  expect_rc 0
  expect_eq "$(json .counts.sent)" "1"
  expect_eq "$(state_of "$bad")" "sent"
  # retry --failed takes every failed message.
  sql "$URL" "UPDATE mail_outbox SET state = 'failed', last_error = 'test' WHERE id IN ($(queue_to a@example.org), $(queue_to b@example.org))" >/dev/null
  run mail retry --failed --json
  expect_rc 0
  expect_eq "$(json .counts.retried)" "2"
  expect_eq "$(count_state queued)" "2"
  stop_smtp
}

t_listener_killed_mid_flush_loses_nothing_and_doubles_nothing() {
  empty_outbox
  start_smtp || return
  smtp_config
  queue 60
  "$IMUSE_ADMIN_BIN" --json mail flush --rate 20/s >"$TEST_TMP/flush.out" 2>"$TEST_TMP/flush.err" &
  local pid=$!
  wait_until smtp_count_at_least 10
  stop_smtp KILL
  wait "$pid"; rc=$?
  out=$(cat "$TEST_TMP/flush.out") err=$(cat "$TEST_TMP/flush.err")
  expect_rc 69
  expect_eq "$(json .counts.sent)" "$(smtp_count)" "every acknowledged message is recorded as sent"
  expect_eq "$(count_state sent)" "$(smtp_count)"
  expect_eq "$(count_state sending)" "0"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM mail_outbox WHERE state = 'queued'")" "$((60 - $(smtp_count)))"
  restart_smtp || return
  make_due
  run mail flush --json
  expect_rc 0
  expect_eq "$(smtp_count)" "60"
  expect_eq "$(smtp_events | awk '/^accepted/ {print $3}' | sort -u | wc -l)" "60" "each recipient exactly once"
  expect_eq "$(count_state sent)" "60"
  stop_smtp
}

t_flush_killed_mid_run_is_recovered_by_the_next_run() {
  empty_outbox
  start_smtp || return
  smtp_config
  queue 30
  "$IMUSE_ADMIN_BIN" mail flush --rate 4/s >/dev/null 2>&1 &
  local pid=$!
  wait_until smtp_count_at_least 2
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  wait_until no_flush_session
  expect_eq "$(sql "$URL" "SELECT count(*) > 0 FROM mail_outbox WHERE state = 'sending'")" "t" "claimed rows left behind"
  run mail status --json
  expect_out '"sending"'
  run mail flush --json
  expect_rc 0
  expect_eq "$(json '.counts.recovered > 0')" "true"
  expect_err "did not finish"
  expect_eq "$(count_state sent)" "30"
  expect_eq "$(smtp_events | awk '/^accepted/ {print $3}' | sort -u | wc -l)" "30" "every recipient got it"
  # Only the message in flight when the flush died may arrive twice (documented); it was
  # sleeping between messages almost all the time, so this is nearly always 30.
  [ "$(smtp_count)" -le 31 ] || fail "$(smtp_count) messages received for 30 queued"
  stop_smtp
}

t_ctrl_c_stops_after_the_current_message_and_a_second_flush_is_refused() {
  empty_outbox
  start_smtp || return
  smtp_config
  queue 40
  "$IMUSE_ADMIN_BIN" --json mail flush --rate 10/s >"$TEST_TMP/flush.out" 2>"$TEST_TMP/flush.err" &
  local pid=$!
  wait_until smtp_count_at_least 2
  run mail flush
  expect_rc 75
  expect_err "holds the lock for 'mail flush'"
  kill -INT "$pid"
  wait "$pid"; rc=$?
  out=$(cat "$TEST_TMP/flush.out") err=$(cat "$TEST_TMP/flush.err")
  expect_rc 130
  expect_eq "$(json '.rejected[0].message | startswith("interrupted")')" "true"
  expect_eq "$(count_state sending)" "0"
  expect_eq "$(count_state sent)" "$(smtp_count)"
  expect_eq "$(count_state queued)" "$((40 - $(smtp_count)))"
  expect_eq "$(sql "$URL" "SELECT summary->>'sent' FROM audit_log WHERE command = 'mail flush' ORDER BY id DESC LIMIT 1")" \
    "$(smtp_count)" "the interrupted run is audited"
  stop_smtp
}

t_starttls_required_but_not_offered_sends_nothing() {
  empty_outbox
  start_smtp || return
  smtp_config starttls
  local id
  id=$(queue_to famille@example.org)
  run mail flush --json
  expect_rc 69
  expect_eq "$(json .counts.sent)" "0"
  expect_eq "$(smtp_count)" "0"
  expect_eq "$(state_of "$id")" "queued"
  expect_eq "$(sql "$URL" "SELECT attempts FROM mail_outbox WHERE id = $id")" "1"
  stop_smtp
  # With TLS offered and the CA trusted, it goes.
  start_smtp --tls --require-starttls || return
  smtp_config starttls
  make_due
  run mail flush --json
  expect_rc 0
  expect_eq "$(json .counts.sent)" "1"
  expect_eq "$(smtp_events | grep -c '^starttls')" "1"
  stop_smtp
}

t_password_is_hidden_then_removed_after_delivery() {
  empty_outbox
  start_smtp || return
  smtp_config
  local id secret=Zq7-PlainSecret-42
  id=$(sql "$URL" "INSERT INTO mail_outbox (idempotency_key, kind, to_address, subject, body_text, body_html, contains_secret)
                   VALUES ('password:1', 'password', 'famille@example.org', 'Votre nouveau mot de passe',
                           'Votre mot de passe : $secret', '<p>Votre mot de passe : $secret</p>', true) RETURNING id")
  run mail show "$id"
  expect_rc 0
  expect_out "[contains a password: hidden]"
  expect_no_out "$secret"
  run mail flush --json
  expect_rc 0
  expect_no_out "$secret"
  expect_eq "$(smtp_count)" "1"
  grep -q "$secret" "$(smtp_messages | head -1)" || fail "the family did not get the password"
  expect_eq "$(sql "$URL" "SELECT redacted_at IS NOT NULL AND body_html IS NULL FROM mail_outbox WHERE id = $id")" "t"
  "$PG_DUMP" --data-only "$URL" >"$TEST_TMP/dump.sql" 2>/dev/null || fail "pg_dump failed"
  ! grep -q "$secret" "$TEST_TMP/dump.sql" || fail "the password is still in the database"
  run mail show "$id" --json
  expect_eq "$(json .details.text)" "[contains a password: removed after delivery]"
  stop_smtp
}

t_limit_and_hourly_limit_leave_the_rest_queued() {
  empty_outbox
  start_smtp || return
  smtp_config
  queue 10
  run mail flush --limit 3 --rate 1000/s --json
  expect_rc 0
  expect_eq "$(json .counts.sent)" "3"
  expect_eq "$(json .counts.left_queued)" "7"
  expect_out "stopped at --limit 3; 7 due message(s) left queued"
  smtp_config none "  max_per_hour: 5"
  run mail flush --json
  expect_rc 0
  expect_eq "$(json .counts.sent)" "2"
  expect_eq "$(json .counts.left_queued)" "5"
  expect_err "stopped at the hourly limit"
  run mail flush --json
  expect_rc 0
  expect_eq "$(json .counts.sent)" "0"
  expect_eq "$(smtp_count)" "5"
  # An hour later the run resumes where it stopped.
  sql "$URL" "UPDATE mail_outbox SET sent_at = sent_at - interval '2 hours' WHERE state = 'sent'" >/dev/null
  run mail flush --json
  expect_eq "$(json .counts.sent)" "5"
  expect_eq "$(smtp_count)" "10"
  expect_eq "$(smtp_events | awk '/^accepted/ {print $3}' | sort -u | wc -l)" "10"
  stop_smtp
}

t_dry_run_counts_and_sends_nothing() {
  empty_outbox
  start_smtp || return
  smtp_config
  queue 4
  run --dry-run mail flush --json
  expect_rc 0
  expect_eq "$(json .dry_run)" "true"
  expect_eq "$(json .counts.would_send)" "4"
  run --dry-run mail flush --limit 1 --json
  expect_eq "$(json .counts.would_send)" "1"
  expect_eq "$(json .counts.left_queued)" "3"
  expect_eq "$(smtp_count)" "0"
  expect_eq "$(count_state queued)" "4"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM mail_outbox WHERE message_id IS NOT NULL")" "0"
  stop_smtp
}

t_maildir_transport_writes_files() {
  empty_outbox
  mail_config "  transport: maildir" "  maildir: $TEST_TMP/maildir"
  mkdir -p "$TEST_TMP/maildir"
  queue 3
  run mail flush --json
  expect_rc 0
  expect_eq "$(json .counts.sent)" "3"
  expect_out "maildir"
  expect_eq "$(find "$TEST_TMP/maildir/new" -type f | wc -l)" "3"
  local headers
  headers=$(strict_headers "$(find "$TEST_TMP/maildir/new" -type f | head -1)") || fail "strict parse: $headers"
  grep -qF "Subject: Votre identifiant pour le portail — été" <<<"$headers" || fail "subject: $headers"
}

t_show_and_status_of_a_queued_message() {
  empty_outbox
  local id
  id=$(queue_to famille@example.org)
  sql "$URL" "INSERT INTO mail_outbox_attachments (outbox_id, position, file_name, content_type, content)
              VALUES ($id, 1, 'facture-été.pdf', 'application/pdf', '\\x255044462d')" >/dev/null
  run mail show "$id" --json
  expect_rc 0
  expect_eq "$(json .details.state)" "queued"
  expect_eq "$(json .details.attempts)" "0"
  expect_eq "$(json .details.attachments)" "facture-été.pdf (application/pdf, 5 bytes)"
  expect_eq "$(json .details.text)" "Texte"
  run mail status --json
  expect_eq "$(json .counts.queued)" "1"
  expect_eq "$(json .counts.due)" "1"
  run mail show 999999
  expect_rc 65
  expect_err "no message with id 999999"
}

run_tests
