#!/usr/bin/env bash
# Configuration: precedence, sources, masking, and exit 78 for bad values.
source "$(dirname "$0")/lib.sh"

t_bad_value_names_file_key_and_expectation() {
  printf 'mail:\n  smtp:\n    port: "twenty-five"\n' >bad.yaml
  run --config bad.yaml config show
  expect_rc 78
  expect_err "$TEST_TMP/bad.yaml:3:11: mail.smtp.port: expected an integer from 1 to 65535, got \"twenty-five\""
  expect_eq "$(wc -l <<<"$err")" "1" "one line of error"
}

t_bad_value_stops_database_commands_too() {
  printf 'database:\n  connect_timeout: soon\n' >bad.yaml
  IMUSE_ADMIN_CONFIG=$TEST_TMP/bad.yaml run db status
  expect_rc 78
  expect_err "database.connect_timeout: expected an integer"
}

t_unknown_key_suggests_the_right_one() {
  printf 'mail:\n  tranport: smtp\n' >typo.yaml
  run --config typo.yaml config check
  expect_rc 78
  expect_err "unknown key 'mail.tranport' (did you mean 'mail.transport'?)"
}

t_missing_config_file() {
  run --config nowhere.yaml config show
  expect_rc 78
  expect_err "nowhere.yaml (from --config) does not exist"
  IMUSE_ADMIN_CONFIG=$TEST_TMP/gone.yaml run config show
  expect_rc 78
  expect_err "(from IMUSE_ADMIN_CONFIG)"
}

t_show_gives_sources_and_masks_secrets() {
  cat >c.yaml <<'YAML'
database:
  url: postgresql://imuse:filesecret@db.example.fr/imuse
mail:
  from: secretariat@example.fr
YAML
  IMUSE_ADMIN_CONFIG=$TEST_TMP/c.yaml run config show --json
  expect_rc 0
  expect_eq "$(json '.rows[] | select(.key=="mail.from") | .value')" "secretariat@example.fr"
  expect_eq "$(json '.rows[] | select(.key=="mail.from") | .source')" "file $TEST_TMP/c.yaml:4:9"
  expect_eq "$(json '.rows[] | select(.key=="database.url") | .value')" "postgresql://imuse:***@db.example.fr/imuse"
  expect_eq "$(json '.rows[] | select(.key=="mail.smtp.port") | .source')" "default"
  expect_no_out "filesecret"
}

t_precedence_command_line_environment_file() {
  printf 'database:\n  url: postgresql://file@h/a\n' >c.yaml
  export IMUSE_ADMIN_CONFIG=$TEST_TMP/c.yaml
  run config show --json
  expect_eq "$(json '.rows[] | select(.key=="database.url") | .value')" "postgresql://file@h/a"
  IMUSE_ADMIN_DATABASE_URL=postgresql://env@h/b run config show --json
  expect_eq "$(json '.rows[] | select(.key=="database.url") | .source')" "environment IMUSE_ADMIN_DATABASE_URL"
  PGHOST=/tmp PGDATABASE=x run config show --json
  expect_eq "$(json '.rows[] | select(.key=="database.url") | .source')" "environment PGHOST, PGDATABASE"
  IMUSE_ADMIN_DATABASE_URL=postgresql://env@h/b run --database postgresql://cli:pw@h/c config show --json
  expect_eq "$(json '.rows[] | select(.key=="database.url") | .value')" "postgresql://cli:***@h/c"
  expect_eq "$(json '.rows[] | select(.key=="database.url") | .source')" "command line --database"
  export IMUSE_ADMIN_CONFIG=$TEST_TMP/empty.yaml
}

t_search_path_finds_local_file() {
  unset IMUSE_ADMIN_CONFIG
  printf 'school:\n  name: "École de musique"\n' >imuse-admin.yaml
  run config show --json
  expect_eq "$(json '.rows[] | select(.key=="school.name") | .value')" "École de musique"
  rm imuse-admin.yaml
  mkdir -p "$XDG_CONFIG_HOME/imuse-admin"
  printf 'school:\n  name: "Conservatoire"\n' >"$XDG_CONFIG_HOME/imuse-admin/config.yaml"
  run config show --json
  expect_eq "$(json '.rows[] | select(.key=="school.name") | .value')" "Conservatoire"
  rm "$XDG_CONFIG_HOME/imuse-admin/config.yaml"
  export IMUSE_ADMIN_CONFIG=$TEST_TMP/empty.yaml
}

t_check_reports_incomplete_smtp() {
  printf 'mail:\n  transport: smtp\n  from: a@example.fr\n' >smtp.yaml
  run --config smtp.yaml config check
  expect_rc 78
  expect_out "the smtp transport needs mail.smtp.host"
  printf 'mail:\n  transport: smtp\n  from: a@example.fr\n  smtp:\n    host: smtp.example.fr\nschool:\n  name: EMD\n' >ok.yaml
  run --config ok.yaml config check
  expect_rc 0
  expect_out ": OK"
}

t_check_reports_a_bad_log_folder_and_database_url() {
  printf 'logging:\n  file: nowhere/run.log\ndatabase:\n  url: "postgresql://[::1"\n' >c.yaml
  run --config c.yaml config check --json
  expect_rc 78
  expect_eq "$(json '.counts.errors')" "2"
  expect_eq "$(json '.rejected[0].item')" "database.url"
  expect_eq "$(json '[.rejected[].message] | map(select(contains("nowhere does not exist"))) | length')" "1"
}

t_empty_values_and_sections() {
  printf 'mail:\n  transport: ""\n' >c.yaml
  run --config c.yaml config show
  expect_rc 78
  expect_err "mail.transport: expected one of maildir, smtp, got \"\""
  printf 'database:\n  # url: commented out\nmail:\n  from: a@example.fr\n' >c.yaml
  run --config c.yaml config show
  expect_rc 0
}

t_usage_error_with_json_prints_an_error_object() {
  run --json site add
  expect_rc 64
  expect_eq "$(json .exit_code)" "64"
  expect_eq "$(json .command)" "imuse-admin site add"
}

t_example_config_is_valid() {
  run --config "$IMUSE_SOURCE_DIR/config/imuse-admin.example.yaml" config check --json
  expect_rc 0
  expect_eq "$(json '.counts.errors')" "0"
}

run_tests
