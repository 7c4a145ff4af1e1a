#!/usr/bin/env bash
# The command-line frame: help, version and usage errors, all without a database.
source "$(dirname "$0")/lib.sh"
# A database that cannot be reached: --help must not need it.
export IMUSE_ADMIN_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none"

GROUPS_EXPECTED=(config courses db enrolments families site)

t_help_lists_every_group() {
  run --help
  expect_rc 0
  expect_out "Usage: imuse-admin"
  for g in "${GROUPS_EXPECTED[@]}"; do
    grep -qE "^  $g +[A-Z]" <<<"$out" || fail "--help does not list '$g' with a description"
  done
  expect_out "Exit codes:"
}

t_help_of_every_subcommand_needs_no_database() {
  local g sub
  for g in "${GROUPS_EXPECTED[@]}"; do
    run "$g" --help
    expect_rc 0 || return
    # Every subcommand listed in the group's help has its own help.
    for sub in $(awk '/^Subcommands:/{f=1;next} f && /^  [a-z]/{print $1}' <<<"$out"); do
      run "$g" "$sub" --help
      expect_rc 0
      expect_out "Usage: imuse-admin $g $sub"
    done
  done
}

t_version() {
  run --version
  expect_rc 0
  grep -qE '^imuse-admin [0-9]+\.[0-9]+\.[0-9]+$' <<<"$out" || fail "unexpected version line"
}

t_no_command_is_a_usage_error() {
  run
  expect_rc 64
  expect_err "Run 'imuse-admin --help' for usage."
}

t_unknown_command_is_a_usage_error() {
  run frobnicate
  expect_rc 64
  expect_err "frobnicate"
}

t_missing_argument_is_a_usage_error() {
  run site add --name X --portal-url https://x.fr/
  expect_rc 64
  expect_err "CODE is required"
  expect_err "Run 'imuse-admin site add --help' for usage."
}

t_bad_option_value_is_a_usage_error() {
  run site import x.yaml --on-error sometimes
  expect_rc 64
  run site add "bad code" --name X --portal-url https://x.fr/
  expect_rc 64
  expect_err "is not a site code"
  run site add CONS1 --name X --portal-url ftp://x.fr/
  expect_rc 64
  expect_err "expected an http:// or https:// URL"
  run --verbose --quiet site list
  expect_rc 64
}

t_unknown_option_is_a_usage_error() {
  run site list --colour
  expect_rc 64
  expect_err "--colour"
}

t_global_options_work_after_the_command() {
  # Parsed wherever they stand: the run goes as far as the (unreachable) database.
  run site list --json --database "postgresql://nobody@127.0.0.1:1/elsewhere"
  expect_rc 69
  expect_eq "$(json .exit_code)" "69" "JSON error summary"
  expect_eq "$(json .command)" "site list"
  expect_err 'database "elsewhere"'
}

run_tests
