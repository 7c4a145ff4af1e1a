#!/usr/bin/env bash
# changes list/show/approve/reject and documents list/get on the sample school. What families
# submit is inserted with SQL as the portal writes it (docs/schema.md §3.2): identity edits,
# re-enrolment answers, uploaded documents. Decisions are checked in the database, the audit log
# and the mails a real SMTP listener receives after `mail flush`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/smtp.sh"
source "$(dirname "$0")/portal.sh"

SAMPLES="$IMUSE_SOURCE_DIR/config/samples"
CAMPAIGN=REINS-2027  # target year 2027/2028: the sample enrolments of 2026/2027 re-enrol

changes_config() {
  {
    printf 'school:\n  name: "École de musique et de danse (test)"\n  email: secretariat@emd.example.fr\n'
    printf 'mail:\n  from: secretariat@emd.example.fr\n  from_name: "EMD – secrétariat"\n'
    if [ -n "$SMTP_PORT" ]; then
      printf '  transport: smtp\n  smtp:\n    host: 127.0.0.1\n    port: %s\n    security: none\n    timeout: 5\n' "$SMTP_PORT"
    else
      printf '  transport: maildir\n  maildir: %s\n' "$TEST_TMP/maildir"
    fi
  } >"$TEST_TMP/changes.yaml"
  export IMUSE_ADMIN_CONFIG="$TEST_TMP/changes.yaml"
}
mkdir -p "$TEST_TMP/maildir"
changes_config

# A fresh SMTP listener for one test, and the configuration that sends to it.
fresh_smtp() { stop_smtp; start_smtp || { fail "the SMTP listener did not start"; return 1; }; changes_config; }

# The sample school as scripts/quickstart.sh loads it, plus an open campaign with its document
# types (inserted as `campaign open` would record them), built once; tests work on copies.
SCHOOL=$(school_database school) || { echo "cannot create the sample school"; exit 1; }
"$IMUSE_ADMIN_BIN" --database "$SCHOOL" -q families import "$SAMPLES/families.csv" >/dev/null &&
  "$IMUSE_ADMIN_BIN" --database "$SCHOOL" -q courses import "$SAMPLES/courses.csv" >/dev/null &&
  "$IMUSE_ADMIN_BIN" --database "$SCHOOL" -q enrolments import "$SAMPLES/enrolments.csv" >/dev/null ||
  { echo "cannot load the sample school"; exit 1; }
sql "$SCHOOL" "
  INSERT INTO campaigns (code, label, school_year, opens_on, closes_on, state, steps, opened_at)
  VALUES ('$CAMPAIGN', 'Réinscriptions 2027/2028', '2027/2028', current_date - 7, current_date + 30, 'open',
          '{contact_details,documents,courses,finalisation}', now());
  INSERT INTO campaign_sites (campaign_id, site_id, school_year, state)
  SELECT c.id, s.id, c.school_year, c.state FROM campaigns c, sites s WHERE c.code = '$CAMPAIGN';
  INSERT INTO document_types (campaign_id, code, label, level, mandatory, position)
  SELECT id, 'assurance', 'Assurance Responsabilité Civile', 'student', true, 1 FROM campaigns WHERE code = '$CAMPAIGN';
  INSERT INTO document_types (campaign_id, code, label, level, mandatory, position)
  SELECT id, 'quotient', 'Quotient familial', 'family', false, 2 FROM campaigns WHERE code = '$CAMPAIGN';
  INSERT INTO document_types (code, label, level) VALUES ('rib', 'RIB pour prélèvement', 'family');" >/dev/null
# school_copy NAME: a copy of the sample school for one test; prints its URL.
school_copy() {
  local name="it_${1}_$$_${RANDOM}"
  "$PSQL" -X -q "$(cluster_url)" -c "CREATE DATABASE \"$name\" TEMPLATE \"${SCHOOL##*/}\"" >/dev/null || return 1
  register_database "$name"
  printf '%s/%s\n' "${SCHOOL%/*}" "$name"
}

# --- The portal's side, as docs/schema.md §3.2 describes it -------------------------------

# reenrol URL STUDENT_FIRST_NAME CHOICE [COURSE...]: the answer of the Réinscription tab;
# prints the pending change the database opened for it.
reenrol() {
  local url=$1 student=$2 choice=$3 request course
  shift 3
  request=$(sql "$url" "INSERT INTO reenrolment_requests (campaign_id, student_id, family_id, choice, wishes, rules_accepted_at)
                        SELECT c.id, s.id, s.family_id, '$choice', 'Le mercredi si possible', now()
                        FROM campaigns c, students s WHERE c.code = '$CAMPAIGN' AND s.first_name = '$student'
                        RETURNING id" | head -1)
  for course in "$@"; do
    sql "$url" "INSERT INTO reenrolment_request_courses (request_id, course_id)
                SELECT $request, id FROM courses WHERE name = '$course' AND site_id =
                  (SELECT f.site_id FROM students s JOIN families f ON f.id = s.family_id WHERE s.first_name = '$student')" >/dev/null
  done
  sql "$url" "SELECT id FROM pending_changes WHERE reenrolment_request_id = $request"
}
# upload URL REF STUDENT|"" TYPE_CODE FILE NAME CONTENT_TYPE: the Importer button; prints the
# pending change's id. The SQL goes through a file: a 3 MB literal does not fit a command line.
upload() {
  local url=$1 ref=$2 student=$3 type=$4 file=$5 name=$6 ctype=$7
  /usr/bin/python3 - "$file" >"$TEST_TMP/upload.hex" <<'PY'
import sys
print(open(sys.argv[1], "rb").read().hex(), end="")
PY
  {
    printf "INSERT INTO documents (family_id, student_id, document_type_id, state, file_name, content_type, content, uploaded_at)\n"
    printf "SELECT f.id, s.id, t.id, 'transmis', '%s', '%s', '\\\\x%s'::bytea, now()\n" "$name" "$ctype" "$(cat "$TEST_TMP/upload.hex")"
    printf "FROM families f LEFT JOIN students s ON s.family_id = f.id AND s.first_name = '%s'\n" "$student"
    printf "JOIN document_types t ON t.code = '%s' WHERE f.external_ref = '%s' RETURNING id;\n" "$type" "$ref"
  } >"$TEST_TMP/upload.sql"
  local doc
  doc=$("$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$url" -f "$TEST_TMP/upload.sql" 2>"$TEST_TMP/upload.err" | head -1) || return 1
  [ -n "$doc" ] || return 1
  sql "$url" "SELECT id FROM pending_changes WHERE document_id = $doc AND state = 'pending'"
}

# Files a family might upload: a real PDF, a PNG saved as .pdf, a PDF cut short, a 3 MB JPEG.
make_upload_files "$TEST_TMP" $((3 * 1024 * 1024))

# received_json: the listener's messages parsed strictly (smtp.sh's mail_json).
# shellcheck disable=SC2046
received_json() { mail_json $(smtp_messages); }
flush() { run --database "$1" mail flush; [ "$rc" = 0 ] || fail "mail flush failed"; }
state_of() { sql "$1" "SELECT state FROM pending_changes WHERE id = $2"; }

# --- Tests ------------------------------------------------------------------------------------

t_help_and_usage_need_no_database() {
  local sub
  for sub in list show approve reject; do
    run changes "$sub" --help
    expect_rc 0
    expect_out "Usage: imuse-admin changes $sub"
  done
  run documents list --help
  expect_rc 0
  expect_out "--missing"
  run documents get --help
  expect_rc 0
  expect_out "--out"
  run changes approve
  expect_rc 64
  run changes approve 3 --kind identity --all
  expect_rc 64
  run changes approve --all
  expect_rc 64
  run changes reject 3
  expect_rc 64
  run changes reject 3 --reason "  "
  expect_rc 64
  run changes list --kind address
  expect_rc 64
}

t_list_and_show_what_families_submitted() {
  local url fam stu req doc
  url=$(school_copy listing) || { fail "cannot copy the sample school"; return; }
  fam=$(identity_edit "$url" F0005 "" '{"phone_mobile": {"old": "+33611111111", "new": "06 11 22 33 44"}}')
  stu=$(identity_edit "$url" F0005 Capucine '{"birth_date": {"old": "2015-10-17", "new": "2015-10-18"}}')
  req=$(reenrol "$url" Zoé courses "Piano 2C1" "Chorale 1er cycle C")
  doc=$(upload "$url" F0001 "" quotient "$TEST_TMP/attestation.pdf" quotient.pdf application/pdf) || fail "upload refused"
  sql "$url" "UPDATE pending_changes SET submitted_at = now() - interval '10 days' WHERE id = $fam" >/dev/null
  run --database "$url" changes list --json
  expect_rc 0
  expect_eq "$(json '[.rows[].kind] | join(",")')" "identity,identity,reenrolment,document"
  expect_eq "$(json ".rows[0].id")" "$fam" "oldest first"
  expect_eq "$(json ".rows[0].age_days")" "10"
  expect_eq "$(json '.rows[0].summary')" "Mobile"
  expect_eq "$(json ".rows[] | select(.id == $req) | .summary")" "courses: Chorale 1er cycle C, Piano 2C1"
  expect_eq "$(json ".rows[] | select(.id == $doc) | .family")" "F0001 Lefèvre Hélène"
  run --database "$url" changes list --kind identity --older-than 3 --json
  expect_eq "$(json '[.rows[].id] | join(",")')" "$fam"
  run --database "$url" --site MANTES changes list --json
  expect_eq "$(json '.counts.pending')" "0"
  run --database "$url" changes list
  expect_rc 0
  expect_out "Date de naissance"

  run --database "$url" changes show "$stu" --json
  expect_rc 0
  expect_eq "$(json '.rows[0] | [.field, .current, .requested] | join(" ")')" "birth_date 17/10/2015 18/10/2015"
  run --database "$url" changes show "$fam"
  expect_out "06 11 22 33 44"
  run --database "$url" changes show "$req" --json
  expect_eq "$(json '[.rows[].course] | join(",")')" "Chorale 1er cycle C,Piano 2C1"
  expect_eq "$(json '.details.wishes')" "Le mercredi si possible"
  run --database "$url" changes show "$doc" --json
  expect_eq "$(json '.details.detected_type')" "application/pdf"
  expect_eq "$(json '.details.file_name')" "quotient.pdf"
  expect_eq "$(json '.details.verdict')" "acceptable"
  run --database "$url" changes show 999999
  expect_rc 65
  expect_err "no change with id 999999"
}

t_identity_approval_applies_normalised_values_with_audit_and_mail() {
  local url fam stu
  url=$(school_copy identity) || { fail "cannot copy the sample school"; return; }
  fresh_smtp || return
  fam=$(identity_edit "$url" F0005 "" '{"phone_mobile": {"old": null, "new": "06 11 22 33 44"}, "email": {"new": " JB.Dupre@Example.FR "}, "last_name": {"new": "Dupré"}}')
  stu=$(identity_edit "$url" F0005 Capucine '{"birth_date": {"new": "18/10/2015"}, "emergency_phone": {"new": "07 01 02 03 04"}}')
  local before_version old_email
  before_version=$(sql "$url" "SELECT version FROM families WHERE external_ref = 'F0005'")
  old_email=$(sql "$url" "SELECT email FROM families WHERE external_ref = 'F0005'")
  run --database "$url" --dry-run changes approve "$fam" "$stu" --json
  expect_rc 0
  expect_eq "$(json '.counts.approved')" "2"
  expect_eq "$(state_of "$url" "$fam")" "pending" "dry run decided nothing"
  expect_eq "$(sql "$url" "SELECT count(*) FROM mail_outbox")" "0"
  run --database "$url" changes approve "$fam" "$stu" --json
  expect_rc 0
  expect_eq "$(json '[.counts.approved, .counts.mails_queued] | join(" ")')" "2 2"
  expect_eq "$(sql "$url" "SELECT phone_mobile || ' ' || email || ' ' || last_name || ' ' || match_key FROM families WHERE external_ref = 'F0005'")" \
    "+33611223344 JB.Dupre@example.fr Dupré dupre|jeanbaptiste|jb.dupre@example.fr"
  expect_eq "$(sql "$url" "SELECT version = $before_version + 1 FROM families WHERE external_ref = 'F0005'")" "t"
  expect_eq "$(sql "$url" "SELECT birth_date || ' ' || emergency_phone || ' ' || match_key FROM students WHERE first_name = 'Capucine'")" \
    "2015-10-18 +33701020304 capucine|2015-10-18"
  expect_eq "$(sql "$url" "SELECT state || ' ' || (decided_by IS NOT NULL) || ' ' || forced || ' ' || (decision_outbox_id IS NOT NULL) FROM pending_changes WHERE id = $fam")" \
    "approved true false true"
  # The audit log keeps the old and new values of the record, and the decision.
  expect_eq "$(sql "$url" "SELECT old_values->>'email' || ' -> ' || (new_values->>'email') FROM audit_log WHERE entity = 'families' AND command = 'changes approve'")" \
    "$old_email -> JB.Dupre@example.fr"
  expect_eq "$(sql "$url" "SELECT old_values->>'birth_date' || ' -> ' || (new_values->>'birth_date') FROM audit_log WHERE entity = 'students'")" \
    "2015-10-17 -> 2015-10-18"
  expect_eq "$(sql "$url" "SELECT count(*) FROM audit_log WHERE entity = 'pending_changes' AND new_values->>'state' = 'approved'")" "2"
  expect_eq "$(sql "$url" "SELECT summary->>'approved' FROM audit_log WHERE command = 'changes approve' AND entity IS NULL")" "2"
  flush "$url"
  expect_eq "$(smtp_count)" "2" "one mail per decision"
  out=$(received_json) || { fail "a message does not parse strictly"; return; }
  expect_eq "$(json '[.[].to] | unique | join(",")')" "JB.Dupre@example.fr" "sent to the new address"
  expect_eq "$(json '[.[].subject] | sort | join(" | ")')" \
    "Modification de vos données validée – Capucine Dupré-Lagarde – École de musique et de danse (test) | Modification de vos données validée – École de musique et de danse (test)"
  expect_out "Mobile : 06 11 22 33 44"
  expect_out "Date de naissance : 18/10/2015"
}

t_stale_identity_change_needs_force() {
  local url id
  url=$(school_copy stale) || { fail "cannot copy the sample school"; return; }
  fresh_smtp || return
  id=$(identity_edit "$url" F0006 "" '{"city": {"old": null, "new": "Ugine"}}')
  # The office changes the record after the family's edit: the edit is now stale.
  sql "$url" "UPDATE families SET profession = 'Architecte' WHERE external_ref = 'F0006'" >/dev/null
  run --database "$url" changes approve "$id" --json
  expect_rc 1
  expect_eq "$(json '[.counts.stale, .counts.approved] | join(" ")')" "1 0"
  expect_eq "$(json '.rejected[0].message | test("stale: the family record changed")')" "true"
  expect_eq "$(state_of "$url" "$id")" "pending"
  expect_eq "$(sql "$url" "SELECT city FROM families WHERE external_ref = 'F0006'")" "Albertville" "not applied"
  expect_eq "$(sql "$url" "SELECT count(*) FROM mail_outbox")" "0"
  run --database "$url" changes show "$id"
  expect_out "STALE"
  run --database "$url" changes approve "$id" --force --json
  expect_rc 0
  expect_eq "$(sql "$url" "SELECT city FROM families WHERE external_ref = 'F0006'")" "Ugine"
  expect_eq "$(sql "$url" "SELECT state || ' ' || forced FROM pending_changes WHERE id = $id")" "approved true"
  expect_eq "$(sql "$url" "SELECT summary->>'forced' FROM audit_log WHERE entity = 'families'")" "true"
  flush "$url"
  expect_eq "$(smtp_count)" "1"
}

t_invalid_identity_value_stays_pending_until_rejected() {
  local url id
  url=$(school_copy invalid) || { fail "cannot copy the sample school"; return; }
  fresh_smtp || return
  id=$(identity_edit "$url" F0004 "" '{"phone_mobile": {"new": "12"}}')
  run --database "$url" changes approve "$id"
  expect_rc 1
  expect_out "Mobile (phone_mobile): \"12\" is not a valid value"
  expect_eq "$(state_of "$url" "$id")" "pending"
  run --database "$url" changes reject "$id" --reason "Numéro de mobile incomplet : merci de le saisir à nouveau."
  expect_rc 0
  expect_eq "$(sql "$url" "SELECT state || ' / ' || reason FROM pending_changes WHERE id = $id")" \
    "rejected / Numéro de mobile incomplet : merci de le saisir à nouveau."
  expect_eq "$(sql "$url" "SELECT phone_mobile FROM families WHERE external_ref = 'F0004'")" "+33645123987" "unchanged"
  flush "$url"
  expect_eq "$(smtp_count)" "1"
  out=$(received_json) || { fail "a message does not parse strictly"; return; }
  expect_eq "$(json '.[0].subject')" "Modification de vos données non validée – École de musique et de danse (test)"
  expect_out "Motif : Numéro de mobile incomplet : merci de le saisir à nouveau."
  expect_out "Mobile : 12"
}

t_reenrolments_create_next_year_enrolments_and_confirm_by_mail() {
  local url zoe eve theo lou
  url=$(school_copy reenrol) || { fail "cannot copy the sample school"; return; }
  fresh_smtp || return
  zoe=$(reenrol "$url" Zoé courses "Piano 2C1" "Chorale 1er cycle C")
  eve=$(reenrol "$url" Ève administrative)
  theo=$(reenrol "$url" Théo decline)
  lou=$(reenrol "$url" Lou courses "Violon 1C1")
  run --database "$url" --dry-run changes approve --kind reenrolment --all --json
  expect_rc 0
  expect_eq "$(json '[.counts.approved, .counts.enrolments_created] | join(" ")')" "4 5"
  expect_eq "$(sql "$url" "SELECT count(*) FROM enrolments WHERE school_year = '2027/2028'")" "0" "dry run"
  run --database "$url" changes approve "$zoe" "$eve" "$theo" --json
  expect_rc 0
  expect_eq "$(json '[.counts.approved, .counts.enrolments_created, .counts.mails_queued] | join(" ")')" "3 4 3"
  run --database "$url" changes reject "$lou" --reason "Le cours de violon du mercredi est complet."
  expect_rc 0
  expect_eq "$(sql "$url" "SELECT string_agg(s.first_name || ':' || c.name, ', ' ORDER BY s.first_name, c.name)
                           FROM enrolments e JOIN students s ON s.id = e.student_id JOIN courses c ON c.id = e.course_id
                           WHERE e.school_year = '2027/2028' AND e.source = 'reenrolment' AND e.reenrolment_request_id IS NOT NULL")" \
    "Zoé:Chorale 1er cycle C, Zoé:Piano 2C1, Ève:Chorale 1er cycle C, Ève:Guitare B"
  expect_eq "$(sql "$url" "SELECT string_agg(s.first_name || ':' || r.state || coalesce(':' || r.decision_reason, ''), ', ' ORDER BY r.id)
                           FROM reenrolment_requests r JOIN students s ON s.id = r.student_id")" \
    "Zoé:approved, Ève:approved, Théo:approved, Lou:rejected:Le cours de violon du mercredi est complet."
  expect_eq "$(sql "$url" "SELECT count(*) FROM enrolments e JOIN students s ON s.id = e.student_id WHERE s.first_name IN ('Théo', 'Lou') AND e.school_year = '2027/2028'")" "0"
  expect_eq "$(sql "$url" "SELECT count(*) FROM audit_log WHERE entity = 'pending_changes'")" "4"
  expect_eq "$(sql "$url" "SELECT new_values->>'choice' FROM audit_log WHERE entity = 'pending_changes' AND entity_id = $theo")" "decline"
  flush "$url"
  expect_eq "$(smtp_count)" "4" "one mail per decision"
  out=$(received_json) || { fail "a message does not parse strictly"; return; }
  expect_eq "$(json '[.[].subject] | sort | join(" | ")')" \
    "Non-réinscription 2027/2028 enregistrée – Théo Bézier – École de musique et de danse (test) | Réinscription 2027/2028 confirmée – Zoé Lefèvre – École de musique et de danse (test) | Réinscription 2027/2028 confirmée – Ève Œuvray – École de musique et de danse (test) | Réinscription 2027/2028 non validée – Lou Girard – École de musique et de danse (test)"
  expect_eq "$(json '[.[] | select(.subject | test("Zoé")) | .text | test("  - Piano 2C1")] | .[0]')" "true"
  expect_eq "$(json '[.[] | select(.subject | test("Ève")) | .text | test("réinscription administrative")] | .[0]')" "true"
  expect_eq "$(json '[.[] | select(.subject | test("Lou")) | .text | test("Motif : Le cours de violon")] | .[0]')" "true"
}

t_documents_are_checked_by_their_bytes() {
  local url good renamed cut refused big
  url=$(school_copy documents) || { fail "cannot copy the sample school"; return; }
  fresh_smtp || return
  good=$(upload "$url" F0001 "" quotient "$TEST_TMP/attestation.pdf" quotient.pdf application/pdf) || fail "pdf upload"
  renamed=$(upload "$url" F0001 Zoé assurance "$TEST_TMP/photo.png" attestation.pdf application/pdf) || fail "png upload"
  cut=$(upload "$url" F0002 Ève assurance "$TEST_TMP/truncated.pdf" assurance.pdf application/pdf) || fail "cut upload"
  refused=$(upload "$url" F0003 "" rib "$TEST_TMP/attestation.pdf" rib.pdf application/pdf) || fail "rib upload"
  # A 3 MB JPEG that a portal stored without checking the 2 Mo rule: refused at approval.
  big=$(upload "$url" F0004 Lou assurance "$TEST_TMP/scan.jpg" scan.jpg image/jpeg) || fail "3 MB upload"
  run --database "$url" changes show "$renamed" --json
  expect_eq "$(json '[.details.declared_type, .details.detected_type] | join(" ")')" "application/pdf image/png"
  run --database "$url" changes show "$cut" --json
  expect_eq "$(json '.details.verdict | test("^refused on approval")')" "true"

  run --database "$url" changes reject "$refused" --reason "Ce document n'est pas un RIB."
  expect_rc 0
  run --database "$url" changes approve --kind document --all --json
  expect_rc 0
  expect_eq "$(json '[.counts.approved, .counts.refused, .counts.mails_queued] | join(" ")')" "2 2 4"
  expect_eq "$(sql "$url" "SELECT string_agg(d.file_name || ':' || d.state || ':' || d.content_type, ', ' ORDER BY d.id) FROM documents d")" \
    "quotient.pdf:valide:application/pdf, attestation.pdf:valide:image/png, assurance.pdf:refuse:application/pdf, rib.pdf:refuse:application/pdf, scan.jpg:refuse:image/jpeg"
  expect_eq "$(sql "$url" "SELECT refusal_reason ~ '2 Mo' FROM documents WHERE file_name = 'scan.jpg'")" "t"
  expect_eq "$(sql "$url" "SELECT refusal_reason FROM documents WHERE file_name = 'rib.pdf'")" "Ce document n'est pas un RIB."
  expect_eq "$(sql "$url" "SELECT refusal_reason ~ 'endommagé ou incomplet' FROM documents WHERE file_name = 'assurance.pdf'")" "t"
  expect_eq "$(sql "$url" "SELECT string_agg(state, ',' ORDER BY id) FROM pending_changes")" "approved,approved,rejected,rejected,rejected"
  flush "$url"
  expect_eq "$(smtp_count)" "5" "one mail per decision"
  out=$(received_json) || { fail "a message does not parse strictly"; return; }
  expect_eq "$(json '[.[].subject] | sort | join(" | ")')" \
    "Document refusé : Assurance Responsabilité Civile – Lou Girard | Document refusé : Assurance Responsabilité Civile – Ève Œuvray | Document refusé : RIB pour prélèvement | Document validé : Assurance Responsabilité Civile – Zoé Lefèvre | Document validé : Quotient familial"
  expect_eq "$(json '[.[] | select(.subject | test("Lou")) | .text | test("2 Mo")] | .[0]')" "true"
  expect_eq "$(json '[.[] | select(.subject | test("RIB")) | .text | test("Motif : Ce document n.est pas un RIB.")] | .[0]')" "true"

  # documents list / get
  run --database "$url" documents list --missing --json
  expect_rc 0
  expect_eq "$(json '[.rows[].file] | join(",")')" \
    "rib.pdf ($(stat -c %s "$TEST_TMP/attestation.pdf") octets),scan.jpg (3,0 Mo),assurance.pdf ($(stat -c %s "$TEST_TMP/truncated.pdf") octets)"
  run --database "$url" documents list --campaign "$CAMPAIGN" --missing --json
  expect_rc 0
  # Eligible students (enrolled in 2026/2027) owe the assurance; Zoé's is validated.
  expect_eq "$(json '[.rows[] | select(.document == "Assurance Responsabilité Civile") | .student] | length')" "12"
  expect_eq "$(json '[.rows[] | select(.student == "Zoé Lefèvre")] | length')" "0"
  expect_eq "$(json '[.rows[] | select(.student == "Ève Œuvray") | .state] | join(",")')" "refuse"
  run --database "$url" --site MANTES documents list --campaign "$CAMPAIGN" --missing --json
  expect_eq "$(json '[.rows[].site] | unique | join(",")')" "MANTES"
  local id
  id=$(sql "$url" "SELECT id FROM documents WHERE file_name = 'attestation.pdf'")
  run --database "$url" documents get "$id" --out "$TEST_TMP/got.png"
  expect_rc 0
  cmp -s "$TEST_TMP/got.png" "$TEST_TMP/photo.png" || fail "the file written differs from the upload"
  expect_eq "$(stat -c %a "$TEST_TMP/got.png")" "600"
  run --database "$url" documents get "$id" --out "$TEST_TMP/got.png"
  expect_rc 73
  expect_err "never overwritten"
  cmp -s "$TEST_TMP/got.png" "$TEST_TMP/photo.png" || fail "the existing file was touched"
  run --database "$url" documents get 999999 --out "$TEST_TMP/none"
  expect_rc 65
}

t_deciding_again_is_a_noop_and_unknown_ids_decide_nothing() {
  local url a b
  url=$(school_copy again) || { fail "cannot copy the sample school"; return; }
  a=$(identity_edit "$url" F0002 "" '{"profession": {"new": "Luthier"}}')
  b=$(identity_edit "$url" F0003 "" '{"profession": {"new": "Facteur d’orgues"}}')
  run --database "$url" changes approve "$a" 999999
  expect_rc 65
  expect_err "no change with id 999999"
  expect_eq "$(state_of "$url" "$a")" "pending" "nothing decided"
  run --database "$url" changes approve "$a" --json
  expect_rc 0
  run --database "$url" changes approve "$a" "$b" --json
  expect_rc 0
  expect_eq "$(json '[.counts.approved, .counts.already_decided, .counts.mails_queued] | join(" ")')" "1 1 1"
  expect_eq "$(json '.messages | map(select(test("already approved on .*: nothing done"))) | length')" "1"
  run --database "$url" changes reject "$a" --reason "Trop tard" --json
  expect_rc 0
  expect_eq "$(json '.counts.already_decided')" "1"
  expect_eq "$(state_of "$url" "$a")" "approved"
  expect_eq "$(sql "$url" "SELECT count(*) FROM mail_outbox")" "2" "one mail per change"
}

# hold_change URL ID: another session locks the change row (as a slow concurrent run would).
hold_change() {
  PGAPPNAME=imuse-test-holder "$PSQL" -X -q "$1" \
    -c "BEGIN; SELECT 1 FROM pending_changes WHERE id = $2 FOR UPDATE; SELECT pg_sleep(120); COMMIT" >/dev/null 2>&1 &
  BACKGROUND_PIDS+=($!)
  wait_for "$1" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'imuse-test-holder' AND wait_event = 'PgSleep' AND datname = current_database()" 1
}
release_change() { sql "$1" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'imuse-test-holder' AND datname = current_database()" >/dev/null; }
# wait_for URL QUERY VALUE: polls until the query gives VALUE.
wait_for() {
  local i
  for i in $(seq 300); do
    [ "$(sql "$1" "$2")" = "$3" ] && return 0
    sleep 0.1
  done
  fail "gave up waiting for: $2 = $3"
}

t_two_concurrent_approvals_apply_once() {
  local url id p1 p2
  url=$(school_copy concurrent) || { fail "cannot copy the sample school"; return; }
  id=$(identity_edit "$url" M0101 "" '{"phone_work": {"new": "01 30 98 76 54"}}')
  hold_change "$url" "$id" || return
  "$IMUSE_ADMIN_BIN" --database "$url" --wait changes approve "$id" --json >"$TEST_TMP/a1.json" 2>"$TEST_TMP/a1.err" &
  p1=$!
  "$IMUSE_ADMIN_BIN" --database "$url" --wait changes approve "$id" --json >"$TEST_TMP/a2.json" 2>"$TEST_TMP/a2.err" &
  p2=$!
  # Both runs are in: one waits on the row lock, the other on the command lock behind it.
  wait_for "$url" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'imuse-admin changes approve' AND datname = current_database()" 2 || return
  wait_for "$url" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'imuse-admin changes approve' AND wait_event_type = 'Lock' AND datname = current_database()" 1 || return
  release_change "$url"
  wait "$p1" && rc=0 || rc=$?
  expect_rc 0
  wait "$p2" && rc=0 || rc=$?
  expect_rc 0
  expect_eq "$(jq -s '[.[].counts.approved] | add' "$TEST_TMP/a1.json" "$TEST_TMP/a2.json")" "1" "applied once"
  expect_eq "$(jq -s '[.[].counts.already_decided] | add' "$TEST_TMP/a1.json" "$TEST_TMP/a2.json")" "1" "the other one is a no-op"
  expect_eq "$(sql "$url" "SELECT count(*) FROM audit_log WHERE entity = 'families'")" "1"
  expect_eq "$(sql "$url" "SELECT count(*) FROM mail_outbox")" "1"
  expect_eq "$(sql "$url" "SELECT phone_work FROM families WHERE external_ref = 'M0101'")" "+33130987654"
}

t_concurrent_approve_and_reject_decide_once() {
  local url id p1 p2
  url=$(school_copy race) || { fail "cannot copy the sample school"; return; }
  id=$(reenrol "$url" Maxence courses "Atelier jazz")
  hold_change "$url" "$id" || return
  "$IMUSE_ADMIN_BIN" --database "$url" changes approve "$id" --json >"$TEST_TMP/r1.json" 2>"$TEST_TMP/r1.err" &
  p1=$!
  "$IMUSE_ADMIN_BIN" --database "$url" changes reject "$id" --reason "Complet" --json >"$TEST_TMP/r2.json" 2>"$TEST_TMP/r2.err" &
  p2=$!
  # Different commands, different command locks: only the row locks keep them apart.
  wait_for "$url" "SELECT count(*) FROM pg_stat_activity WHERE application_name IN ('imuse-admin changes approve', 'imuse-admin changes reject') AND wait_event_type = 'Lock' AND datname = current_database()" 2 || return
  release_change "$url"
  wait "$p1" && rc=0 || rc=$?
  expect_rc 0
  wait "$p2" && rc=0 || rc=$?
  expect_rc 0
  expect_eq "$(jq -s '[.[].counts.already_decided] | add' "$TEST_TMP/r1.json" "$TEST_TMP/r2.json")" "1"
  expect_eq "$(jq -s '[.[].counts.approved // 0, .[].counts.rejected // 0] | add' "$TEST_TMP/r1.json" "$TEST_TMP/r2.json")" "1"
  expect_eq "$(sql "$url" "SELECT count(*) FROM mail_outbox")" "1"
  expect_eq "$(sql "$url" "SELECT (p.state = 'approved') = (SELECT count(*) = 1 FROM enrolments WHERE school_year = '2027/2028')
                           FROM pending_changes p WHERE p.id = $id")" "t" "enrolled exactly when approved"
}

run_tests
