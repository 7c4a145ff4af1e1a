#!/usr/bin/env bash
# The whole test suite in one command: installs the Debian packages, builds with warnings as
# errors, then runs the unit and integration tests through ctest. The integration tests start
# the private PostgreSQL cluster (scripts/pg.sh) and stop it again if they started it; set
# IMUSE_TEST_DATABASE_URL to use another server instead (its user must be allowed to create
# databases).
#
# Usage: scripts/test.sh [extra ctest arguments, e.g. -R integration.site]
# Environment: IMUSE_BUILD_DIR (default: build), IMUSE_SANITIZE=ON for ASan/UBSan,
# IMUSE_BUILD_TYPE (default: Release, i.e. -O2 without debug information).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${IMUSE_BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)

bash "$root/scripts/install-deps.sh"
# Optimised like the default build (-O2) but without debug information: a third less compile
# time, and much smaller objects to link (IMUSE_BUILD_TYPE=RelWithDebInfo for a debuggable one).
cmake -S "$root" -B "$build" -DIMUSE_WERROR=ON -DIMUSE_SANITIZE="${IMUSE_SANITIZE:-OFF}" \
  -DCMAKE_BUILD_TYPE="${IMUSE_BUILD_TYPE:-Release}" -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" >/dev/null
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 600 "$@"
