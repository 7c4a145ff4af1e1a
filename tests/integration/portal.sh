# What the families' portal writes, as docs/schema.md ("Pending changes and documents")
# describes it: sourced by the integration tests that play the portal's side.

# identity_edit URL REF STUDENT_FIRST_NAME|"" CHANGES_JSON: an identity edit of the family REF
# (or of its student) based on the record's current version; prints the pending change's id.
identity_edit() {
  if [ -z "$3" ]; then
    sql "$1" "INSERT INTO pending_changes (kind, family_id, entity, base_version, changes)
              SELECT 'identity', id, 'family', version, '$4'::jsonb FROM families WHERE external_ref = '$2' RETURNING id"
  else
    sql "$1" "INSERT INTO pending_changes (kind, family_id, student_id, entity, base_version, changes)
              SELECT 'identity', s.family_id, s.id, 'student', s.version, '$4'::jsonb
              FROM students s JOIN families f ON f.id = s.family_id
              WHERE f.external_ref = '$2' AND s.first_name = '$3' RETURNING id"
  fi | head -1
}
