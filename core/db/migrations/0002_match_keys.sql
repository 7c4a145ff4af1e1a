-- Matching keys for imports and duplicate detection, computed by imuse-admin (accent- and
-- punctuation-folded, see core/util/fold.cpp) whenever it writes a family or a student.
--   families.match_key: "<folded last name>|<folded first name>|<lower-case e-mail>"
--   students.match_key: "<folded first name>|<birth date YYYY-MM-DD>"
-- NULL means "not computed yet" (rows written by another program); imuse-admin fills them.
ALTER TABLE families ADD COLUMN match_key text;
ALTER TABLE students ADD COLUMN match_key text;

CREATE INDEX families_match_key_idx ON families (site_id, match_key) WHERE match_key IS NOT NULL;
CREATE INDEX students_match_key_idx ON students (family_id, match_key);

COMMENT ON COLUMN families.match_key IS
    'folded last name|folded first name|lower-case e-mail; written by imuse-admin for import matching';
COMMENT ON COLUMN students.match_key IS
    'folded first name|birth date; written by imuse-admin for import matching';
