# Shared helpers for the integration tests: run the real binary, check what a user sees.
# Sourced by tests/integration/test_*.sh, which ctest runs with IMUSE_ADMIN_BIN,
# IMUSE_SOURCE_DIR and IMUSE_TEST_STATE set (see tests/CMakeLists.txt).
set -uo pipefail

: "${IMUSE_ADMIN_BIN:?set by ctest}"
: "${IMUSE_SOURCE_DIR:?set by ctest}"
: "${IMUSE_TEST_STATE:?set by ctest}"

# A clean environment: no configuration or database from the developer's machine.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGPASSWORD IMUSE_ADMIN_DATABASE_URL
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/imuse-it-XXXXXX")
export HOME="$TEST_TMP/home" XDG_CONFIG_HOME="$TEST_TMP/home/.config"
mkdir -p "$HOME"
: > "$TEST_TMP/empty.yaml"
export IMUSE_ADMIN_CONFIG="$TEST_TMP/empty.yaml"
cd "$TEST_TMP" || exit 1

PSQL=psql
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/psql" ] && PSQL="$d/psql"; done

# The test's databases are listed in a file: they are mostly created in $(...) subshells,
# whose variables the cleanup would not see.
TEST_DATABASES_FILE="$TEST_TMP/databases"
: >"$TEST_DATABASES_FILE"
BACKGROUND_PIDS=()
cleanup() {
  for pid in "${BACKGROUND_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  local db
  while IFS= read -r db; do
    "$PSQL" -X -q "$(cluster_url)" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1
  done <"$TEST_DATABASES_FILE"
  rm -rf "$TEST_TMP"
}
trap cleanup EXIT

# The URL of the server the tests use (written by pg_fixture.sh).
cluster_url() {
  if [ -n "${IMUSE_TEST_DATABASE_URL:-}" ]; then
    printf '%s\n' "$IMUSE_TEST_DATABASE_URL"
  else
    cat "$IMUSE_TEST_STATE/url"
  fi
}

# register_database NAME: dropped when the test script ends.
register_database() { printf '%s\n' "$1" >>"$TEST_DATABASES_FILE"; }

# Creates an empty database for this test and prints its URL.
new_database() {
  local name="it_${1}_$$_${RANDOM}"
  "$PSQL" -X -q "$(cluster_url)" -c "CREATE DATABASE \"$name\"" >/dev/null || return 1
  register_database "$name"
  local base
  base=$(cluster_url)
  printf '%s/%s\n' "${base%/*}" "$name"
}

# A migrated database with the sample sites (CONS1, MANTES, ARLYSERE); prints its URL.
school_database() {
  local url
  url=$(new_database "$1") || return 1
  "$IMUSE_ADMIN_BIN" --database "$url" -q db migrate >/dev/null &&
    "$IMUSE_ADMIN_BIN" --database "$url" -q site import "$IMUSE_SOURCE_DIR/config/samples/sites.yaml" >/dev/null &&
    printf '%s\n' "$url"
}

# sql URL QUERY: one value, unaligned.
sql() { "$PSQL" -X -q -At "$1" -c "$2"; }

# run ARGS...: runs imuse-admin; sets $out, $err and $rc.
run() {
  out=$("$IMUSE_ADMIN_BIN" "$@" 2>"$TEST_TMP/stderr") && rc=0 || rc=$?
  err=$(cat "$TEST_TMP/stderr")
}

FAILURES=0
CURRENT=""
fail() {
  printf '  FAILED in %s: %s\n' "$CURRENT" "$*"
  printf '    rc=%s\n    stdout: %s\n    stderr: %s\n' "${rc:-}" "${out:-}" "${err:-}" | head -c 4000
  printf '\n'
  FAILURES=$((FAILURES + 1))
  return 1
}
expect_rc() { [ "$rc" = "$1" ] || fail "expected exit code $1, got $rc"; }
expect_out() { grep -qF -- "$1" <<<"$out" || fail "stdout does not contain: $1"; }
expect_err() { grep -qF -- "$1" <<<"$err" || fail "stderr does not contain: $1"; }
expect_no_out() { ! grep -qF -- "$1" <<<"$out" || fail "stdout should not contain: $1"; }
expect_eq() { [ "$1" = "$2" ] || fail "expected '$2', got '$1'${3:+ ($3)}"; }
# json FILTER: jq over $out.
json() { jq -r "$1" <<<"$out"; }

# Runs every function named t_* in the calling script, in order, and reports.
run_tests() {
  local t passed=0 failed=0 before
  for t in $(declare -F | awk '{print $3}' | grep '^t_'); do
    CURRENT=$t
    before=$FAILURES
    "$t"
    local status=$?
    # A test that stops early (e.g. `url=$(school_database x) || return` when the database
    # cannot be created) has checked nothing: that is a failure, not a pass.
    if [ "$status" -ne 0 ] && [ "$FAILURES" -eq "$before" ]; then
      fail "the test stopped early with exit status $status before its checks"
    fi
    if [ "$FAILURES" -eq "$before" ]; then
      printf 'ok - %s\n' "$t"
      passed=$((passed + 1))
    else
      printf 'not ok - %s\n' "$t"
      failed=$((failed + 1))
    fi
  done
  printf '%d passed, %d failed\n' "$passed" "$failed"
  [ "$failed" -eq 0 ]
}
