#!/usr/bin/env bash
# Sites: add, update, list, show, import (abort / skip), sync, dry run and audit.
source "$(dirname "$0")/lib.sh"

URL=$(new_database sites)
export IMUSE_ADMIN_DATABASE_URL=$URL
"$IMUSE_ADMIN_BIN" -q db migrate >/dev/null || { echo "migrate failed"; exit 1; }
PORTAL="https://www.example.fr/emd/extranet/extranet2/portail_nc.php?p=nc_connexion&t=usager"

t_add_list_show() {
  run site add cons1 --name "Conservatoire 1" --portal-url "$PORTAL" --json
  expect_rc 0
  expect_eq "$(json .counts.created)" "1"
  run site list --json
  expect_rc 0
  expect_eq "$(json '.rows[] | select(.code=="CONS1") | .name')" "Conservatoire 1"
  expect_eq "$(json '.rows[] | select(.code=="CONS1") | .portal_url')" "$PORTAL"
  run site list
  expect_out "CODE"
  expect_out "Conservatoire 1"
  run site show CONS1 --json
  expect_rc 0
  expect_eq "$(json .details.families)" "0"
  expect_eq "$(json .details.portal_url)" "$PORTAL"
  run --site cons1 site show
  expect_rc 0
  expect_out "Conservatoire 1"
}

t_adding_the_same_site_again_changes_nothing() {
  run site add CONS1 --name "Conservatoire 1" --portal-url "$PORTAL" --json
  expect_rc 0
  expect_eq "$(json .counts.unchanged)" "1"
  run site add CONS1 --name "Autre nom" --portal-url "$PORTAL"
  expect_rc 65
  expect_err "site CONS1 already exists"
  expect_eq "$(sql "$URL" "SELECT name FROM sites WHERE code='CONS1'")" "Conservatoire 1"
}

t_update() {
  run site update CONS1 --name "Conservatoire à rayonnement communal" --json
  expect_rc 0
  expect_eq "$(json .counts.updated)" "1"
  expect_eq "$(sql "$URL" "SELECT name FROM sites WHERE code='CONS1'")" "Conservatoire à rayonnement communal"
  run site update NOPE --name X
  expect_rc 65
  expect_err "no site with code NOPE"
}

t_show_unknown_site() {
  run site show NOPE
  expect_rc 65
  expect_err "no site with code NOPE"
}

t_dry_run_counts_but_writes_nothing() {
  run --dry-run site add MANTES --name "Mantes" --portal-url "https://x.fr/mantes/" --json
  expect_rc 0
  expect_eq "$(json .dry_run)" "true"
  expect_eq "$(json .counts.created)" "1"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM sites WHERE code='MANTES'")" "0"
}

t_mutations_are_audited() {
  local before
  before=$(sql "$URL" "SELECT count(*) FROM audit_log WHERE command='site add'")
  run site add AUDIT1 --name "Audit" --portal-url "https://x.fr/a/"
  expect_rc 0
  expect_eq "$(sql "$URL" "SELECT count(*) FROM audit_log WHERE command='site add'")" "$((before + 1))"
  expect_eq "$(sql "$URL" "SELECT arguments[1] || ' ' || arguments[3] FROM audit_log WHERE command='site add' ORDER BY id DESC LIMIT 1")" "site AUDIT1"
  expect_eq "$(sql "$URL" "SELECT summary->>'created' FROM audit_log WHERE command='site add' ORDER BY id DESC LIMIT 1")" "1"
  run site list
  expect_eq "$(sql "$URL" "SELECT count(*) FROM audit_log WHERE command='site list'")" "0" "reads are not audited"
}

t_import_aborts_on_a_bad_entry_and_writes_nothing() {
  cat >sites.yaml <<'YAML'
- code: ALB
  name: Albertville
  portal_url: https://x.fr/alb/
- code: UGINE
  name: Ugine
  portal_url: www.x.fr/ugine
YAML
  run site import sites.yaml
  expect_rc 65
  expect_err "sites.yaml:6:15: portal_url \"www.x.fr/ugine\": expected an http:// or https:// URL"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM sites WHERE code IN ('ALB','UGINE')")" "0"
}

t_import_skip_keeps_the_good_entries_and_exits_1() {
  cat >sites.yaml <<'YAML'
- code: ALB
  name: Albertville
  portal_url: https://x.fr/alb/
- code: UGINE
  name: Ugine
  portal_url: www.x.fr/ugine
- code: FRONTENEX
  portal_url: https://x.fr/fro/
YAML
  run site import sites.yaml --on-error skip --json
  expect_rc 1
  expect_eq "$(json .counts.created)" "1"
  expect_eq "$(json '.rejected | length')" "2"
  expect_eq "$(json '.rejected[1].item')" "sites.yaml:7:3"
  expect_eq "$(json '.rejected[1].message')" "name: missing"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM sites WHERE code='ALB'")" "1"
  run site import sites.yaml --on-error skip --json
  expect_rc 1
  expect_eq "$(json .counts.unchanged)" "1" "re-import changes nothing"
}

t_import_reports_invalid_yaml_with_position() {
  printf -- '- code: A\n  name: [unclosed\n' >broken.yaml
  run site import broken.yaml
  expect_rc 65
  expect_err "broken.yaml:"
  expect_err "invalid YAML"
  run site import missing.yaml
  expect_rc 65
  expect_err "cannot read missing.yaml"
}

t_import_accepts_the_configuration_shape() {
  cat >conf-shape.yaml <<'YAML'
sites:
  MAPPED:
    name: Site en mapping
    portal_url: https://x.fr/m/
  BROKEN:
    name: Sans URL
YAML
  run site import conf-shape.yaml --on-error skip --json
  expect_rc 1
  expect_eq "$(json .counts.created)" "1"
  expect_eq "$(json '.rejected[0].item')" "conf-shape.yaml:5:3"
  expect_eq "$(json '.rejected[0].message')" "portal_url: missing"
}

t_sync_from_configuration() {
  cat >c.yaml <<'YAML'
sites:
  SYNC1:
    name: Site synchronisé
    portal_url: https://x.fr/s1/
YAML
  run --config c.yaml site sync --json
  expect_rc 0
  expect_eq "$(json .counts.created)" "1"
  run --config c.yaml site sync --json
  expect_eq "$(json .counts.unchanged)" "1"
  expect_eq "$(sql "$URL" "SELECT name FROM sites WHERE code='SYNC1'")" "Site synchronisé"
}

run_tests
