#!/usr/bin/env bash
# Re-enrolment campaigns on the sample school (config/samples): open with --notify (mails
# through the SMTP listener), open twice, refused conflicts, portal answers written as the portal
# writes them, paper answers imported, exact status counts, reminders and --min-days, export and
# re-import, close. The t_* functions run in name order and share one database.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/smtp.sh"

SAMPLES="$IMUSE_SOURCE_DIR/config/samples"
CAMPAIGN="$SAMPLES/campaign.yaml"
URL=$(school_database campaign) || { echo "cannot create the test database"; exit 1; }
export IMUSE_ADMIN_DATABASE_URL=$URL
for step in "families import $SAMPLES/families.csv" "courses import $SAMPLES/courses.csv" \
  "enrolments import $SAMPLES/enrolments.csv"; do
  # shellcheck disable=SC2086
  "$IMUSE_ADMIN_BIN" -q $step >/dev/null || { echo "sample school: $step failed"; exit 1; }
done
# An Éveil course in the Danse department: the medical certificate's condition excludes it.
sql "$URL" "INSERT INTO courses (site_id, name, department) SELECT id, 'Éveil danse', 'Danse' FROM sites WHERE code = 'MANTES';
            INSERT INTO enrolments (student_id, course_id, school_year)
            SELECT s.id, c.id, '2026/2027' FROM students s, courses c
            WHERE s.first_name = 'Maëlle' AND c.name = 'Éveil danse'" >/dev/null

config() {
  {
    printf 'site: CONS1\n'
    printf 'school:\n  name: "École de musique et de danse d’Éragny"\n  email: secretariat@emd.example.fr\n'
    printf 'mail:\n  from: secretariat@emd.example.fr\n  from_name: "EMD - secrétariat"\n'
    if [ -n "$SMTP_PORT" ]; then
      printf '  transport: smtp\n  smtp:\n    host: 127.0.0.1\n    port: %s\n    security: none\n    timeout: 5\n' \
        "$SMTP_PORT"
    fi
  } >"$TEST_TMP/config.yaml"
  export IMUSE_ADMIN_CONFIG="$TEST_TMP/config.yaml"
}
config

# A copy of the sample campaign with sed expressions applied, in $TEST_TMP/NAME.
variant() {
  local name=$1
  shift
  sed "$@" "$CAMPAIGN" >"$TEST_TMP/$name"
}
outbox() { sql "$URL" "SELECT count(*) FROM mail_outbox WHERE kind = '$1'"; }
request_count() { sql "$URL" "SELECT count(*) FROM reenrolment_requests"; }
# status_of JQ: the value of a jq filter over `campaign status --json`.
status_of() {
  run campaign status --json
  json "$1"
}
COUNTS='[.eligible, .reenrolled_administrative, .reenrolled_courses, .declined, .pending_administrative,
         .pending_courses, .pending_decline, .pending_validation, .rejected, .not_answered,
         .documents_missing] | map(tostring) | join(" ")'

t_a_help_and_usage_need_no_database() {
  local sub
  for sub in open close list status remind export-responses import-responses; do
    IMUSE_ADMIN_DATABASE_URL="" run campaign "$sub" --help
    expect_rc 0
    expect_out "Usage: imuse-admin campaign $sub"
  done
  run campaign open "$TEST_TMP/missing.yaml"
  expect_rc 64
  run campaign remind --min-days -3
  expect_rc 64
  run campaign status
  expect_rc 65
  expect_err "no open campaign"
}

t_b_bad_campaign_files_are_refused_with_their_position() {
  variant typo.yaml 's/^closes_on:/close_on:/'
  run campaign open "$TEST_TMP/typo.yaml"
  expect_rc 65
  expect_err "typo.yaml:28:1: unknown key 'close_on' in the campaign (did you mean 'closes_on'?)"
  variant dance.yaml 's/departments: \[Danse\]/departments: [Dance]/'
  run campaign open "$TEST_TMP/dance.yaml"
  expect_rc 65
  expect_err "dance.yaml:89:20: departments: no course of CONS1, MANTES is in department \"Dance\""
  variant site.yaml 's/^sites: \[CONS1, MANTES\]/sites: [CONS1, LYON]/'
  run campaign open "$TEST_TMP/site.yaml"
  expect_rc 65
  expect_err "site.yaml:23:16: sites: no site LYON in the database"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM campaigns")" "0" "nothing written"
}

t_c_open_with_notify_queues_one_mail_per_eligible_family() {
  run campaign open "$CAMPAIGN" --notify --dry-run --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.eligible_students, .counts.eligible_families, .counts.mails_queued,
                      .counts.documents_to_provide] | map(tostring) | join(" ")')" "1 13 9 9 34"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM campaigns") $(outbox campaign_open)" "0 0" "dry run writes nothing"

  run campaign open "$CAMPAIGN" --notify --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.mails_queued, .counts.documents_to_provide] | map(tostring) | join(" ")')" \
    "1 9 34"
  expect_eq "$(sql "$URL" "SELECT c.state || ' ' || c.school_year || ' ' || string_agg(s.code || '/' || cs.state, ',' ORDER BY s.code)
                           FROM campaigns c JOIN campaign_sites cs ON cs.campaign_id = c.id JOIN sites s ON s.id = cs.site_id
                           GROUP BY c.id")" "open 2027/2028 CONS1/open,MANTES/open"
  # What the portal reads (docs/schema.md, Campaigns): the document types, and the A fournir rows.
  expect_eq "$(sql "$URL" "SELECT string_agg(code || ':' || level || ':' || mandatory, ' ' ORDER BY position) FROM document_types")" \
    "assurance:family:true droit-image:student:true certificat-medical:student:true quotient-familial:family:false"
  expect_eq "$(sql "$URL" "SELECT string_agg(s.first_name, ',' ORDER BY s.first_name) FROM documents d
                           JOIN document_types t ON t.id = d.document_type_id JOIN students s ON s.id = d.student_id
                           WHERE t.code = 'certificat-medical' AND d.state = 'a_fournir'")" "Capucine,Chloë,Élise"
  expect_eq "$(outbox campaign_open)" "9"
  expect_eq "$(sql "$URL" "SELECT count(DISTINCT family_id) FROM mail_outbox WHERE kind = 'campaign_open'")" "9"

  # Delivered through SMTP: each eligible family exactly once, the accented subject intact.
  start_smtp || return
  config
  run mail flush --json
  expect_rc 0
  expect_eq "$(smtp_count)" "9"
  expect_eq "$(cat $(smtp_messages) | grep -i '^To:' | sort -u | wc -l)" "9" "nine different recipients"
  local lefevre
  lefevre=$(grep -l 'helene.lefevre@example.fr' $(smtp_messages))
  /usr/bin/python3 - "$lefevre" >"$TEST_TMP/lefevre.txt" <<'PY'
import sys
from email import message_from_binary_file, policy
with open(sys.argv[1], "rb") as f:
    msg = message_from_binary_file(f, policy=policy.strict)
print("Subject: " + msg["Subject"])
print(msg.get_body(("plain",)).get_content())
PY
  grep -qF "Subject: Réinscriptions 2027/2028 : c'est ouvert – École de musique et de danse d’Éragny" \
    "$TEST_TMP/lefevre.txt" || fail "subject: $(head -1 "$TEST_TMP/lefevre.txt")"
  grep -qF "  - Zoé Lefèvre" "$TEST_TMP/lefevre.txt" || fail "students listed: $(cat "$TEST_TMP/lefevre.txt")"
  grep -qF "Autorisation de droit à l'image signée (Zoé, Noël) – obligatoire" "$TEST_TMP/lefevre.txt" ||
    fail "documents listed: $(cat "$TEST_TMP/lefevre.txt")"
  stop_smtp
  SMTP_PORT="" config
}

t_d_opening_again_changes_nothing() {
  local before
  before=$(sql "$URL" "SELECT updated_at FROM campaigns")
  run campaign open "$CAMPAIGN" --notify --json
  expect_rc 0
  expect_eq "$(json '[.counts.unchanged, .counts.mails_queued, .counts.mails_already_queued, .counts.documents_to_provide] | map(tostring) | join(" ")')" \
    "1 0 9 0"
  expect_out "is already open with this definition: nothing changed"
  expect_eq "$(sql "$URL" "SELECT updated_at FROM campaigns")" "$before"
  expect_eq "$(outbox campaign_open)" "9"
}

t_e_conflicts_and_changes_of_an_open_campaign() {
  variant other.yaml -e 's/^code: .*/code: AUTRE-2027/' -e 's/^sites: .*/sites: [MANTES, ARLYSERE]/'
  run campaign open "$TEST_TMP/other.yaml"
  expect_rc 65
  expect_err "site MANTES already has an open campaign for 2027/2028: REINSCRIPTIONS-2027"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM campaigns")" "1"
  # The same site for another year is another campaign.
  variant next.yaml -e 's/^code: .*/code: R-2028/' -e 's|^school_year: .*|school_year: 2028/2029|' \
    -e 's/^opens_on: .*/opens_on: 2028-04-01/' -e 's/^closes_on: .*/closes_on: 2028-05-31/'
  run campaign open "$TEST_TMP/next.yaml" --dry-run
  expect_rc 0
  # Dates and label of the open campaign may change; its sites may not.
  variant later.yaml -e 's/^closes_on: .*/closes_on: 2027-06-15/'
  run campaign open "$TEST_TMP/later.yaml" --json
  expect_rc 0
  expect_eq "$(json .counts.updated)" "1"
  expect_eq "$(sql "$URL" "SELECT closes_on FROM campaigns")" "2027-06-15"
  variant fewer.yaml -e 's/^sites: .*/sites: [CONS1]/'
  run campaign open "$TEST_TMP/fewer.yaml"
  expect_rc 65
  expect_err "already exists with another school year or other sites"
  run campaign open "$CAMPAIGN" --json
  expect_rc 0
  expect_eq "$(json .counts.updated) $(sql "$URL" "SELECT closes_on FROM campaigns")" "1 2027-05-31"
}

# Answers as the portal writes them (docs/schema.md §3.2), then decisions as `changes` makes them.
portal_answer() {  # FIRST_NAME CHOICE [COURSE...]
  local first=$1 choice=$2
  shift 2
  sql "$URL" "INSERT INTO reenrolment_requests (campaign_id, student_id, family_id, choice, wishes, rules_accepted_at)
              SELECT c.id, s.id, s.family_id, '$choice', 'Mercredi de préférence', '2027-04-03 18:30+02'
              FROM campaigns c, students s WHERE s.first_name = '$first'" >/dev/null
  local course
  for course in "$@"; do
    sql "$URL" "INSERT INTO reenrolment_request_courses (request_id, course_id)
                SELECT r.id, co.id FROM reenrolment_requests r JOIN students s ON s.id = r.student_id
                JOIN families f ON f.id = s.family_id JOIN courses co ON co.site_id = f.site_id
                WHERE s.first_name = '$first' AND co.name = '$course'" >/dev/null
  done
}
decide() {  # FIRST_NAME approved|rejected
  sql "$URL" "UPDATE reenrolment_requests r SET state = '$2', decided_at = now(), decided_by = 'test',
              decision_reason = CASE WHEN '$2' = 'rejected' THEN 'Cours complet' END
              FROM students s WHERE s.id = r.student_id AND s.first_name = '$1'" >/dev/null
}
RESPONSES_HEADER='Site;Réf famille;Élève prénom;Date de naissance;Choix;Cours;Souhaits;Règlement accepté'

t_f_answers_from_the_portal_and_paper_are_counted_exactly() {
  portal_answer Zoé courses 'Piano 2C1' 'FM 2C1 A'
  portal_answer Noël administrative
  portal_answer Ève decline
  portal_answer Théo administrative
  portal_answer Élise courses 'Danse contemporaine 2C1'
  portal_answer Loïc courses 'Batterie 1C3'
  decide Ève approved
  decide Théo approved
  decide Élise approved
  decide Loïc rejected
  printf '%s\n' "$RESPONSES_HEADER" \
    'CONS1;F0005;Mathéo;02/04/2013;Réinscription administrative;;;oui' \
    'CONS1;F0005;Capucine;17/10/2015;Ne se réinscrit pas;;Déménagement;' \
    'MANTES;M0104;Maxence;16/12/2012;Cours;Atelier jazz;Le vendredi si possible;12/04/2027' >"$TEST_TMP/paper.csv"
  run campaign import-responses "$TEST_TMP/paper.csv" --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.unchanged] | map(tostring) | join(" ")')" "3 0 0"
  expect_eq "$(sql "$URL" "SELECT string_agg(s.first_name || ':' || r.choice || ':' || r.source || ':' || r.state, ' ' ORDER BY s.first_name)
                           FROM reenrolment_requests r JOIN students s ON s.id = r.student_id WHERE r.source = 'paper'")" \
    "Capucine:decline:paper:pending Mathéo:administrative:paper:pending Maxence:courses:paper:pending"
  # Paper answers go through the office's validation like portal ones.
  expect_eq "$(sql "$URL" "SELECT count(*) FROM pending_changes WHERE kind = 'reenrolment' AND state = 'pending'")" "5"

  # Documents: F0001 sent its insurance, Zoé's image rights were validated.
  sql "$URL" "UPDATE documents d SET state = 'transmis', content = '%PDF-1.4', file_name = 'assurance.pdf',
              content_type = 'application/pdf', uploaded_at = now()
              FROM document_types t, families f WHERE t.id = d.document_type_id AND f.id = d.family_id
              AND t.code = 'assurance' AND f.external_ref = 'F0001';
              UPDATE documents d SET state = 'valide', decided_at = now()
              FROM document_types t, students s WHERE t.id = d.document_type_id AND s.id = d.student_id
              AND t.code = 'droit-image' AND s.first_name = 'Zoé'" >/dev/null

  run campaign status --json
  expect_rc 0
  expect_eq "$(json '.campaign | [.code, .school_year, .previous_year, .state, .opens_on] | join(" ")')" \
    "REINSCRIPTIONS-2027 2027/2028 2026/2027 open 2027-04-01"
  expect_eq "$(json '.sites | map(.code) | join(" ")')" "CONS1 MANTES"
  #                                         elig adm crs decl p_adm p_crs p_decl pend rej none docs
  expect_eq "$(json ".sites[0].totals | $COUNTS")" "9 1 0 1 2 1 1 4 0 3 11"
  expect_eq "$(json ".sites[1].totals | $COUNTS")" "4 0 1 0 0 1 0 1 1 1 8"
  expect_eq "$(json ".totals | $COUNTS")" "13 1 1 1 2 2 1 5 1 4 19"
  expect_eq "$(json '.totals | [.families_eligible, .families_not_answered, .answers_not_eligible] | map(tostring) | join(" ")')" \
    "9 4 0"
  expect_eq "$(json ".sites[0].departments[] | select(.name == \"Danse\") | $COUNTS")" "2 0 0 0 0 0 1 1 0 1 2"
  expect_eq "$(json ".sites[1].departments[] | select(.name == \"Danse\") | $COUNTS")" "2 0 1 0 0 0 0 0 0 1 3"
  expect_eq "$(json '.sites[0].departments | map(.name) | join(",")')" \
    "Danse,Formation Musicale,Instruments,Polyphoniques,Pratiques collectives"

  run --site MANTES campaign status --json
  expect_eq "$(json '.sites | map(.code) | join(" ")') $(json '.totals.eligible')" "MANTES 4"
  run campaign status
  expect_rc 0
  expect_out "TOTAL"
}

t_g_paper_imports_are_idempotent_and_bad_lines_write_nothing() {
  run campaign import-responses "$TEST_TMP/paper.csv" --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.unchanged] | map(tostring) | join(" ")')" "0 0 3"
  local before
  before=$(request_count)
  printf '%s\n' "$RESPONSES_HEADER" \
    'CONS1;F0004;Lou;12/06/2015;Cours;Violon 1C1;;oui' \
    'CONS1;F0006;Yanis;21/11/2012;Cours;Piano 9C9;;' \
    'CONS1;F0001;Zoé;03/09/2014;Réinscription administrative;;;' \
    'CONS1;F0006;Yanis;21/11/2012;peut-être;;;' >"$TEST_TMP/bad.csv"
  run campaign import-responses "$TEST_TMP/bad.csv"
  expect_rc 65
  expect_err "bad.csv:3:6: \"Cours\": "
  expect_err "Piano 9C9"
  expect_err "bad.csv:4:5: \"Choix\": Zoé already answered through the portal on"
  expect_err "bad.csv:5:5: \"Choix\": expected \"Réinscription administrative\", \"Cours\" or \"Ne se réinscrit pas\""
  expect_eq "$(request_count)" "$before" "nothing written"
  # --on-error skip: the good line is recorded, the others go to the reject file.
  run campaign import-responses "$TEST_TMP/bad.csv" --on-error skip --json
  expect_rc 1
  expect_eq "$(json .counts.created)" "1"
  expect_eq "$(grep -c . "$TEST_TMP/bad.rejects.csv")" "4" "header and three rejected lines"
  # A changed paper answer still pending is updated.
  sed -i 's/Le vendredi si possible/Le jeudi/' "$TEST_TMP/paper.csv"
  run campaign import-responses "$TEST_TMP/paper.csv" --json
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.unchanged] | map(tostring) | join(" ")')" "0 1 2"
  expect_eq "$(sql "$URL" "SELECT wishes FROM reenrolment_requests r JOIN students s ON s.id = r.student_id WHERE s.first_name = 'Maxence'")" \
    "Le jeudi"
}

t_h_remind_respects_min_days() {
  # Not answered: Chloë (F0003), Yanis (F0006), Maëlle (M0101); Lou (F0004) answered on paper above.
  run campaign remind --min-days 7 --dry-run --json
  expect_rc 0
  expect_eq "$(json .counts.mails_queued)" "3"
  expect_eq "$(outbox campaign_reminder) $(sql "$URL" "SELECT count(*) FROM campaign_reminders")" "0 0"
  run campaign remind --min-days 7 --json
  expect_rc 0
  expect_eq "$(json '[.counts.mails_queued, .counts.reminded_recently] | map(tostring) | join(" ")')" "3 0"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM campaign_reminders WHERE outbox_id IS NOT NULL")" "3"
  local bezier
  bezier=$(sql "$URL" "SELECT body_text FROM mail_outbox WHERE kind = 'campaign_reminder' AND to_address = 'jerome.bezier@example.fr'")
  grep -qF -- "- Chloë Bézier" <<<"$bezier" || fail "the student without an answer is listed: $bezier"
  ! grep -qF -- "Théo" <<<"$bezier" || fail "a student who answered is not listed: $bezier"
  run campaign remind --min-days 7 --json
  expect_eq "$(json '[.counts.mails_queued, .counts.reminded_recently] | map(tostring) | join(" ")')" "0 3"
  # A week later they are due again.
  sql "$URL" "UPDATE campaign_reminders SET sent_at = sent_at - interval '8 days'" >/dev/null
  run campaign remind --min-days 7 --json
  expect_eq "$(json .counts.mails_queued)" "3"
  expect_eq "$(outbox campaign_reminder)" "6"
  run --site MANTES campaign remind --min-days 0 --json
  expect_eq "$(json .counts.mails_queued)" "1"
}

t_i_export_responses_round_trip() {
  run campaign export-responses --out "$TEST_TMP/responses.csv"
  expect_rc 0
  expect_eq "$(($(grep -c . "$TEST_TMP/responses.csv") - 1))" "$(request_count)" "one row per answer"
  grep -qF "CONS1;F0001;" "$TEST_TMP/responses.csv" || fail "family ref: $(head -3 "$TEST_TMP/responses.csv")"
  grep -qF ";Zoé;03/09/2014;Cours;FM 2C1 A, Piano 2C1;Mercredi de préférence;03/04/2027;portal;" \
    "$TEST_TMP/responses.csv" || fail "Zoé's row: $(grep Zoé "$TEST_TMP/responses.csv")"
  run campaign import-responses "$TEST_TMP/responses.csv" --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.unchanged, (.warnings | length)] | map(tostring) | join(" ")')" \
    "0 0 $(request_count) 0"
  run campaign export-responses --format json
  expect_rc 0
  expect_eq "$(json '.responses | length')" "$(request_count)"
  expect_eq "$(json '.responses[] | select(.student_first_name == "Loïc") | [.choice, .courses, .state, .source] | join(" ")')" \
    "courses Batterie 1C3 rejected portal"
  json . >"$TEST_TMP/responses.json"
  run campaign import-responses "$TEST_TMP/responses.json" --json
  expect_rc 0
  expect_eq "$(json .counts.unchanged)" "$(request_count)"
}

t_j_close_list_and_reopen() {
  run campaign close --json
  expect_rc 0
  expect_eq "$(json .counts.closed) $(sql "$URL" "SELECT state || ' ' || (closed_at IS NOT NULL) FROM campaigns")" "1 closed true"
  expect_eq "$(sql "$URL" "SELECT string_agg(DISTINCT state, ',') FROM campaign_sites")" "closed"
  run campaign close REINSCRIPTIONS-2027
  expect_rc 0
  expect_out "already closed: nothing changed"
  run campaign remind --campaign REINSCRIPTIONS-2027
  expect_rc 65
  run campaign import-responses "$TEST_TMP/paper.csv" --campaign REINSCRIPTIONS-2027
  expect_rc 65
  run campaign status --campaign REINSCRIPTIONS-2027 --json
  expect_rc 0
  expect_eq "$(json .campaign.state)" "closed"
  run campaign list --json
  expect_eq "$(json '.rows[0] | [.code, .state, .sites, .answers] | map(tostring) | join(" ")')" \
    "REINSCRIPTIONS-2027 closed CONS1, MANTES $(request_count)"
  run campaign open "$CAMPAIGN" --json
  expect_rc 0
  expect_eq "$(json .counts.reopened) $(sql "$URL" "SELECT state FROM campaigns")" "1 open"
}

run_tests
