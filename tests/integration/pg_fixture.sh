#!/usr/bin/env bash
# ctest fixture: start (or reuse) the PostgreSQL server the integration tests use, and stop it
# afterwards only if this fixture started it.
set -euo pipefail
state=${IMUSE_TEST_STATE:?}
mkdir -p "$state"
pg="$IMUSE_SOURCE_DIR/scripts/pg.sh"
case "${1:-}" in
  start)
    rm -f "$state/started"
    if [ -n "${IMUSE_TEST_DATABASE_URL:-}" ]; then
      printf '%s\n' "$IMUSE_TEST_DATABASE_URL" >"$state/url"
      echo "using the server given by IMUSE_TEST_DATABASE_URL"
      exit 0
    fi
    if ! bash "$pg" status >/dev/null 2>&1; then
      # A throwaway test database does not need durable writes.
      IMUSE_PG_OPTIONS="${IMUSE_PG_OPTIONS:--c fsync=off -c synchronous_commit=off -c full_page_writes=off}" \
        bash "$pg" start >/dev/null
      touch "$state/started"
    fi
    bash "$pg" url >"$state/url"
    echo "PostgreSQL for the tests: $(cat "$state/url")"
    ;;
  stop)
    if [ -f "$state/started" ]; then
      bash "$pg" stop
      rm -f "$state/started"
    fi
    ;;
  *)
    echo "usage: pg_fixture.sh start|stop" >&2
    exit 64
    ;;
esac
