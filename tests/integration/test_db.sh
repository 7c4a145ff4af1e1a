#!/usr/bin/env bash
# Migrations, connection failures, locks, interruption and unwritable output, on a real server.
source "$(dirname "$0")/lib.sh"

LOCK_NS=1229804883
migration_count() { sql "$1" "SELECT count(*) FROM schema_migrations"; }

t_unreachable_server_exits_69_with_one_sentence() {
  run --database "postgresql://imuse@127.0.0.1:1/imuse" db status
  expect_rc 69
  expect_err 'cannot connect to database "imuse" as user "imuse" on 127.0.0.1:1 (database.url from command line --database): connection refused'
  expect_eq "$(wc -l <<<"$err")" "1" "a single line"
}

t_missing_database_exits_69() {
  local base
  base=$(cluster_url)
  IMUSE_ADMIN_DATABASE_URL="${base%/*}/no_such_db" run db status
  expect_rc 69
  expect_err 'database "no_such_db" does not exist'
  expect_err "environment IMUSE_ADMIN_DATABASE_URL"
}

t_commands_refuse_an_unmigrated_database() {
  local url
  url=$(new_database unmigrated)
  run --database "$url" site list
  expect_rc 69
  expect_err "is not migrated"
  expect_err "run 'imuse-admin db migrate' first"
}

t_migrate_twice_then_status() {
  local url total
  url=$(new_database migrate)
  run --database "$url" db status --json
  expect_rc 0
  total=$(json '.counts.pending')
  [ "$total" -ge 1 ] || fail "expected pending migrations on an empty database"
  run --database "$url" db migrate --json
  expect_rc 0
  expect_eq "$(json .counts.applied)" "$total"
  run --database "$url" db migrate --json
  expect_rc 0
  expect_eq "$(json .counts.applied)" "0" "second migrate applies nothing"
  run --database "$url" db status --json
  expect_eq "$(json '.counts.pending // 0')" "0"
  expect_eq "$(json '[.rows[] | select(.state=="applied")] | length')" "$total"
  expect_eq "$(migration_count "$url")" "$total"
  expect_eq "$(sql "$url" "SELECT count(*) FROM audit_log WHERE command = 'db migrate'")" "2" "one audit entry per run"
  expect_eq "$(sql "$url" "SELECT summary->>'applied' FROM audit_log WHERE command = 'db migrate' ORDER BY id LIMIT 1")" "$total"
  run --database "$url" db status
  expect_out "VERSION"
  expect_out "applied"
}

t_dry_run_migrate_writes_nothing() {
  local url
  url=$(new_database dryrun)
  run --database "$url" --dry-run db migrate --json
  expect_rc 0
  expect_eq "$(json .dry_run)" "true"
  [ "$(json .counts.applied)" -ge 1 ] || fail "a dry run counts what it would apply"
  expect_eq "$(sql "$url" "SELECT to_regclass('schema_migrations') IS NULL")" "t" "nothing was created"
}

t_concurrent_migrations_apply_once() {
  local url total a b
  url=$(new_database concurrent)
  total=$("$IMUSE_ADMIN_BIN" --database "$url" db status --json | jq '.counts.pending')
  "$IMUSE_ADMIN_BIN" --database "$url" -q db migrate >"$TEST_TMP/a.out" 2>&1 &
  a=$!
  "$IMUSE_ADMIN_BIN" --database "$url" -q db migrate >"$TEST_TMP/b.out" 2>&1 &
  b=$!
  wait "$a"; local rc_a=$?
  wait "$b"; local rc_b=$?
  for r in "$rc_a" "$rc_b"; do
    [ "$r" = 0 ] || [ "$r" = 75 ] || fail "concurrent migrate exited $r: $(cat "$TEST_TMP"/a.out "$TEST_TMP"/b.out)"
  done
  [ "$rc_a" = 0 ] || [ "$rc_b" = 0 ] || fail "neither run succeeded"
  expect_eq "$(migration_count "$url")" "$total"
  expect_eq "$(sql "$url" "SELECT sum((summary->>'applied')::int) FROM audit_log WHERE command='db migrate'")" "$total" \
    "all migrations applied exactly once"
}

t_concurrent_migrations_with_wait_both_succeed() {
  local url a b
  url=$(new_database waiting)
  "$IMUSE_ADMIN_BIN" --database "$url" --wait -q db migrate >/dev/null 2>&1 &
  a=$!
  "$IMUSE_ADMIN_BIN" --database "$url" --wait -q db migrate >/dev/null 2>&1 &
  b=$!
  wait "$a" || fail "first waiting migrate failed"
  wait "$b" || fail "second waiting migrate failed"
  expect_eq "$(sql "$url" "SELECT count(*) FROM audit_log WHERE command='db migrate'")" "2"
  expect_eq "$(sql "$url" "SELECT count(*) FROM audit_log WHERE command='db migrate' AND (summary->>'applied')::int > 0")" "1"
}

# Holds the 'db migrate' lock from another session until the test ends.
hold_migrate_lock() {
  PGAPPNAME=imuse-test-holder "$PSQL" -X -q "$1" \
    -c "SELECT pg_advisory_lock($LOCK_NS, hashtext('db migrate'))" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
  BACKGROUND_PIDS+=($!)
  local i
  for i in $(seq 100); do
    [ "$(sql "$1" "SELECT count(*) FROM pg_locks WHERE locktype='advisory' AND classid=$LOCK_NS AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" = 1 ] && return 0
    sleep 0.1
  done
  fail "could not take the lock in a helper session"
}
release_lock() { sql "$1" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name='imuse-test-holder' AND datname = current_database()" >/dev/null; }

t_lock_held_exits_75_at_once() {
  local url
  url=$(new_database locked)
  hold_migrate_lock "$url" || return
  run --database "$url" db migrate
  expect_rc 75
  expect_err "holds the lock for 'db migrate'"
  expect_err "imuse-test-holder"
  expect_eq "$(sql "$url" "SELECT to_regclass('schema_migrations') IS NULL")" "t" "nothing applied"
  release_lock "$url"
  run --database "$url" db migrate
  expect_rc 0
}

t_interrupt_while_waiting_exits_130() {
  local url pid
  url=$(new_database interrupted)
  hold_migrate_lock "$url" || return
  "$IMUSE_ADMIN_BIN" --database "$url" --wait db migrate >"$TEST_TMP/int.out" 2>"$TEST_TMP/int.err" &
  pid=$!
  # Wait until it is really waiting on the lock, then interrupt it.
  local i
  for i in $(seq 100); do
    [ "$(sql "$url" "SELECT count(*) FROM pg_stat_activity WHERE application_name='imuse-admin db migrate' AND datname = current_database()")" = 1 ] && break
    sleep 0.1
  done
  kill -INT "$pid"
  wait "$pid"; rc=$?
  err=$(cat "$TEST_TMP/int.err")
  expect_rc 130
  expect_err "interrupted"
  release_lock "$url"
  expect_eq "$(sql "$url" "SELECT to_regclass('schema_migrations') IS NULL")" "t" "nothing applied"
}

t_unwritable_log_file_exits_73() {
  run --log-file "$TEST_TMP/no/such/dir/run.log" config show
  expect_rc 73
  expect_err "cannot open log file $TEST_TMP/no/such/dir/run.log for writing: folder $TEST_TMP/no/such/dir does not exist"
  mkdir "$TEST_TMP/ro" && chmod 0500 "$TEST_TMP/ro"
  if [ "$(id -u)" != 0 ]; then  # root may write anywhere
    run --log-file "$TEST_TMP/ro/run.log" config show
    expect_rc 73
  fi
  run --log-file "$TEST_TMP" config show  # a folder, not a file
  expect_rc 73
  expect_err "cannot open log file $TEST_TMP for writing"
}

t_log_file_receives_the_log() {
  local url
  url=$(new_database logfile)
  run --database "$url" --log-file "$TEST_TMP/run.log" db migrate
  expect_rc 0
  grep -q "db migrate: applied 0001_core" "$TEST_TMP/run.log" || fail "the log file does not record the migration"
  grep -q "db migrate: finished" "$TEST_TMP/run.log" || fail "the log file does not record the summary"
  [ -z "$err" ] || fail "nothing on stderr by default"
}

run_tests
