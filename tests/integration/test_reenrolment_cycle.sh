#!/usr/bin/env bash
# The whole re-enrolment cycle on the sample school (config/samples, loaded as
# scripts/quickstart.sh loads it), in ONE scenario, in the order the office lives it:
#   campaign open --notify -> mail flush to a real SMTP listener -> families answer in the portal
#   (SQL as docs/schema.md §3.2 and §9 describe it) and on paper (campaign import-responses),
#   edit their identity and upload documents -> campaign status --json -> campaign remind ->
#   changes reject/approve -> campaign status --json -> enrolments, records, documents, mails
#   and audit log checked; plus a stale identity change (--force) and a double approval.
#
# Every number below is derived from config/samples (see "The sample school" just below).
#
# The sample school: students enrolled in 2026/2027 (enrolments.csv), so eligible for the
# 2027/2028 campaign, with the departments of those courses (courses.csv):
#   CONS1   F0001 Zoé      FM 2C1 A (Formation Musicale), Piano 2C1 (Instruments)
#           F0001 Noël     FM 1C1 A (Formation Musicale)
#           F0002 Ève      Guitare B (Instruments), Chorale 1er cycle C (Polyphoniques)
#           F0003 Théo     Orchestre à cordes (Pratiques collectives)
#           F0003 Chloë    Danse classique 1C2 (Danse)
#           F0004 Lou      Violon 1C1 (Instruments)
#           F0005 Mathéo   Piano 1C2 (Instruments)
#           F0005 Capucine Danse classique 1C2 (Danse)
#           F0006 Yanis    Guitare A (Instruments)
#   MANTES  M0101 Loïc     Batterie 1C3 (Instruments)
#           M0101 Maëlle   Éveil musical (Formation Musicale)
#           M0103 Élise    Danse contemporaine 2C1 (Danse)
#           M0104 Maxence  Atelier jazz (Pratiques collectives)
# => 13 eligible students (CONS1 9, MANTES 4) in 9 families (CONS1 6, MANTES 3), all of which
#    have an e-mail address. (Roussel and M0102, M0105 have no 2026/2027 enrolment.)
# Mandatory documents of config/samples/campaign.yaml: assurance (family level: 9 rows),
# droit-image (student level: 13), certificat-medical (Danse, except Éveil/Initiation: Chloë,
# Capucine, Élise: 3) — 25 owed; quotient-familial (family, optional: 9) makes 34 rows.
#
# What the families do in this scenario:
#   portal  Zoé      courses: Piano 2C1, Chorale 1er cycle C     -> approved (2 enrolments)
#           Noël     administrative                              -> approved (FM 1C1 A)
#           Ève      decline                                     -> approved (no enrolment)
#           Théo     administrative                              -> approved (Orchestre à cordes)
#           Lou      courses: Violon 1C1                         -> REJECTED with --reason
#           Loïc     courses: Batterie 1C3, FM 1C2 B             -> approved (2 enrolments)
#           Élise    administrative                              -> approved (Danse contemporaine 2C1)
#   paper   Mathéo   administrative (campaign import-responses)  -> approved (Piano 1C2)
#   none    Chloë (F0003), Capucine (F0005), Yanis (F0006), Maëlle (M0101), Maxence (M0104)
#   identity F0001 mobile 06.12.34.56.78 -> "06 12 34 56 99"; Capucine born 17/10/2015 -> 18/10/2015
#            F0006 city Albertville -> Ugine, made stale by the office editing F0006 afterwards
#   documents F0001 assurance: a real PDF -> valide; Zoé droit-image: a PNG named .pdf -> valide
#            (content_type corrected to image/png); Élise certificat-medical: a 3 MB JPEG -> refuse
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"  # cd's into a temporary directory
source "$HERE/smtp.sh"
source "$HERE/portal.sh"

SAMPLES="$IMUSE_SOURCE_DIR/config/samples"
SCHOOL_NAME="École de musique et de danse d’Éragny"
URL=$(school_database cycle) || { echo "cannot create the test database"; exit 1; }
export IMUSE_ADMIN_DATABASE_URL=$URL
for step in "families import $SAMPLES/families.csv" "courses import $SAMPLES/courses.csv" \
  "enrolments import $SAMPLES/enrolments.csv"; do
  # shellcheck disable=SC2086
  "$IMUSE_ADMIN_BIN" -q $step >/dev/null || { echo "sample school: $step failed"; exit 1; }
done

# The configuration: mail through the test's SMTP listener (started below, before any mail).
config() {
  {
    printf 'site: CONS1\n'
    printf 'school:\n  name: "%s"\n  email: secretariat@emd.example.fr\n' "$SCHOOL_NAME"
    printf 'mail:\n  from: secretariat@emd.example.fr\n  from_name: "EMD – secrétariat"\n'
    printf '  transport: smtp\n  smtp:\n    host: 127.0.0.1\n    port: %s\n    security: none\n    timeout: 5\n' "$SMTP_PORT"
  } >"$TEST_TMP/config.yaml"
  export IMUSE_ADMIN_CONFIG="$TEST_TMP/config.yaml"
}

# --- The portal's side (docs/schema.md §3.2, §9 and "Pending changes and documents") ------------

# answer FIRST_NAME CHOICE [COURSE...]: the Réinscription tab's "Valider"; prints the pending
# change the database opened for it.
answer() {
  local first=$1 choice=$2 request course
  shift 2
  request=$(sql "$URL" "INSERT INTO reenrolment_requests (campaign_id, student_id, family_id, choice, wishes,
                                                          authorisations, rules_accepted_at)
                        SELECT c.id, s.id, s.family_id, '$choice', 'Mercredi de préférence', '{\"droit_image\": true}', now()
                        FROM campaigns c, students s WHERE c.code = 'REINSCRIPTIONS-2027' AND s.first_name = '$first'
                        RETURNING id" | head -1)
  for course in "$@"; do
    sql "$URL" "INSERT INTO reenrolment_request_courses (request_id, course_id)
                SELECT $request, co.id FROM courses co WHERE co.name = '$course' AND co.site_id =
                  (SELECT f.site_id FROM students s JOIN families f ON f.id = s.family_id WHERE s.first_name = '$first')" >/dev/null
  done
  sql "$URL" "SELECT id FROM pending_changes WHERE reenrolment_request_id = $request"
}
# upload REF STUDENT|"" TYPE_CODE FILE NAME CONTENT_TYPE: the Importer button on an "A fournir"
# row that `campaign open` created; prints the pending change's id. The SQL goes through a file:
# a 3 MB literal does not fit a command line.
upload() {
  local ref=$1 student=$2 type=$3 file=$4 name=$5 ctype=$6 student_cond doc
  if [ -z "$student" ]; then
    student_cond="d.student_id IS NULL"
  else
    student_cond="d.student_id = (SELECT id FROM students WHERE first_name = '$student')"
  fi
  {
    printf "UPDATE documents d SET content = '\\\\x"
    /usr/bin/python3 -c 'import sys; sys.stdout.write(open(sys.argv[1], "rb").read().hex())' "$file"
    printf "'::bytea, file_name = '%s', content_type = '%s', uploaded_at = now(), state = 'transmis'\n" "$name" "$ctype"
    printf "FROM document_types t, families f WHERE t.id = d.document_type_id AND f.id = d.family_id\n"
    printf "AND t.code = '%s' AND f.external_ref = '%s' AND %s AND d.state = 'a_fournir' RETURNING d.id;\n" \
      "$type" "$ref" "$student_cond"
  } >"$TEST_TMP/upload.sql"
  doc=$("$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$URL" -f "$TEST_TMP/upload.sql" 2>"$TEST_TMP/upload.err" | head -1)
  [ -n "$doc" ] || { echo "upload failed: $(cat "$TEST_TMP/upload.err")" >&2; return 1; }
  sql "$URL" "SELECT id FROM pending_changes WHERE document_id = $doc AND state = 'pending'"
}

# The files families upload: a real PDF, a PNG saved as .pdf, a 3 MB JPEG (over the 2 Mo rule).
make_upload_files "$TEST_TMP" 3000000

# received_json FILE...: the messages parsed strictly (smtp.sh's mail_json).
received_json() { mail_json "$@"; }
# flush_new: `mail flush`, then $out = the messages the listener received since the last call.
SEEN=0
flush_new() {
  run mail flush
  [ "$rc" = 0 ] || { fail "mail flush failed"; return 1; }
  local files
  mapfile -t files < <(smtp_messages | tail -n +"$((SEEN + 1))")
  SEEN=$(smtp_count)
  if [ ${#files[@]} -eq 0 ]; then out='[]'; return 0; fi
  # shellcheck disable=SC2034  # $out is what json() reads
  out=$(received_json "${files[@]}") || { fail "a message does not parse with policy.strict"; return 1; }
}
# row JQ_PATH, dept SITE NAME, site SITE: the eleven counters of one `campaign status --json` row
# (in $out), in the man page's order.
COUNTS='[.eligible, .reenrolled_administrative, .reenrolled_courses, .declined, .pending_administrative,
         .pending_courses, .pending_decline, .pending_validation, .rejected, .not_answered,
         .documents_missing] | map(tostring) | join(" ")'
row() { json "$1 | $COUNTS"; }
dept() { row ".sites[] | select(.code == \"$1\") | .departments[] | select(.name == \"$2\")"; }
site() { row ".sites[] | select(.code == \"$1\") | .totals"; }

t_reenrolment_cycle() {
  start_smtp || { fail "the SMTP listener did not start"; return 1; }
  config

  # 1. Open with --notify: one mail per eligible family, 9 (see the header).
  run campaign open "$SAMPLES/campaign.yaml" --notify --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.eligible_students, .counts.eligible_families, .counts.mails_queued,
                      .counts.documents_to_provide] | map(tostring) | join(" ")')" "1 13 9 9 34"
  flush_new || return
  expect_eq "$(json 'length')" "9" "campaign_open mails received"
  expect_eq "$(json '[.[].to] | unique | length')" "9" "one per family"
  expect_eq "$(json '[.[].to] | sort | join(",")')" \
    "Leila.BenSaid@example.fr,anais.girard@example.fr,berenice.francois@example.fr,francois.oeuvray@example.fr,helene.lefevre@example.fr,ines.dacosta@example.fr,jb.dupre-lagarde@example.fr,jerome.bezier@example.fr,stephane.hebert@example.fr" \
    "the 9 eligible families"
  expect_eq "$(json '[.[].subject] | unique | join("|")')" "Réinscriptions 2027/2028 : c'est ouvert – $SCHOOL_NAME"

  # 2. What families submit.
  local zoe lou
  zoe=$(answer Zoé courses "Piano 2C1" "Chorale 1er cycle C")
  answer Noël administrative >/dev/null
  answer Ève decline >/dev/null
  answer Théo administrative >/dev/null
  lou=$(answer Lou courses "Violon 1C1")
  answer Loïc courses "Batterie 1C3" "FM 1C2 B" >/dev/null
  answer Élise administrative >/dev/null
  printf '%s\n' 'Site;Réf famille;Élève prénom;Date de naissance;Choix;Cours;Souhaits;Règlement accepté' \
    'CONS1;F0005;Mathéo;02/04/2013;Réinscription administrative;;Piano le mardi;oui' >"$TEST_TMP/paper.csv"
  run campaign import-responses "$TEST_TMP/paper.csv" --json
  expect_rc 0
  expect_eq "$(json '[.counts.created, .counts.updated, .counts.unchanged] | map(tostring) | join(" ")')" "1 0 0"
  local fam stu stale
  fam=$(identity_edit "$URL" F0001 "" '{"phone_mobile": {"old": "+33612345678", "new": "06 12 34 56 99"}}')
  stu=$(identity_edit "$URL" F0005 Capucine '{"birth_date": {"old": "2015-10-17", "new": "18/10/2015"}}')
  stale=$(identity_edit "$URL" F0006 "" '{"city": {"old": "Albertville", "new": "Ugine"}}')
  local pdf png jpg
  pdf=$(upload F0001 "" assurance "$TEST_TMP/attestation.pdf" assurance.pdf application/pdf) || fail "PDF upload"
  png=$(upload F0001 Zoé droit-image "$TEST_TMP/photo.png" droit-image.pdf application/pdf) || fail "PNG upload"
  jpg=$(upload M0103 Élise certificat-medical "$TEST_TMP/scan.jpg" certificat.jpg image/jpeg) || fail "3 MB JPEG upload"
  # 7 portal answers + 1 paper, 3 identity edits, 3 documents.
  expect_eq "$(sql "$URL" "SELECT string_agg(kind || ':' || n, ' ' ORDER BY kind) FROM
                           (SELECT kind, count(*) n FROM pending_changes WHERE state = 'pending' GROUP BY kind) k")" \
    "document:3 identity:3 reenrolment:8"
  run changes list --json
  expect_rc 0
  expect_eq "$(json '.counts.pending')" "14"

  # 3. Status, everything pending. Counters: eligible, reenrolled adm/courses, declined, pending
  # adm/courses/decline, pending_validation, rejected, not_answered, documents_missing.
  # A student counts in each department of their 2026/2027 courses, once in the totals.
  # documents_missing = mandatory documents neither transmis nor valide, nothing for decliners;
  # the site totals add the family-level assurance of families with a non-declining student.
  run campaign status --json
  expect_rc 0
  # CONS1: Noël, Théo, Mathéo p_adm; Zoé, Lou p_crs; Ève p_decl; Chloë, Capucine, Yanis none.
  # Documents: droit-image 9 - Zoé (transmis) - Ève (declines) = 7, certificates Chloë and
  # Capucine 2, assurance 6 - F0001 (transmis) - F0002 (only Ève, who declines) = 4: 13.
  expect_eq "$(site CONS1)" "9 0 0 0 3 2 1 6 0 3 13"
  # MANTES: Élise p_adm, Loïc p_crs, Maëlle and Maxence none. Documents: droit-image 4,
  # Élise's certificate transmis, assurance 3: 7.
  expect_eq "$(site MANTES)" "4 0 0 0 1 1 0 2 0 2 7"
  expect_eq "$(row .totals)" "13 0 0 0 4 3 1 8 0 5 20"
  # Families with a student without answer: F0003, F0005, F0006 | M0101, M0104.
  expect_eq "$(json '[.sites[].totals.families_eligible, .sites[].totals.families_not_answered,
                      .totals.families_eligible, .totals.families_not_answered, .totals.answers_not_eligible]
                     | map(tostring) | join(" ")')" "6 3 3 2 9 5 0"
  expect_eq "$(json '[.sites[] | .code + ":" + (.departments | map(.name) | join(","))] | join(" ")')" \
    "CONS1:Danse,Formation Musicale,Instruments,Polyphoniques,Pratiques collectives MANTES:Danse,Formation Musicale,Instruments,Pratiques collectives"
  # Danse: Chloë and Capucine, unanswered, each owing droit-image and certificate.
  expect_eq "$(dept CONS1 Danse)" "2 0 0 0 0 0 0 0 0 2 4"
  # Formation Musicale: Zoé (p_crs, droit-image sent), Noël (p_adm, owes droit-image).
  expect_eq "$(dept CONS1 'Formation Musicale')" "2 0 0 0 1 1 0 2 0 0 1"
  # Instruments: Zoé, Lou p_crs; Ève p_decl; Mathéo p_adm; Yanis none; Lou, Mathéo, Yanis owe.
  expect_eq "$(dept CONS1 Instruments)" "5 0 0 0 1 2 1 4 0 1 3"
  expect_eq "$(dept CONS1 Polyphoniques)" "1 0 0 0 0 0 1 1 0 0 0"
  expect_eq "$(dept CONS1 'Pratiques collectives')" "1 0 0 0 1 0 0 1 0 0 1"
  expect_eq "$(dept MANTES Danse)" "1 0 0 0 1 0 0 1 0 0 1"
  expect_eq "$(dept MANTES 'Formation Musicale')" "1 0 0 0 0 0 0 0 0 1 1"
  expect_eq "$(dept MANTES Instruments)" "1 0 0 0 0 1 0 1 0 0 1"
  expect_eq "$(dept MANTES 'Pratiques collectives')" "1 0 0 0 0 0 0 0 0 1 1"

  # 4. Remind: the 5 families with a student without answer, no one else.
  run campaign remind --json
  expect_rc 0
  expect_eq "$(json '[.counts.mails_queued, .counts.reminded_recently] | map(tostring) | join(" ")')" "5 0"
  flush_new || return
  expect_eq "$(json '[.[].to] | sort | join(",")')" \
    "Leila.BenSaid@example.fr,ines.dacosta@example.fr,jb.dupre-lagarde@example.fr,jerome.bezier@example.fr,stephane.hebert@example.fr"
  expect_eq "$(json '[.[].subject] | unique | join("|")')" "Rappel : réinscriptions 2027/2028 avant le 31/05/2027 – $SCHOOL_NAME"
  expect_eq "$(json '.[] | select(.to == "jerome.bezier@example.fr") | [.text | test("Chloë"), test("Théo")] | map(tostring) | join(" ")')" \
    "true false" "lists the student without answer, not the one who answered"

  # 5. Decisions. First the rejection, then every other re-enrolment with --all.
  run changes reject "$lou" --reason "Le cours de violon du vendredi est complet." --json
  expect_rc 0
  expect_eq "$(json '[.counts.rejected, .counts.mails_queued] | map(tostring) | join(" ")')" "1 1"
  # 7 approved: enrolments Zoé 2 + Noël 1 + Ève 0 + Théo 1 + Mathéo 1 + Loïc 2 + Élise 1 = 8.
  run changes approve --kind reenrolment --all --json
  expect_rc 0
  expect_eq "$(json '[.counts.approved, .counts.enrolments_created, .counts.mails_queued, .counts.already_decided]
                     | map(tostring) | join(" ")')" "7 8 7 0"
  # Double approval: applied once, the second says so and does nothing.
  run changes approve "$zoe" --json
  expect_rc 0
  expect_eq "$(json '[.counts.approved, .counts.already_decided, .counts.enrolments_created, .counts.mails_queued]
                     | map(tostring) | join(" ")')" "0 1 0 0"
  expect_eq "$(json '.messages | map(select(test("already approved on .*: nothing done"))) | length')" "1"
  run changes approve --kind reenrolment --all --json
  expect_rc 0
  expect_eq "$(json '.counts.approved')" "0" "nothing left pending"
  # Documents: the PDF and the renamed PNG validated, the 3 MB JPEG refused (over 2 Mo).
  run changes approve --kind document --all --json
  expect_rc 0
  expect_eq "$(json '[.counts.approved, .counts.refused, .counts.mails_queued] | map(tostring) | join(" ")')" "2 1 3"
  # Identity: the office edits F0006 after the family did: stale, refused without --force.
  sql "$URL" "UPDATE families SET profession = 'Architecte' WHERE external_ref = 'F0006'" >/dev/null
  run changes approve "$fam" "$stu" "$stale" --json
  expect_rc 1
  expect_eq "$(json '[.counts.approved, .counts.stale, .counts.mails_queued] | map(tostring) | join(" ")')" "2 1 2"
  expect_eq "$(sql "$URL" "SELECT state || ' ' || city FROM pending_changes p JOIN families f ON f.id = p.family_id WHERE p.id = $stale")" \
    "pending Albertville" "the stale change is not applied"
  run changes approve "$stale" --force --json
  expect_rc 0
  expect_eq "$(json '[.counts.approved, .counts.mails_queued] | map(tostring) | join(" ")')" "1 1"
  run changes approve "$fam" "$stu" "$stale" --json
  expect_rc 0
  expect_eq "$(json '[.counts.approved, .counts.already_decided] | map(tostring) | join(" ")')" "0 3"
  run changes list --json
  expect_eq "$(json '.counts.pending')" "0" "everything decided"

  # 6. Status again: CONS1 Noël, Théo, Mathéo administrative; Zoé courses; Ève declined; Lou
  # rejected; Chloë, Capucine, Yanis still without answer. Lou (rejected, not a decline) still
  # owes her droit-image, so the documents are unchanged: 13.
  run campaign status --json
  expect_rc 0
  expect_eq "$(site CONS1)" "9 3 1 1 0 0 0 0 1 3 13"
  # MANTES: Élise administrative, Loïc courses; Élise's refused certificate is owed again: 7 + 1.
  expect_eq "$(site MANTES)" "4 1 1 0 0 0 0 0 0 2 8"
  expect_eq "$(row .totals)" "13 4 2 1 0 0 0 0 1 5 21"
  expect_eq "$(json '.totals.families_not_answered')" "5"
  expect_eq "$(dept CONS1 Danse)" "2 0 0 0 0 0 0 0 0 2 4"
  expect_eq "$(dept CONS1 'Formation Musicale')" "2 1 1 0 0 0 0 0 0 0 1"
  expect_eq "$(dept CONS1 Instruments)" "5 1 1 1 0 0 0 0 1 1 3"
  expect_eq "$(dept CONS1 Polyphoniques)" "1 0 0 1 0 0 0 0 0 0 0"
  expect_eq "$(dept CONS1 'Pratiques collectives')" "1 1 0 0 0 0 0 0 0 0 1"
  expect_eq "$(dept MANTES Danse)" "1 1 0 0 0 0 0 0 0 0 2"
  expect_eq "$(dept MANTES 'Formation Musicale')" "1 0 0 0 0 0 0 0 0 1 1"
  expect_eq "$(dept MANTES Instruments)" "1 0 1 0 0 0 0 0 0 0 1"
  expect_eq "$(dept MANTES 'Pratiques collectives')" "1 0 0 0 0 0 0 0 0 1 1"

  # 7. The next year's enrolments: exactly the 8 rows, linked to their requests.
  expect_eq "$(sql "$URL" "SELECT string_agg(s.first_name || ':' || c.name, ', ' ORDER BY s.first_name COLLATE \"C\", c.name COLLATE \"C\")
                           FROM enrolments e JOIN students s ON s.id = e.student_id JOIN courses c ON c.id = e.course_id
                           WHERE e.school_year = '2027/2028' AND e.source = 'reenrolment' AND e.reenrolment_request_id IS NOT NULL")" \
    "Loïc:Batterie 1C3, Loïc:FM 1C2 B, Mathéo:Piano 1C2, Noël:FM 1C1 A, Théo:Orchestre à cordes, Zoé:Chorale 1er cycle C, Zoé:Piano 2C1, Élise:Danse contemporaine 2C1"
  expect_eq "$(sql "$URL" "SELECT count(*) FROM enrolments WHERE school_year = '2027/2028'")" "8" "no other 2027/2028 row"
  expect_eq "$(sql "$URL" "SELECT string_agg(s.first_name || ':' || r.state || coalesce(':' || r.decision_reason, ''), ', ' ORDER BY s.first_name COLLATE \"C\")
                           FROM reenrolment_requests r JOIN students s ON s.id = r.student_id")" \
    "Lou:rejected:Le cours de violon du vendredi est complet., Loïc:approved, Mathéo:approved, Noël:approved, Théo:approved, Zoé:approved, Ève:approved, Élise:approved"

  # 8. The records changed, normalised; the stale one applied with --force.
  expect_eq "$(sql "$URL" "SELECT phone_mobile FROM families WHERE external_ref = 'F0001'")" "+33612345699"
  expect_eq "$(sql "$URL" "SELECT birth_date FROM students WHERE first_name = 'Capucine'")" "2015-10-18"
  expect_eq "$(sql "$URL" "SELECT city || ' ' || profession FROM families WHERE external_ref = 'F0006'")" "Ugine Architecte"
  expect_eq "$(sql "$URL" "SELECT string_agg(state || ':' || forced, ' ' ORDER BY id) FROM pending_changes WHERE id IN ($fam, $stu, $stale)")" \
    "approved:false approved:false approved:true"

  # 9. Documents: valide / valide (type corrected from the bytes) / refuse over 2 Mo.
  expect_eq "$(sql "$URL" "SELECT string_agg(d.file_name || ':' || d.state || ':' || d.content_type, ', ' ORDER BY d.file_name)
                           FROM documents d WHERE d.content IS NOT NULL")" \
    "assurance.pdf:valide:application/pdf, certificat.jpg:refuse:image/jpeg, droit-image.pdf:valide:image/png"
  expect_eq "$(sql "$URL" "SELECT refusal_reason ~ '2 Mo' FROM documents WHERE file_name = 'certificat.jpg'")" "t"
  expect_eq "$(sql "$URL" "SELECT string_agg(state, ' ' ORDER BY id) FROM pending_changes WHERE id IN ($pdf, $png, $jpg)")" \
    "approved approved rejected"

  # 10. The mails: one per decision: 1 rejection + 7 re-enrolments + 3 documents + 3 identity = 14.
  flush_new || return
  expect_eq "$(json 'length')" "14" "decision mails received"
  expect_eq "$(json '[.[].subject] | sort | join("\n")')" "$(LC_ALL=C sort <<EOF
Réinscription 2027/2028 non validée – Lou Girard – $SCHOOL_NAME
Réinscription 2027/2028 confirmée – Zoé Lefèvre – $SCHOOL_NAME
Réinscription 2027/2028 confirmée – Noël Lefèvre – $SCHOOL_NAME
Non-réinscription 2027/2028 enregistrée – Ève Œuvray – $SCHOOL_NAME
Réinscription 2027/2028 confirmée – Théo Bézier – $SCHOOL_NAME
Réinscription 2027/2028 confirmée – Mathéo Dupré-Lagarde – $SCHOOL_NAME
Réinscription 2027/2028 confirmée – Loïc Da Costa – $SCHOOL_NAME
Réinscription 2027/2028 confirmée – Élise Martin – $SCHOOL_NAME
Document validé : Assurance Responsabilité Civile
Document validé : Autorisation de droit à l'image signée – Zoé Lefèvre
Document refusé : Certificat médical pour la danse (sauf Éveil et Initiation) – Élise Martin
Modification de vos données validée – $SCHOOL_NAME
Modification de vos données validée – Capucine Dupré-Lagarde – $SCHOOL_NAME
Modification de vos données validée – $SCHOOL_NAME
EOF
)"
  expect_eq "$(json '.[] | select(.subject | test("Lou Girard")) | .to + " " + (.text | test("Motif : Le cours de violon du vendredi est complet.") | tostring)')" \
    "anais.girard@example.fr true"
  expect_eq "$(json '.[] | select(.subject | test("Document refusé")) | .to + " " + (.text | test("2 Mo") | tostring)')" \
    "berenice.francois@example.fr true"
  expect_eq "$(json '[.[] | select(.subject | test("Zoé Lefèvre – ")) | .text | test("Piano 2C1")] | map(tostring) | join(" ")')" "true"

  # 11. The audit log: one pending_changes row per decision (14; the stale refusal, the double
  # approvals and the empty --all decided nothing), old and new values of the applied edits.
  expect_eq "$(sql "$URL" "SELECT count(*) FROM audit_log WHERE entity = 'pending_changes'")" "14"
  # Per kind and decision: re-enrolments 7 approved + 1 rejected, documents 2 validated + 1
  # refused, identity 3 approved; each with its queued mail.
  expect_eq "$(sql "$URL" "SELECT string_agg(k || ':' || n, ' ' ORDER BY k) FROM
                           (SELECT summary->>'kind' || '/' || (new_values->>'state') k, count(*) n FROM audit_log
                            WHERE entity = 'pending_changes' AND new_values->>'mail_outbox_id' IS NOT NULL GROUP BY 1) a")" \
    "document/approved:2 document/rejected:1 identity/approved:3 reenrolment/approved:7 reenrolment/rejected:1"
  expect_eq "$(sql "$URL" "SELECT string_agg(entity_id::text, ',' ORDER BY entity_id) = (SELECT string_agg(id::text, ',' ORDER BY id) FROM pending_changes)
                           FROM audit_log WHERE entity = 'pending_changes'")" "t" "each change decided once"
  expect_eq "$(sql "$URL" "SELECT old_values->>'phone_mobile' || ' -> ' || (new_values->>'phone_mobile') FROM audit_log
                           WHERE entity = 'families' AND entity_id = (SELECT id FROM families WHERE external_ref = 'F0001')")" \
    "+33612345678 -> +33612345699"
  expect_eq "$(sql "$URL" "SELECT old_values->>'birth_date' || ' -> ' || (new_values->>'birth_date') FROM audit_log WHERE entity = 'students'")" \
    "2015-10-17 -> 2015-10-18"
  expect_eq "$(sql "$URL" "SELECT old_values->>'city' || ' -> ' || (new_values->>'city') || ' ' || (summary->>'forced') FROM audit_log
                           WHERE entity = 'families' AND entity_id = (SELECT id FROM families WHERE external_ref = 'F0006')")" \
    "Albertville -> Ugine true"
  expect_eq "$(sql "$URL" "SELECT new_values->>'reason' FROM audit_log WHERE entity = 'pending_changes' AND entity_id = $lou")" \
    "Le cours de violon du vendredi est complet."

  stop_smtp
}

run_tests
