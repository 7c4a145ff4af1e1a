#!/usr/bin/env bash
# Portal accounts: identifiers assign/send, passwords generate/reset/process-requests, against a
# real PostgreSQL and a real SMTP listener on loopback (STARTTLS). Hashes are checked with PHP's
# password_verify (the portal is PHP); no plaintext password may end up in logs, JSON or the database.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/smtp.sh"

PG_DUMP=pg_dump
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_dump" ] && PG_DUMP="$d/pg_dump"; done
SAMPLES="$IMUSE_SOURCE_DIR/config/samples"
CONS1_URL='https://www.example.fr/conservatoire/extranet/extranet2/portail_nc.php?p=nc_connexion&t=usager'

# The configuration of the runs: small argon2 limits (speed), mail to the SMTP listener when one
# runs, else to a maildir nobody reads. $1: identifier pattern.
accounts_config() {
  local pattern=${1:-}
  [ -n "$pattern" ] || pattern='{nom}.{prenom}'
  {
    printf 'school:\n  name: "École de musique et de danse (test)"\n  email: secretariat@emd.example.fr\n'
    printf 'accounts:\n  identifier_pattern: "%s"\n' "$pattern"
    printf 'passwords:\n  argon2_opslimit: 1\n  argon2_memlimit: 8192\n'
    printf 'mail:\n  from: secretariat@emd.example.fr\n  from_name: "EMD – secrétariat"\n'
    if [ -n "$SMTP_PORT" ]; then
      printf '  transport: smtp\n  smtp:\n    host: 127.0.0.1\n    port: %s\n    security: starttls\n' "$SMTP_PORT"
      printf '    timeout: 5\n    ca_file: %s\n' "$SMTP_CA"
    else
      printf '  transport: maildir\n  maildir: %s\n' "$TEST_TMP/maildir"
    fi
  } >"$TEST_TMP/accounts.yaml"
  export IMUSE_ADMIN_CONFIG="$TEST_TMP/accounts.yaml"
}
mkdir -p "$TEST_TMP/maildir"
accounts_config

HEADER='Réf famille;Site;Civilité;Nom;Prénom;Adresse;Code postal;Ville;Tél domicile;Mobile;Tél pro;E-mail;Situation familiale;Code socio-professionnel;Profession;Quotient familial;Élève civilité;Élève nom;Élève prénom;Date de naissance;Lieu de naissance;Établissement scolaire;Niveau scolaire;Personne à prévenir;Tél urgence'
family_row() { # REF SITE LAST FIRST EMAIL
  printf '%s;%s;M.;%s;%s;1 rue A;73200;Albertville;;06111111%02d;;%s;;;;;;;Léo;01/02/2015;;;;;\n' \
    "$1" "$2" "$3" "$4" $((RANDOM % 100)) "$5"
}
# Homonyms on two sites, two families sharing an e-mail (case differs), one without e-mail.
{
  printf '%s\n' "$HEADER"
  family_row X1 CONS1 Martin Paul paul.martin@example.fr
  family_row X2 MANTES Martin Paul paul.martin@example.org
  family_row X3 CONS1 Durand Marie famille.durand@example.fr
  family_row X4 CONS1 Durand Luc Famille.Durand@Example.FR
  family_row X5 CONS1 Sansmail Jean ""
} >"$TEST_TMP/extra.csv"

# accounts_db NAME: a migrated database with the sample sites and families and the extra ones
# above (17 families: 14 can get an account); prints its URL.
accounts_db() {
  local url
  url=$(school_database "$1") || return 1
  "$IMUSE_ADMIN_BIN" --database "$url" -q families import "$SAMPLES/families.csv" >/dev/null &&
    "$IMUSE_ADMIN_BIN" --database "$url" -q families import "$TEST_TMP/extra.csv" >/dev/null &&
    printf '%s\n' "$url"
}
family_id() { sql "$1" "SELECT id FROM families WHERE external_ref = '$2'"; }
hash_of() { sql "$1" "SELECT password_hash FROM accounts WHERE identifier = '$2'"; }
outbox_count() { sql "$1" "SELECT count(*) FROM mail_outbox ${2:+WHERE $2}"; }
# php_verify PLAIN HASH: PHP's password_verify, as the portal runs it (exit 0 = accepted).
php_verify() { php -r 'exit(password_verify($argv[1], $argv[2]) ? 0 : 1);' -- "$1" "$2"; }

# received_json: every message the listener (or maildir) received, parsed strictly (smtp.sh's
# mail_json), as a JSON list of {to, name, from_name, subject, text, kind}.
received_json() {
  local files
  if [ -n "$SMTP_PORT" ]; then files=$(smtp_messages); else files=$(find "$TEST_TMP/maildir/new" -type f | sort); fi
  # shellcheck disable=SC2086
  mail_json $files
}
# password_in_mail ADDRESS: the password in the last message received by ADDRESS.
password_in_mail() {
  received_json | jq -r --arg to "$1" '[.[] | select(.to == $to)] | last | .text' |
    sed -n 's/^ *Mot de passe : \([^ ]*\)$/\1/p'
}
flush() { run --database "$1" mail flush; [ "$rc" = 0 ] || fail "mail flush failed"; }

t_help_works_without_a_database() {
  run identifiers --help
  expect_rc 0
  expect_out "assign"
  run passwords generate --help
  expect_rc 0
  expect_out "--show-to"
  run passwords reset --help
  expect_rc 0
}

t_assign_dry_run_counts_exactly_and_writes_nothing() {
  local url
  url=$(accounts_db assign_dry) || return
  run --database "$url" --dry-run identifiers assign --json
  expect_rc 1  # some families are reported
  expect_eq "$(json '[.counts.created, .counts.email_shared, .counts.no_email, .counts.email_in_use] | join(" ")')" "14 2 1 0"
  expect_eq "$(json .dry_run)" "true"
  expect_eq "$(sql "$url" "SELECT count(*) FROM accounts")" "0" "dry run wrote nothing"
  run --database "$url" identifiers assign --json
  expect_rc 1
  expect_eq "$(json '[.counts.created, .counts.email_shared, .counts.no_email] | join(" ")')" "14 2 1"
  expect_eq "$(sql "$url" "SELECT count(*) FROM accounts")" "14"
}

t_assign_gives_unique_folded_identifiers_and_reports_shared_emails() {
  local url
  url=$(accounts_db assign) || return
  run --database "$url" identifiers assign --json
  expect_rc 1
  expect_eq "$(sql "$url" "SELECT a.identifier FROM accounts a JOIN families f ON f.id = a.family_id WHERE f.external_ref = 'F0001'")" "lefevre.helene"
  expect_eq "$(sql "$url" "SELECT a.identifier FROM accounts a JOIN families f ON f.id = a.family_id WHERE f.external_ref = 'F0002'")" "oeuvray.francois"
  expect_eq "$(sql "$url" "SELECT a.identifier FROM accounts a JOIN families f ON f.id = a.family_id WHERE f.external_ref = 'F0005'")" "dupre-lagarde.jean-baptiste"
  expect_eq "$(sql "$url" "SELECT a.identifier FROM accounts a JOIN families f ON f.id = a.family_id WHERE f.external_ref = 'F0006'")" "ben-said.leila"
  # Homonyms: the older family keeps the plain identifier, the other gets a number.
  expect_eq "$(sql "$url" "SELECT string_agg(a.identifier, ',' ORDER BY f.id) FROM accounts a JOIN families f ON f.id = a.family_id WHERE f.external_ref IN ('X1', 'X2')")" "martin.paul,martin.paul2"
  expect_eq "$(sql "$url" "SELECT count(DISTINCT lower(identifier)) FROM accounts")" "14"
  expect_eq "$(sql "$url" "SELECT count(*) FROM accounts WHERE identifier !~ '^[a-z0-9][a-z0-9.-]*\$'")" "0"
  # Each account's login e-mail is its family's.
  expect_eq "$(sql "$url" "SELECT count(*) FROM accounts a JOIN families f ON f.id = a.family_id WHERE a.email <> f.email")" "0"
  # The shared e-mail: neither family gets an identifier, both are named.
  expect_eq "$(sql "$url" "SELECT count(*) FROM accounts a JOIN families f ON f.id = a.family_id WHERE f.external_ref IN ('X3', 'X4', 'X5')")" "0"
  expect_eq "$(json '[.rejected[] | select(.item | test("X3|X4")) | select(.message | test("one identifier per e-mail"))] | length')" "2"
  expect_eq "$(json '[.rejected[] | select(.item | test("X5")) | .message | test("no e-mail")] | .[0]')" "true"
  run --database "$url" identifiers assign
  expect_rc 1
  expect_out "is also the e-mail of family"
}

t_identifiers_are_stable_and_one_per_email() {
  local url before x4 x6
  url=$(accounts_db stable) || return
  run --database "$url" identifiers assign
  before=$(sql "$url" "SELECT string_agg(family_id || '=' || identifier, ',' ORDER BY family_id) FROM accounts")
  # A later run, even after a family's name changed, changes no identifier.
  sql "$url" "UPDATE families SET last_name = 'Lefebvre' WHERE external_ref = 'F0001'" >/dev/null
  run --database "$url" identifiers assign --json
  expect_eq "$(json .counts.created)" "0"
  expect_eq "$(sql "$url" "SELECT string_agg(family_id || '=' || identifier, ',' ORDER BY family_id) FROM accounts")" "$before"
  # --family on a family that has one: said, nothing changes, exit 0.
  run --database "$url" identifiers assign --family "$(family_id "$url" F0001)"
  expect_rc 0
  expect_out "already has the identifier lefevre.helene"
  # The shared e-mail corrected: both families get theirs.
  x4=$(family_id "$url" X4)
  sql "$url" "UPDATE families SET email = 'luc.durand@example.fr' WHERE id = $x4" >/dev/null
  run --database "$url" identifiers assign --json
  expect_eq "$(json .counts.created)" "2"
  expect_eq "$(sql "$url" "SELECT identifier FROM accounts WHERE family_id = $x4")" "durand.luc"
  # A new family whose e-mail is already an account's login e-mail (case and spaces aside).
  printf '%s\n%s' "$HEADER" "$(family_row X6 MANTES Nouveau Nom ' PAUL.martin@example.fr')" >"$TEST_TMP/x6.csv"
  run --database "$url" families import "$TEST_TMP/x6.csv"
  x6=$(family_id "$url" X6)
  run --database "$url" identifiers assign --family "$x6" --json
  expect_rc 1
  expect_eq "$(json .counts.email_in_use)" "1"
  expect_eq "$(json '.rejected[0].message | test("already the login e-mail of account martin.paul")')" "true"
  expect_eq "$(sql "$url" "SELECT count(*) FROM accounts WHERE family_id = $x6")" "0"
}

t_identifier_pattern_errors_and_empty_identifiers() {
  local url
  url=$(accounts_db pattern) || return
  accounts_config "{nom}.{surname}"
  run --database "$url" identifiers assign
  expect_rc 78
  expect_err "{surname}"
  # A family without first name and the pattern {prenom}: reported, not invented.
  printf '%s\n%s' "$HEADER" "$(family_row X7 CONS1 Sansprenom '' sans.prenom@example.fr)" >"$TEST_TMP/x7.csv"
  run --database "$url" families import "$TEST_TMP/x7.csv"
  accounts_config "{prenom}"
  run --database "$url" identifiers assign --family "$(family_id "$url" X7)" --json
  expect_rc 1
  expect_eq "$(json .counts.empty_identifier)" "1"
  expect_eq "$(sql "$url" "SELECT count(*) FROM accounts")" "0"
  accounts_config "{site}{seq:4}"
  run --database "$url" identifiers assign --site MANTES --json
  expect_rc 0
  expect_eq "$(sql "$url" "SELECT string_agg(identifier, ',' ORDER BY family_id) FROM accounts")" "mantes0001,mantes0002,mantes0003,mantes0004,mantes0005,mantes0006"
  accounts_config
}

t_send_queues_each_identifier_once_unless_resend() {
  local url n f1
  url=$(accounts_db send) || return
  run --database "$url" identifiers assign
  n=$(sql "$url" "SELECT count(*) FROM accounts")
  run --database "$url" --dry-run identifiers send --json
  expect_rc 0
  expect_eq "$(json .counts.queued)" "$n"
  expect_eq "$(outbox_count "$url")" "0" "dry run queued nothing"
  run --database "$url" identifiers send --json
  expect_rc 0
  expect_eq "$(json .counts.queued)" "$n"
  expect_eq "$(outbox_count "$url" "kind = 'identifier'")" "$n"
  expect_eq "$(sql "$url" "SELECT count(*) FROM accounts WHERE identifier_sent_at IS NULL")" "0"
  run --database "$url" identifiers send --json
  expect_rc 0
  expect_eq "$(json '[.counts.queued, .counts.already_sent] | join(" ")')" "0 $n"
  expect_eq "$(outbox_count "$url")" "$n" "no second message"
  f1=$(family_id "$url" F0001)
  run --database "$url" identifiers send --family "$f1" --resend --json
  expect_eq "$(json .counts.queued)" "1"
  expect_eq "$(outbox_count "$url")" "$((n + 1))"
  run --database "$url" identifiers send --resend --only-unsent
  expect_rc 64
}

t_each_family_receives_its_identifier_and_site_url_once() {
  local url n got
  url=$(accounts_db receive) || return
  start_smtp --tls --require-starttls || return
  accounts_config
  run --database "$url" identifiers assign
  run --database "$url" identifiers send
  n=$(sql "$url" "SELECT count(*) FROM accounts")
  flush "$url"
  expect_eq "$(smtp_count)" "$n"
  got=$(received_json) || fail "a received message does not parse strictly"
  # One message per account, to its e-mail, holding its identifier and its site's portal URL.
  while IFS='|' read -r email identifier portal; do
    expect_eq "$(jq --arg to "$email" '[.[] | select(.to == $to)] | length' <<<"$got")" "1" "$email"
    jq -e --arg to "$email" --arg id "$identifier" --arg url "$portal" \
      '.[] | select(.to == $to) | .text | (contains("Identifiant : " + $id) and contains($url))' <<<"$got" >/dev/null ||
      fail "the message to $email lacks $identifier or $portal"
  done < <(sql "$url" "SELECT a.email || '|' || a.identifier || '|' || s.portal_url FROM accounts a JOIN families f ON f.id = a.family_id JOIN sites s ON s.id = f.site_id")
  # Accents survive the trip: display names, subject, body.
  expect_eq "$(jq -r '.[] | select(.to == "helene.lefevre@example.fr") | .name' <<<"$got")" "Hélène Lefèvre"
  expect_eq "$(jq -r '.[] | select(.to == "helene.lefevre@example.fr") | .subject' <<<"$got")" "Votre identifiant pour l'extranet usagers – École de musique et de danse (test)"
  expect_eq "$(jq -r '.[] | select(.to == "francois.oeuvray@example.fr") | .text' <<<"$got" | head -1)" "Bonjour Monsieur Œuvray,"
  expect_eq "$(jq -r '.[0].from_name' <<<"$got")" "EMD – secrétariat"
  jq -e --arg url "$CONS1_URL" '.[] | select(.to == "helene.lefevre@example.fr") | .text | contains($url)' <<<"$got" >/dev/null ||
    fail "CONS1's portal URL missing"
  stop_smtp
  SMTP_PORT=""
  accounts_config
}

t_generated_password_verifies_with_php_and_voids_the_previous_one() {
  local url f1 first second hash
  url=$(accounts_db generate) || return
  start_smtp --tls --require-starttls || return
  accounts_config
  run --database "$url" identifiers assign
  f1=$(family_id "$url" F0001)
  run --database "$url" passwords generate --family "$f1" --send --json
  expect_rc 0
  expect_eq "$(json '[.counts.generated, .counts.mails_queued] | join(" ")')" "1 1"
  expect_eq "$(outbox_count "$url" "kind = 'password' AND contains_secret")" "1"
  flush "$url"
  first=$(password_in_mail helene.lefevre@example.fr)
  expect_eq "${#first}" "12" "password length"
  hash=$(hash_of "$url" lefevre.helene)
  [[ $hash == '$argon2id$v=19$m=8192,t=1,p=1$'* ]] || fail "hash format: $hash"
  php_verify "$first" "$hash" || fail "PHP password_verify refuses the mailed password"
  expect_eq "$(sql "$url" "SELECT must_change_password AND password_sent_at IS NOT NULL FROM accounts WHERE identifier = 'lefevre.helene'")" "t"
  # A second generation: the new password works, the first one no longer does.
  run --database "$url" passwords generate --identifier LEFEVRE.helene --send
  expect_rc 0
  flush "$url"
  second=$(password_in_mail helene.lefevre@example.fr)
  [ -n "$second" ] && [ "$second" != "$first" ] || fail "no new password received"
  hash=$(hash_of "$url" lefevre.helene)
  php_verify "$second" "$hash" || fail "PHP refuses the new password"
  if php_verify "$first" "$hash"; then fail "the previous password still works"; fi
  stop_smtp
  SMTP_PORT=""
  accounts_config
}

t_bulk_generation_hashes_every_missing_password() {
  local url n file bad=0 id pw
  url=$(accounts_db bulk) || return
  run --database "$url" identifiers assign
  n=$(sql "$url" "SELECT count(*) FROM accounts")
  file="$TEST_TMP/bulk-passwords.csv"
  run --database "$url" passwords generate --all-missing --show-to "$file" --json
  expect_rc 0
  expect_eq "$(json .counts.generated)" "$n"
  expect_eq "$(stat -c %a "$file")" "600"
  expect_eq "$(($(wc -l <"$file") - 1))" "$n"
  while IFS=';' read -r _ _ _ _ _ _ id _ pw; do
    php_verify "$pw" "$(hash_of "$url" "$id")" || bad=$((bad + 1))
  done < <(tail -n +2 "$file")
  expect_eq "$bad" "0" "passwords of the file that PHP refuses"
  expect_eq "$(sql "$url" "SELECT count(DISTINCT password_hash) FROM accounts")" "$n"
  # Nothing is missing any more.
  run --database "$url" passwords generate --all-missing --show-to "$TEST_TMP/none.csv" --json
  expect_eq "$(json .counts.generated)" "0"
}

t_show_needs_a_terminal_and_show_to_is_private() {
  local url f2 hash file pw
  url=$(accounts_db show) || return
  run --database "$url" identifiers assign
  f2=$(family_id "$url" F0002)
  run --database "$url" passwords generate --family "$f2" --show
  expect_rc 64
  expect_err "only on a terminal"
  expect_eq "$(hash_of "$url" oeuvray.francois)" "" "nothing was generated"
  run --database "$url" passwords generate --family "$f2"
  expect_rc 64
  expect_err "nobody receives"
  run --database "$url" passwords generate --family "$f2" --all-missing --send
  expect_rc 64
  file="$TEST_TMP/show.csv"
  run --database "$url" --dry-run passwords generate --family "$f2" --show-to "$file"
  expect_rc 0
  [ ! -e "$file" ] || fail "a dry run wrote a password file"
  run --database "$url" passwords generate --family "$f2" --show --show-to "$file"
  expect_rc 0
  expect_eq "$(stat -c %a "$file")" "600"
  expect_eq "$(head -1 "$file")" "family_id;ref;site;civility;last_name;first_name;identifier;email;password"
  pw=$(tail -1 "$file" | cut -d';' -f9)
  hash=$(hash_of "$url" oeuvray.francois)
  php_verify "$pw" "$hash" || fail "PHP refuses the password of the file"
  # Never overwritten.
  run --database "$url" passwords generate --family "$f2" --show-to "$file"
  expect_rc 64
  expect_err "already exists"
  expect_eq "$(hash_of "$url" oeuvray.francois)" "$hash"
  # On a terminal (script(1) gives one), --show prints identifier and password there.
  if command -v script >/dev/null; then
    script -qec "$IMUSE_ADMIN_BIN --database $url passwords generate --family $f2 --show" /dev/null >"$TEST_TMP/tty.out" 2>&1
    pw=$(sed -n 's/^oeuvray\.francois  *\([^ \r]*\)\r*$/\1/p' "$TEST_TMP/tty.out")
    php_verify "$pw" "$(hash_of "$url" oeuvray.francois)" || fail "the password shown on the terminal does not verify: $(cat "$TEST_TMP/tty.out")"
  fi
}

t_reset_flow_exit_codes_and_a_single_mail() {
  local url hash before
  url=$(accounts_db reset) || return
  run --database "$url" identifiers assign
  run --database "$url" passwords generate --identifier lefevre.helene --show-to "$TEST_TMP/reset0.csv"
  hash=$(hash_of "$url" lefevre.helene)
  before=$(outbox_count "$url")
  run --database "$url" passwords reset --identifier lefevre.helene
  expect_rc 65
  expect_err "check what you typed"
  run --database "$url" passwords reset --email helene.lefevre@example.fr
  expect_rc 65
  expect_err "check what you typed"
  run --database "$url" passwords reset --identifier lefevre.helene --email helene@example.fr
  expect_rc 65
  expect_err "does not match"
  run --database "$url" passwords reset --identifier Lefevre.Helene --email helene.lefevre@example.fr
  expect_rc 65
  expect_err "no account has the identifier"
  run --database "$url" passwords reset --identifier nobody --email helene.lefevre@example.fr --json
  expect_rc 65
  expect_eq "$(json .exit_code)" "65"
  expect_eq "$(hash_of "$url" lefevre.helene)" "$hash" "failed resets changed nothing"
  expect_eq "$(outbox_count "$url")" "$before" "failed resets queued nothing"
  run --database "$url" passwords reset --identifier lefevre.helene --email '  Helene.LEFEVRE@example.fr '
  expect_rc 0
  expect_eq "$(outbox_count "$url")" "$((before + 1))"
  expect_eq "$(outbox_count "$url" "kind = 'password_reset' AND contains_secret AND to_address = 'helene.lefevre@example.fr'")" "1"
  [ "$(hash_of "$url" lefevre.helene)" != "$hash" ] || fail "the hash did not change"
  if php_verify "$(tail -1 "$TEST_TMP/reset0.csv" | cut -d';' -f9)" "$(hash_of "$url" lefevre.helene)"; then
    fail "the old password still works after a reset"
  fi
}

t_process_requests_records_each_outcome() {
  local url mantes
  url=$(accounts_db requests) || return
  run --database "$url" identifiers assign
  mantes=$(sql "$url" "SELECT id FROM sites WHERE code = 'MANTES'")
  sql "$url" "INSERT INTO password_reset_requests (identifier, email, site_id, requested_at) VALUES
      ('lefevre.helene', 'Helene.Lefevre@example.fr ', NULL, now() - interval '6 min'),
      ('lefevre.helene', 'wrong@example.fr', NULL, now() - interval '5 min'),
      ('oeuvray.francois', '', NULL, now() - interval '4 min'),
      ('nobody', 'x@example.fr', NULL, now() - interval '3 min'),
      ('lefevre.helene', 'helene.lefevre@example.fr', NULL, now() - interval '2 min'),
      ('bezier.jerome', 'jerome.bezier@example.fr', $mantes, now() - interval '1 min')" >/dev/null
  run --database "$url" passwords process-requests --json
  expect_rc 0
  expect_eq "$(json '[.counts.processed, .counts.sent, .counts.mismatch, .counts.missing_field, .counts.unknown_identifier, .counts.mails_queued] | join(" ")')" "6 2 1 1 2 1"
  expect_eq "$(sql "$url" "SELECT string_agg(outcome, ',' ORDER BY requested_at) FROM password_reset_requests")" "sent,mismatch,missing_field,unknown_identifier,sent,unknown_identifier"
  # Two requests of one account: one password, one mail, both rows point to it.
  expect_eq "$(sql "$url" "SELECT count(DISTINCT outbox_id) || '/' || count(*) FROM password_reset_requests WHERE outcome = 'sent'")" "1/2"
  expect_eq "$(outbox_count "$url" "kind = 'password_reset' AND contains_secret")" "1"
  expect_eq "$(sql "$url" "SELECT count(*) FROM password_reset_requests WHERE processed_at IS NULL OR (outcome = 'mismatch' AND account_id IS NULL)")" "0"
  run --database "$url" passwords process-requests --json
  expect_eq "$(json .counts.processed)" "0"
  sql "$url" "INSERT INTO password_reset_requests (identifier, email) VALUES ('a', 'b@example.fr'), ('c', 'd@example.fr')" >/dev/null
  run --database "$url" passwords process-requests --limit 1 --json
  expect_eq "$(json .counts.processed)" "1"
  expect_eq "$(sql "$url" "SELECT count(*) FROM password_reset_requests WHERE processed_at IS NULL")" "1"
}

t_no_plaintext_password_in_logs_json_or_database() {
  local url f3 passwords=() pw where
  url=$(accounts_db secrets) || return
  start_smtp --tls --require-starttls || return
  accounts_config
  local log="$TEST_TMP/secrets.log" json_out="$TEST_TMP/secrets.json"
  : >"$json_out"
  run --database "$url" --log-file "$log" -v identifiers assign --json
  printf '%s\n' "$out" >>"$json_out"
  run --database "$url" --log-file "$log" -v passwords generate --all-missing --send --json
  expect_rc 0
  printf '%s\n' "$out$err" >>"$json_out"
  run --database "$url" --log-file "$log" -v passwords reset --identifier bezier.jerome --email jerome.bezier@example.fr --json
  expect_rc 0
  printf '%s\n' "$out$err" >>"$json_out"
  sql "$url" "INSERT INTO password_reset_requests (identifier, email) VALUES ('girard.anais', 'anais.girard@example.fr')" >/dev/null
  run --database "$url" --log-file "$log" -v passwords process-requests --json
  printf '%s\n' "$out$err" >>"$json_out"
  f3=$(family_id "$url" F0004)
  run --database "$url" --log-file "$log" -v passwords generate --family "$f3" --show-to "$TEST_TMP/secret.csv" --json
  printf '%s\n' "$out$err" >>"$json_out"
  run --database "$url" --log-file "$log" -v mail flush --json
  printf '%s\n' "$out$err" >>"$json_out"
  expect_eq "$(outbox_count "$url" "contains_secret AND redacted_at IS NULL")" "0" "every delivered secret was redacted"
  "$PG_DUMP" --data-only "$url" >"$TEST_TMP/secrets.sql" 2>/dev/null || fail "pg_dump failed"
  while read -r pw; do passwords+=("$pw"); done < <(received_json | jq -r '.[].text' | sed -n 's/^ *Mot de passe : \([^ ]*\)$/\1/p')
  passwords+=("$(tail -1 "$TEST_TMP/secret.csv" | cut -d';' -f9)")
  # 14 from --all-missing, 1 reset, 1 request, 1 in the file.
  expect_eq "${#passwords[@]}" "17" "passwords collected"
  for pw in "${passwords[@]}"; do
    [ ${#pw} -eq 12 ] || { fail "odd password '$pw'"; continue; }
    for where in "$log" "$json_out" "$TEST_TMP/secrets.sql"; do
      ! grep -qF -- "$pw" "$where" || fail "a plaintext password is in $where"
    done
  done
  stop_smtp
  SMTP_PORT=""
  accounts_config
}

run_tests
