-- 0001_core.sql — the core schema of imuse-admin.
--
-- Run by `imuse-admin db migrate` inside one transaction (the runner owns schema_migrations).
-- Plain PostgreSQL 15, schema public, no extensions. Never edit this file once applied
-- anywhere: add 0002_*.sql instead. The contract is documented in docs/schema.md.
--
-- Conventions (details in docs/schema.md):
--   * ids: bigint GENERATED ALWAYS AS IDENTITY (sites: integer);
--   * created_at / updated_at timestamptz, updated_at maintained by trigger;
--   * money: bigint *_cents, never numeric/float; amounts are stored non-negative;
--   * school years: the DOMAIN school_year, 'YYYY/YYYY+1';
--   * enumerations: text + named CHECK (<table>_<column>_values), extendable by later migrations;
--   * optional text is NULL when absent, never '' (CHECK btrim(x) <> '');
--   * phones in E.164 ('+33612345678'); e-mails without spaces.

------------------------------------------------------------------------------------------
-- Domains
------------------------------------------------------------------------------------------

-- The CASE guards the integer casts: AND does not guarantee evaluation order, and a value
-- such as 'abcd/efgh' must fail the check, not raise a cast error. NULL passes (nullable use).
CREATE DOMAIN school_year AS text
    CONSTRAINT school_year_format CHECK (
        VALUE ~ '^[0-9]{4}/[0-9]{4}$'
        AND CASE WHEN VALUE ~ '^[0-9]{4}/[0-9]{4}$'
                 THEN substr(VALUE, 6, 4)::int = substr(VALUE, 1, 4)::int + 1
            END
    );
COMMENT ON DOMAIN school_year IS 'A school year ''YYYY/YYYY+1'', e.g. ''2026/2027''.';

------------------------------------------------------------------------------------------
-- Generic trigger functions and helpers
------------------------------------------------------------------------------------------

-- updated_at = now() on every UPDATE, unless the statement set updated_at explicitly.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION set_updated_at() IS
    'BEFORE UPDATE trigger: updated_at = now() unless the statement set it.';

-- Families and students: `version` is the staleness token of pending changes. It is bumped
-- (and updated_at touched) only when a column other than version/created_at/updated_at
-- really changes, whoever writes the row; writers need not, and cannot, manage it.
CREATE FUNCTION bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed boolean;
BEGIN
    IF NEW.version = OLD.version AND NEW.created_at = OLD.created_at
       AND NEW.updated_at = OLD.updated_at THEN
        changed := NEW IS DISTINCT FROM OLD;            -- fast path: whole-row comparison
    ELSE
        changed := (to_jsonb(NEW) - '{version,created_at,updated_at}'::text[])
                   IS DISTINCT FROM (to_jsonb(OLD) - '{version,created_at,updated_at}'::text[]);
    END IF;
    IF changed THEN
        NEW.version := OLD.version + 1;
        IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
            NEW.updated_at := now();
        END IF;
    ELSE
        NEW.version := OLD.version;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION bump_version() IS
    'BEFORE UPDATE trigger of families/students: version + 1 and updated_at = now() when the data changed.';

-- State machines: the trigger arguments list the allowed 'from>to' transitions. Attached
-- as BEFORE UPDATE OF state ... WHEN (OLD.state IS DISTINCT FROM NEW.state). A later
-- migration extends a machine by re-creating the trigger with more arguments.
CREATE FUNCTION enforce_state_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ((OLD.state || '>' || NEW.state) = ANY (TG_ARGV)) THEN
        RAISE EXCEPTION '%: state transition % -> % is not allowed (row id %)',
                        TG_TABLE_NAME, OLD.state, NEW.state, OLD.id
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = TG_TABLE_NAME || '_state_transition',
                  TABLE = TG_TABLE_NAME, COLUMN = 'state';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION enforce_state_transition() IS
    'BEFORE UPDATE OF state trigger: refuses transitions not listed in the trigger arguments (''from>to'').';

-- Rows that are never deleted (payments, treasury and SEPA batches): cancel them instead.
CREATE FUNCTION forbid_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: rows are never deleted (row id %); cancel them instead',
                    TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'check_violation',
              CONSTRAINT = TG_TABLE_NAME || '_no_delete',
              TABLE = TG_TABLE_NAME;
END;
$$;
COMMENT ON FUNCTION forbid_delete() IS 'BEFORE DELETE trigger: these rows are never deleted.';

-- ISO 13616 check digits (mod 97 = 1) of an IBAN in normal form (upper case, no spaces).
CREATE FUNCTION iban_is_valid(iban text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    s text;
    r integer := 0;
    c integer;
BEGIN
    IF iban !~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$' THEN
        RETURN false;
    END IF;
    s := substr(iban, 5) || substr(iban, 1, 4);
    FOR i IN 1 .. length(s) LOOP
        c := ascii(substr(s, i, 1));
        IF c BETWEEN 48 AND 57 THEN          -- '0'..'9'
            r := (r * 10 + (c - 48)) % 97;
        ELSE                                 -- 'A'..'Z' = 10..35
            r := (r * 100 + (c - 55)) % 97;
        END IF;
    END LOOP;
    RETURN r = 1;
END;
$$;
COMMENT ON FUNCTION iban_is_valid(text) IS
    'True when the IBAN (upper case, no spaces) has valid ISO 13616 mod-97 check digits.';

------------------------------------------------------------------------------------------
-- Sites
------------------------------------------------------------------------------------------

CREATE TABLE sites (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code          text NOT NULL UNIQUE
                  CONSTRAINT sites_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
    name          text NOT NULL
                  CONSTRAINT sites_name_nonblank CHECK (btrim(name) <> ''),
    portal_url    text NOT NULL
                  CONSTRAINT sites_portal_url_format CHECK (portal_url ~ '^https?://[^\s]+$'),
    -- Optional identity for letters and invoices; NULL = the configuration's school identity.
    address_line1 text CONSTRAINT sites_address_line1_nonblank CHECK (btrim(address_line1) <> ''),
    address_line2 text CONSTRAINT sites_address_line2_nonblank CHECK (btrim(address_line2) <> ''),
    postal_code   text CONSTRAINT sites_postal_code_format CHECK (postal_code ~ '^[0-9]{5}$'),
    city          text CONSTRAINT sites_city_nonblank CHECK (btrim(city) <> ''),
    phone         text CONSTRAINT sites_phone_format CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    email         text CONSTRAINT sites_email_format
                       CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE sites IS
    'One school (site) of the authority, with its portal URL; every family belongs to one site.';

------------------------------------------------------------------------------------------
-- Families, students
------------------------------------------------------------------------------------------

CREATE TABLE families (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id                 integer NOT NULL REFERENCES sites ON DELETE RESTRICT,
    external_ref            text CONSTRAINT families_external_ref_nonblank
                                 CHECK (btrim(external_ref) <> ''),
    civility                text CONSTRAINT families_civility_values
                                 CHECK (civility IN ('M', 'MME')),
    last_name               text NOT NULL CONSTRAINT families_last_name_nonblank
                                 CHECK (btrim(last_name) <> ''),
    first_name              text CONSTRAINT families_first_name_nonblank
                                 CHECK (btrim(first_name) <> ''),
    address_line1           text CONSTRAINT families_address_line1_nonblank
                                 CHECK (btrim(address_line1) <> ''),
    address_line2           text CONSTRAINT families_address_line2_nonblank
                                 CHECK (btrim(address_line2) <> ''),
    address_line3           text CONSTRAINT families_address_line3_nonblank
                                 CHECK (btrim(address_line3) <> ''),
    postal_code             text CONSTRAINT families_postal_code_nonblank
                                 CHECK (btrim(postal_code) <> ''),
    city                    text CONSTRAINT families_city_nonblank CHECK (btrim(city) <> ''),
    country_code            text NOT NULL DEFAULT 'FR'
                                 CONSTRAINT families_country_code_format
                                 CHECK (country_code ~ '^[A-Z]{2}$'),
    phone_home              text CONSTRAINT families_phone_home_format
                                 CHECK (phone_home ~ '^\+[1-9][0-9]{6,14}$'),
    phone_mobile            text CONSTRAINT families_phone_mobile_format
                                 CHECK (phone_mobile ~ '^\+[1-9][0-9]{6,14}$'),
    phone_work              text CONSTRAINT families_phone_work_format
                                 CHECK (phone_work ~ '^\+[1-9][0-9]{6,14}$'),
    phone_extra1            text CONSTRAINT families_phone_extra1_format
                                 CHECK (phone_extra1 ~ '^\+[1-9][0-9]{6,14}$'),
    phone_extra2            text CONSTRAINT families_phone_extra2_format
                                 CHECK (phone_extra2 ~ '^\+[1-9][0-9]{6,14}$'),
    phone_extra3            text CONSTRAINT families_phone_extra3_format
                                 CHECK (phone_extra3 ~ '^\+[1-9][0-9]{6,14}$'),
    email                   text CONSTRAINT families_email_format
                                 CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    marital_status          text CONSTRAINT families_marital_status_nonblank
                                 CHECK (btrim(marital_status) <> ''),
    socio_professional_code text CONSTRAINT families_socio_professional_code_nonblank
                                 CHECK (btrim(socio_professional_code) <> ''),
    profession              text CONSTRAINT families_profession_nonblank
                                 CHECK (btrim(profession) <> ''),
    family_quotient         integer CONSTRAINT families_family_quotient_range
                                 CHECK (family_quotient >= 0),
    payment_schedule        integer NOT NULL DEFAULT 1
                                 CONSTRAINT families_payment_schedule_values
                                 CHECK (payment_schedule IN (1, 2, 3, 9)),
    resident                boolean,
    version                 integer NOT NULL DEFAULT 1
                                 CONSTRAINT families_version_positive CHECK (version >= 1),
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT families_external_ref_key UNIQUE (site_id, external_ref),
    CONSTRAINT families_postal_code_fr
        CHECK (country_code <> 'FR' OR postal_code ~ '^[0-9]{5}$')
);
COMMENT ON TABLE families IS
    'A family (famille) as its responsible adult (responsable): identity, postal address, phones, e-mail, billing settings.';
CREATE INDEX families_name_idx ON families (site_id, lower(last_name), lower(first_name));
CREATE INDEX families_email_idx ON families (lower(btrim(email))) WHERE email IS NOT NULL;
CREATE INDEX families_phone_mobile_idx ON families (phone_mobile) WHERE phone_mobile IS NOT NULL;

CREATE TABLE students (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    family_id              bigint NOT NULL REFERENCES families ON DELETE RESTRICT,
    civility               text CONSTRAINT students_civility_values CHECK (civility IN ('M', 'MME')),
    last_name              text NOT NULL CONSTRAINT students_last_name_nonblank
                                CHECK (btrim(last_name) <> ''),
    first_name             text NOT NULL CONSTRAINT students_first_name_nonblank
                                CHECK (btrim(first_name) <> ''),
    birth_date             date NOT NULL CONSTRAINT students_birth_date_range
                                CHECK (birth_date >= DATE '1900-01-01'),
    birth_place            text CONSTRAINT students_birth_place_nonblank
                                CHECK (btrim(birth_place) <> ''),
    birth_department       text CONSTRAINT students_birth_department_format
                                CHECK (birth_department ~ '^(2[AB]|[0-9]{2,3})$'),
    uses_family_address    boolean NOT NULL DEFAULT true,
    address_line1          text CONSTRAINT students_address_line1_nonblank
                                CHECK (btrim(address_line1) <> ''),
    address_line2          text CONSTRAINT students_address_line2_nonblank
                                CHECK (btrim(address_line2) <> ''),
    address_line3          text CONSTRAINT students_address_line3_nonblank
                                CHECK (btrim(address_line3) <> ''),
    postal_code            text CONSTRAINT students_postal_code_nonblank
                                CHECK (btrim(postal_code) <> ''),
    city                   text CONSTRAINT students_city_nonblank CHECK (btrim(city) <> ''),
    country_code           text NOT NULL DEFAULT 'FR'
                                CONSTRAINT students_country_code_format
                                CHECK (country_code ~ '^[A-Z]{2}$'),
    phone_home             text CONSTRAINT students_phone_home_format
                                CHECK (phone_home ~ '^\+[1-9][0-9]{6,14}$'),
    phone_mobile           text CONSTRAINT students_phone_mobile_format
                                CHECK (phone_mobile ~ '^\+[1-9][0-9]{6,14}$'),
    phone_work             text CONSTRAINT students_phone_work_format
                                CHECK (phone_work ~ '^\+[1-9][0-9]{6,14}$'),
    email                  text CONSTRAINT students_email_format
                                CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    school                 text CONSTRAINT students_school_nonblank CHECK (btrim(school) <> ''),
    school_level           text CONSTRAINT students_school_level_nonblank
                                CHECK (btrim(school_level) <> ''),
    emergency_contact_name text CONSTRAINT students_emergency_contact_name_nonblank
                                CHECK (btrim(emergency_contact_name) <> ''),
    emergency_phone        text CONSTRAINT students_emergency_phone_format
                                CHECK (emergency_phone ~ '^\+[1-9][0-9]{6,14}$'),
    version                integer NOT NULL DEFAULT 1
                                CONSTRAINT students_version_positive CHECK (version >= 1),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    -- Target of the composite foreign keys (student_id, family_id) of student-level rows:
    -- they guarantee the student belongs to that family, and follow a merge (ON UPDATE CASCADE).
    CONSTRAINT students_id_family_key UNIQUE (id, family_id),
    CONSTRAINT students_postal_code_fr
        CHECK (country_code <> 'FR' OR postal_code ~ '^[0-9]{5}$')
);
COMMENT ON TABLE students IS
    'A student (élève) attached to one family: identity, birth, own address or the family''s, school, emergency contact.';
CREATE UNIQUE INDEX students_natural_key ON students (family_id, lower(first_name), birth_date);
CREATE INDEX students_name_idx ON students (lower(last_name), lower(first_name));

------------------------------------------------------------------------------------------
-- Courses, enrolments, history, repertoire
------------------------------------------------------------------------------------------

CREATE TABLE courses (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id          integer NOT NULL REFERENCES sites ON DELETE RESTRICT,
    name             text NOT NULL CONSTRAINT courses_name_nonblank CHECK (btrim(name) <> ''),
    department       text CONSTRAINT courses_department_nonblank CHECK (btrim(department) <> ''),
    class_name       text CONSTRAINT courses_class_name_nonblank CHECK (btrim(class_name) <> ''),
    cycle            text CONSTRAINT courses_cycle_nonblank CHECK (btrim(cycle) <> ''),
    teacher          text CONSTRAINT courses_teacher_nonblank CHECK (btrim(teacher) <> ''),
    room             text CONSTRAINT courses_room_nonblank CHECK (btrim(room) <> ''),
    weekday          integer CONSTRAINT courses_weekday_range CHECK (weekday BETWEEN 1 AND 7),
    start_time       time without time zone,
    duration_minutes integer CONSTRAINT courses_duration_range
                          CHECK (duration_minutes BETWEEN 1 AND 1440),
    tariff_category  text CONSTRAINT courses_tariff_category_nonblank
                          CHECK (btrim(tariff_category) <> ''),
    active           boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE courses IS
    'The course catalogue (cours) of a site, not tied to a school year: name, department, class, cycle, teacher, room, slot.';
CREATE UNIQUE INDEX courses_catalog_key ON courses (site_id, lower(name));

CREATE TABLE campaigns (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE
                CONSTRAINT campaigns_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    label       text CONSTRAINT campaigns_label_nonblank CHECK (btrim(label) <> ''),
    school_year school_year NOT NULL,
    opens_on    date NOT NULL,
    closes_on   date NOT NULL,
    state       text NOT NULL DEFAULT 'draft'
                CONSTRAINT campaigns_state_values CHECK (state IN ('draft', 'open', 'closed')),
    steps       text[] NOT NULL DEFAULT '{}'
                CONSTRAINT campaigns_steps_values CHECK (
                    steps <@ ARRAY['contact_details', 'authorisations', 'documents',
                                   'courses', 'summary', 'finalisation']::text[]
                    AND array_position(steps, NULL) IS NULL),
    rules_text  text CONSTRAINT campaigns_rules_text_nonblank CHECK (btrim(rules_text) <> ''),
    rules_url   text CONSTRAINT campaigns_rules_url_format CHECK (rules_url ~ '^https?://[^\s]+$'),
    definition  jsonb NOT NULL DEFAULT '{}'
                CONSTRAINT campaigns_definition_object CHECK (jsonb_typeof(definition) = 'object'),
    opened_at   timestamptz,
    closed_at   timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT campaigns_dates_order CHECK (closes_on >= opens_on),
    CONSTRAINT campaigns_state_timestamps CHECK (
        (state = 'draft'  AND opened_at IS NULL     AND closed_at IS NULL) OR
        (state = 'open'   AND opened_at IS NOT NULL AND closed_at IS NULL) OR
        (state = 'closed' AND opened_at IS NOT NULL AND closed_at IS NOT NULL)),
    -- Target of campaign_sites' copy of (school_year, state).
    CONSTRAINT campaigns_id_year_state_key UNIQUE (id, school_year, state)
);
COMMENT ON TABLE campaigns IS
    'A re-enrolment campaign (campagne de réinscription) for a target school year: dates, steps, rules, YAML definition, state.';
CREATE INDEX campaigns_state_idx ON campaigns (state, school_year);

-- Two OPEN campaigns for the same site and year are impossible: each row carries a copy of
-- its campaign's (school_year, state), kept equal by the composite foreign key ON UPDATE
-- CASCADE, and a partial unique index covers the open ones. Opening a campaign cascades
-- into these rows, so the UPDATE of campaigns.state itself fails on a conflict (race-free).
CREATE TABLE campaign_sites (
    campaign_id bigint NOT NULL,
    site_id     integer NOT NULL REFERENCES sites ON DELETE RESTRICT,
    school_year school_year NOT NULL,
    state       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, site_id),
    CONSTRAINT campaign_sites_campaign_fkey FOREIGN KEY (campaign_id, school_year, state)
        REFERENCES campaigns (id, school_year, state) ON UPDATE CASCADE ON DELETE CASCADE
);
COMMENT ON TABLE campaign_sites IS
    'The sites a campaign covers; (school_year, state) mirror the campaign so that one site has at most one open campaign per year.';
CREATE UNIQUE INDEX campaign_sites_one_open ON campaign_sites (site_id, school_year)
    WHERE state = 'open';
CREATE INDEX campaign_sites_site_idx ON campaign_sites (site_id);

CREATE TABLE reenrolment_requests (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id       bigint NOT NULL REFERENCES campaigns ON DELETE RESTRICT,
    student_id        bigint NOT NULL,
    family_id         bigint NOT NULL REFERENCES families ON DELETE RESTRICT,
    choice            text NOT NULL CONSTRAINT reenrolment_requests_choice_values
                           CHECK (choice IN ('administrative', 'courses', 'decline')),
    wishes            text,
    authorisations    jsonb NOT NULL DEFAULT '{}'
                           CONSTRAINT reenrolment_requests_authorisations_object
                           CHECK (jsonb_typeof(authorisations) = 'object'),
    rules_accepted_at timestamptz,
    source            text NOT NULL DEFAULT 'portal'
                           CONSTRAINT reenrolment_requests_source_values
                           CHECK (source IN ('portal', 'paper')),
    submitted_at      timestamptz NOT NULL DEFAULT now(),
    state             text NOT NULL DEFAULT 'pending'
                           CONSTRAINT reenrolment_requests_state_values
                           CHECK (state IN ('pending', 'approved', 'rejected')),
    decided_at        timestamptz,
    decided_by        text,
    decision_reason   text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reenrolment_requests_student_fkey FOREIGN KEY (student_id, family_id)
        REFERENCES students (id, family_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT reenrolment_requests_one_per_student UNIQUE (campaign_id, student_id),
    CONSTRAINT reenrolment_requests_decision CHECK (
        (state = 'pending') = (decided_at IS NULL)
        AND (state <> 'rejected' OR decision_reason IS NOT NULL))
);
COMMENT ON TABLE reenrolment_requests IS
    'A family''s re-enrolment answer (réinscription) for one student in a campaign: administrative, chosen courses, or decline.';
CREATE INDEX reenrolment_requests_family_idx ON reenrolment_requests (family_id);
CREATE INDEX reenrolment_requests_student_idx ON reenrolment_requests (student_id);
CREATE INDEX reenrolment_requests_pending_idx ON reenrolment_requests (campaign_id, submitted_at)
    WHERE state = 'pending';

CREATE TABLE reenrolment_request_courses (
    request_id bigint NOT NULL REFERENCES reenrolment_requests ON DELETE CASCADE,
    course_id  bigint NOT NULL REFERENCES courses ON DELETE RESTRICT,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, course_id)
);
COMMENT ON TABLE reenrolment_request_courses IS
    'The courses/disciplines (cursus, disciplines) ticked in a re-enrolment request whose choice is ''courses''.';
CREATE INDEX reenrolment_request_courses_course_idx ON reenrolment_request_courses (course_id);

CREATE TABLE enrolments (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    student_id             bigint NOT NULL REFERENCES students ON DELETE RESTRICT,
    course_id              bigint NOT NULL REFERENCES courses ON DELETE RESTRICT,
    school_year            school_year NOT NULL,
    source                 text NOT NULL DEFAULT 'office'
                                CONSTRAINT enrolments_source_values
                                CHECK (source IN ('import', 'reenrolment', 'office')),
    reenrolment_request_id bigint REFERENCES reenrolment_requests ON DELETE RESTRICT,
    withdrawn_on           date,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT enrolments_key UNIQUE (student_id, course_id, school_year),
    CONSTRAINT enrolments_request_source
        CHECK ((source = 'reenrolment') = (reenrolment_request_id IS NOT NULL))
);
COMMENT ON TABLE enrolments IS
    'A student enrolled in a course for a school year (inscription); past years are part of the student''s history.';
CREATE INDEX enrolments_course_year_idx ON enrolments (course_id, school_year);
CREATE INDEX enrolments_year_idx ON enrolments (school_year);
CREATE INDEX enrolments_request_idx ON enrolments (reenrolment_request_id)
    WHERE reenrolment_request_id IS NOT NULL;

CREATE TABLE student_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    student_id  bigint NOT NULL REFERENCES students ON DELETE CASCADE,
    school_year school_year NOT NULL,
    department  text CONSTRAINT student_history_department_nonblank CHECK (btrim(department) <> ''),
    class_name  text CONSTRAINT student_history_class_name_nonblank CHECK (btrim(class_name) <> ''),
    cycle       text CONSTRAINT student_history_cycle_nonblank CHECK (btrim(cycle) <> ''),
    teacher     text CONSTRAINT student_history_teacher_nonblank CHECK (btrim(teacher) <> ''),
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE student_history IS
    'Imported legacy history rows (historique): year, department, class, cycle, teacher of past courses.';
CREATE UNIQUE INDEX student_history_key ON student_history
    (student_id, school_year, department, class_name, cycle, teacher) NULLS NOT DISTINCT;

CREATE TABLE repertoire (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    student_id       bigint NOT NULL REFERENCES students ON DELETE CASCADE,
    event_date       date NOT NULL,
    label            text NOT NULL CONSTRAINT repertoire_label_nonblank CHECK (btrim(label) <> ''),
    piece            text CONSTRAINT repertoire_piece_nonblank CHECK (btrim(piece) <> ''),
    duration_seconds integer CONSTRAINT repertoire_duration_range CHECK (duration_seconds >= 0),
    comment          text,
    created_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE repertoire IS
    'Musical events a student played in (répertoire): date, label, piece, duration, comment.';
CREATE UNIQUE INDEX repertoire_key ON repertoire (student_id, event_date, label, piece)
    NULLS NOT DISTINCT;

------------------------------------------------------------------------------------------
-- Mail outbox (referenced by many tables below)
------------------------------------------------------------------------------------------

CREATE TABLE mail_outbox (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key    text NOT NULL UNIQUE
                            CONSTRAINT mail_outbox_idempotency_key_nonblank
                            CHECK (btrim(idempotency_key) <> '' AND length(idempotency_key) <= 255),
    kind               text NOT NULL CONSTRAINT mail_outbox_kind_format
                            CHECK (kind ~ '^[a-z][a-z0-9_.-]{0,63}$'),
    family_id          bigint REFERENCES families ON DELETE RESTRICT,
    site_id            integer REFERENCES sites ON DELETE RESTRICT,
    from_address       text CONSTRAINT mail_outbox_from_address_format
                            CHECK (from_address ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    from_name          text CONSTRAINT mail_outbox_from_name_single_line
                            CHECK (from_name !~ '[\r\n]'),
    reply_to           text CONSTRAINT mail_outbox_reply_to_format
                            CHECK (reply_to ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    to_address         text NOT NULL CONSTRAINT mail_outbox_to_address_format
                            CHECK (to_address ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    to_name            text CONSTRAINT mail_outbox_to_name_single_line
                            CHECK (to_name !~ '[\r\n]'),
    subject            text NOT NULL CONSTRAINT mail_outbox_subject_single_line
                            CHECK (subject !~ '[\r\n]' AND btrim(subject) <> ''),
    body_text          text NOT NULL,
    body_html          text,
    headers            jsonb NOT NULL DEFAULT '{}'
                            CONSTRAINT mail_outbox_headers_shape CHECK (
                                jsonb_typeof(headers) = 'object'
                                AND NOT jsonb_path_exists(headers,
                                    '$.keyvalue() ? (!(@.key like_regex "^[A-Za-z0-9-]{1,76}$"))')
                                AND NOT jsonb_path_exists(headers,
                                    '$.* ? (@.type() != "string" || @ like_regex "[\\r\\n]")')),
    contains_secret    boolean NOT NULL DEFAULT false,
    redacted_at        timestamptz,
    state              text NOT NULL DEFAULT 'queued'
                            CONSTRAINT mail_outbox_state_values
                            CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts           integer NOT NULL DEFAULT 0
                            CONSTRAINT mail_outbox_attempts_range CHECK (attempts >= 0),
    next_attempt_at    timestamptz NOT NULL DEFAULT now(),
    claimed_at         timestamptz,
    claimed_by         text,
    last_error         text,
    message_id         text UNIQUE
                            CONSTRAINT mail_outbox_message_id_format
                            CHECK (message_id ~ '^<[^<>[:space:]]+@[^<>[:space:]]+>$'),
    sent_at            timestamptz,
    created_by_command text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mail_outbox_state_fields CHECK (
        (state <> 'sent'    OR sent_at IS NOT NULL)
        AND (state <> 'sending' OR claimed_at IS NOT NULL)
        AND (state <> 'failed'  OR last_error IS NOT NULL)),
    CONSTRAINT mail_outbox_redaction CHECK (redacted_at IS NULL OR contains_secret)
);
COMMENT ON TABLE mail_outbox IS
    'Transactional e-mail outbox: messages queued by commands, delivered by `mail flush`, one per idempotency key.';
CREATE INDEX mail_outbox_queue_idx ON mail_outbox (next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX mail_outbox_sending_idx ON mail_outbox (claimed_at) WHERE state = 'sending';
CREATE INDEX mail_outbox_failed_idx ON mail_outbox (created_at) WHERE state = 'failed';
CREATE INDEX mail_outbox_family_idx ON mail_outbox (family_id) WHERE family_id IS NOT NULL;
CREATE INDEX mail_outbox_kind_idx ON mail_outbox (kind, created_at);

CREATE TABLE mail_outbox_attachments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id    bigint NOT NULL REFERENCES mail_outbox ON DELETE CASCADE,
    position     integer NOT NULL CONSTRAINT mail_outbox_attachments_position_range
                      CHECK (position >= 1),
    file_name    text NOT NULL CONSTRAINT mail_outbox_attachments_file_name_format
                      CHECK (btrim(file_name) <> '' AND file_name !~ '[\r\n/\\]'),
    content_type text NOT NULL CONSTRAINT mail_outbox_attachments_content_type_format
                      CHECK (content_type ~ '^[a-z]+/[a-z0-9.+-]+$'),
    content      bytea NOT NULL CONSTRAINT mail_outbox_attachments_size
                      CHECK (octet_length(content) <= 10485760),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mail_outbox_attachments_position_key UNIQUE (outbox_id, position)
);
COMMENT ON TABLE mail_outbox_attachments IS
    'Files attached to a queued message (e.g. an invoice PDF), in order.';

------------------------------------------------------------------------------------------
-- Accounts and password resets
------------------------------------------------------------------------------------------

CREATE TABLE accounts (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    family_id            bigint NOT NULL UNIQUE REFERENCES families ON DELETE RESTRICT,
    identifier           text NOT NULL UNIQUE
                              CONSTRAINT accounts_identifier_format
                              CHECK (identifier ~ '^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$'),
    email                text CONSTRAINT accounts_email_format
                              CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    password_hash        text CONSTRAINT accounts_password_hash_argon2id
                              CHECK (password_hash ~
                                '^\$argon2id\$v=[0-9]+\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$'),
    password_set_at      timestamptz,
    must_change_password boolean NOT NULL DEFAULT true,
    identifier_sent_at   timestamptz,
    password_sent_at     timestamptz,
    last_login_at        timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_password_set
        CHECK ((password_hash IS NULL) = (password_set_at IS NULL))
);
COMMENT ON TABLE accounts IS
    'A family''s portal login (identifiant): identifier, login e-mail, argon2id password hash, delivery and login timestamps.';
CREATE UNIQUE INDEX accounts_identifier_lower_key ON accounts (lower(identifier));
CREATE UNIQUE INDEX accounts_email_lower_key ON accounts (lower(btrim(email))) WHERE email IS NOT NULL;

CREATE TABLE password_reset_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id      integer REFERENCES sites ON DELETE RESTRICT,
    identifier   text,
    email        text,
    requested_at timestamptz NOT NULL DEFAULT now(),
    remote_addr  inet,
    processed_at timestamptz,
    outcome      text CONSTRAINT password_reset_requests_outcome_values
                      CHECK (outcome IN ('sent', 'mismatch', 'missing_field', 'unknown_identifier')),
    account_id   bigint REFERENCES accounts ON DELETE RESTRICT,
    outbox_id    bigint REFERENCES mail_outbox ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT password_reset_requests_processed
        CHECK ((processed_at IS NULL) = (outcome IS NULL)),
    CONSTRAINT password_reset_requests_sent_account
        CHECK (outcome IS DISTINCT FROM 'sent' OR account_id IS NOT NULL),
    CONSTRAINT password_reset_requests_input_length
        CHECK (length(identifier) <= 256 AND length(email) <= 320)
);
COMMENT ON TABLE password_reset_requests IS
    'Lost-password requests (mot de passe perdu) written by the portal, processed by `passwords process-requests`.';
CREATE INDEX password_reset_requests_queue_idx ON password_reset_requests (requested_at, id)
    WHERE processed_at IS NULL;
CREATE INDEX password_reset_requests_account_idx ON password_reset_requests (account_id)
    WHERE account_id IS NOT NULL;
CREATE INDEX password_reset_requests_outbox_idx ON password_reset_requests (outbox_id)
    WHERE outbox_id IS NOT NULL;

------------------------------------------------------------------------------------------
-- Documents
------------------------------------------------------------------------------------------

CREATE TABLE document_types (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id bigint REFERENCES campaigns ON DELETE RESTRICT,
    code        text NOT NULL CONSTRAINT document_types_code_format
                     CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    label       text NOT NULL CONSTRAINT document_types_label_nonblank CHECK (btrim(label) <> ''),
    level       text NOT NULL CONSTRAINT document_types_level_values
                     CHECK (level IN ('family', 'student')),
    mandatory   boolean NOT NULL DEFAULT false,
    condition   jsonb CONSTRAINT document_types_condition_object
                     CHECK (jsonb_typeof(condition) = 'object'),
    position    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE document_types IS
    'Kinds of documents to provide (pièces à fournir), global or per campaign: label, family/student level, mandatory, condition.';
CREATE UNIQUE INDEX document_types_code_key ON document_types (campaign_id, code) NULLS NOT DISTINCT;

CREATE TABLE documents (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    family_id        bigint NOT NULL REFERENCES families ON DELETE RESTRICT,
    student_id       bigint,
    document_type_id bigint NOT NULL REFERENCES document_types ON DELETE RESTRICT,
    campaign_id      bigint REFERENCES campaigns ON DELETE RESTRICT,
    state            text NOT NULL DEFAULT 'a_fournir'
                          CONSTRAINT documents_state_values
                          CHECK (state IN ('a_fournir', 'transmis', 'valide', 'refuse')),
    file_name        text CONSTRAINT documents_file_name_format
                          CHECK (btrim(file_name) <> '' AND file_name !~ '[\r\n/\\]'
                                 AND length(file_name) <= 255),
    content_type     text CONSTRAINT documents_content_type_values
                          CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    content          bytea,
    size_bytes       integer CONSTRAINT documents_size_limit
                          CHECK (size_bytes BETWEEN 0 AND 2097152),
    sha256           text CONSTRAINT documents_sha256_format CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    uploaded_at      timestamptz,
    refusal_reason   text,
    decided_at       timestamptz,
    decided_by       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT documents_student_fkey FOREIGN KEY (student_id, family_id)
        REFERENCES students (id, family_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT documents_content_digest CHECK (
        (content IS NULL AND size_bytes IS NULL AND sha256 IS NULL)
        OR (content IS NOT NULL AND size_bytes = octet_length(content) AND sha256 IS NOT NULL)),
    CONSTRAINT documents_state_fields CHECK (
        (state <> 'a_fournir' OR content IS NULL)
        AND (state <> 'transmis' OR (content IS NOT NULL AND file_name IS NOT NULL
                                     AND content_type IS NOT NULL AND uploaded_at IS NOT NULL))
        AND (state <> 'refuse' OR refusal_reason IS NOT NULL)
        AND ((state IN ('valide', 'refuse')) = (decided_at IS NOT NULL)))
);
COMMENT ON TABLE documents IS
    'A document a family owes or provided (document fourni), its uploaded file (bytea, at most 2 MiB) and its state.';
CREATE UNIQUE INDEX documents_key ON documents (family_id, student_id, document_type_id)
    NULLS NOT DISTINCT;
CREATE INDEX documents_student_idx ON documents (student_id) WHERE student_id IS NOT NULL;
CREATE INDEX documents_type_idx ON documents (document_type_id);
CREATE INDEX documents_campaign_idx ON documents (campaign_id, state) WHERE campaign_id IS NOT NULL;
CREATE INDEX documents_transmitted_idx ON documents (uploaded_at) WHERE state = 'transmis';

------------------------------------------------------------------------------------------
-- Pending changes (the office's validation queue)
------------------------------------------------------------------------------------------

CREATE TABLE pending_changes (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                     text NOT NULL CONSTRAINT pending_changes_kind_values
                                  CHECK (kind IN ('identity', 'reenrolment', 'document')),
    family_id                bigint NOT NULL REFERENCES families ON DELETE RESTRICT,
    student_id               bigint,
    entity                   text NOT NULL CONSTRAINT pending_changes_entity_values
                                  CHECK (entity IN ('family', 'student')),
    reenrolment_request_id   bigint REFERENCES reenrolment_requests ON DELETE RESTRICT,
    document_id              bigint REFERENCES documents ON DELETE RESTRICT,
    base_version             integer CONSTRAINT pending_changes_base_version_positive
                                  CHECK (base_version >= 1),
    changes                  jsonb NOT NULL DEFAULT '{}'
                                  CONSTRAINT pending_changes_changes_shape CHECK (
                                      jsonb_typeof(changes) = 'object'
                                      AND NOT jsonb_path_exists(changes, '$.* ? (@.type() != "object")')
                                      AND NOT jsonb_path_exists(changes, '$.* ? (!(exists(@.new)))')),
    state                    text NOT NULL DEFAULT 'pending'
                                  CONSTRAINT pending_changes_state_values
                                  CHECK (state IN ('pending', 'approved', 'rejected', 'cancelled')),
    reason                   text,
    forced                   boolean NOT NULL DEFAULT false,
    submitted_at             timestamptz NOT NULL DEFAULT now(),
    decided_at               timestamptz,
    decided_by               text,
    acknowledgement_outbox_id bigint REFERENCES mail_outbox ON DELETE SET NULL,
    decision_outbox_id       bigint REFERENCES mail_outbox ON DELETE SET NULL,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pending_changes_student_fkey FOREIGN KEY (student_id, family_id)
        REFERENCES students (id, family_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT pending_changes_entity_student
        CHECK ((entity = 'student') = (student_id IS NOT NULL)),
    CONSTRAINT pending_changes_kind_subject CHECK (
        (kind = 'identity' AND reenrolment_request_id IS NULL AND document_id IS NULL
                           AND base_version IS NOT NULL AND changes <> '{}')
        OR (kind = 'reenrolment' AND reenrolment_request_id IS NOT NULL AND document_id IS NULL
                                 AND entity = 'student')
        OR (kind = 'document' AND document_id IS NOT NULL AND reenrolment_request_id IS NULL)),
    -- The fields the portal may ask to change; keys outside these lists are refused.
    CONSTRAINT pending_changes_identity_fields CHECK (
        kind <> 'identity'
        OR (entity = 'family' AND (changes - ARRAY[
                'civility', 'last_name', 'first_name', 'address_line1', 'address_line2',
                'address_line3', 'postal_code', 'city', 'country_code', 'phone_home',
                'phone_mobile', 'phone_work', 'phone_extra1', 'phone_extra2', 'phone_extra3',
                'email', 'marital_status', 'socio_professional_code', 'profession',
                'payment_schedule']) = '{}')
        OR (entity = 'student' AND (changes - ARRAY[
                'civility', 'last_name', 'first_name', 'birth_date', 'birth_place',
                'birth_department', 'uses_family_address', 'address_line1', 'address_line2',
                'address_line3', 'postal_code', 'city', 'country_code', 'phone_home',
                'phone_mobile', 'phone_work', 'email', 'school', 'school_level',
                'emergency_contact_name', 'emergency_phone']) = '{}')),
    CONSTRAINT pending_changes_decision CHECK (
        (state = 'pending') = (decided_at IS NULL)
        AND (state <> 'rejected' OR reason IS NOT NULL)
        AND (NOT forced OR state = 'approved'))
);
COMMENT ON TABLE pending_changes IS
    'Changes families submitted in the portal awaiting the office (en attente de validation): identity edits, re-enrolments, documents.';
CREATE INDEX pending_changes_queue_idx ON pending_changes (kind, submitted_at) WHERE state = 'pending';
CREATE INDEX pending_changes_family_idx ON pending_changes (family_id);
CREATE INDEX pending_changes_student_idx ON pending_changes (student_id) WHERE student_id IS NOT NULL;
CREATE INDEX pending_changes_unacknowledged_idx ON pending_changes (submitted_at)
    WHERE acknowledgement_outbox_id IS NULL AND state = 'pending';
-- At most one open change per record (the portal merges further edits into it), per
-- document and per re-enrolment request.
CREATE UNIQUE INDEX pending_changes_one_open_identity ON pending_changes
    (family_id, entity, student_id) NULLS NOT DISTINCT WHERE kind = 'identity' AND state = 'pending';
CREATE UNIQUE INDEX pending_changes_one_open_document ON pending_changes (document_id)
    WHERE state = 'pending';
CREATE UNIQUE INDEX pending_changes_one_open_request ON pending_changes (reenrolment_request_id)
    WHERE state = 'pending';
CREATE INDEX pending_changes_document_idx ON pending_changes (document_id) WHERE document_id IS NOT NULL;
CREATE INDEX pending_changes_request_idx ON pending_changes (reenrolment_request_id)
    WHERE reenrolment_request_id IS NOT NULL;
-- Outbox references are SET NULL when old outbox rows are purged: index them for that.
CREATE INDEX pending_changes_ack_outbox_idx ON pending_changes (acknowledgement_outbox_id)
    WHERE acknowledgement_outbox_id IS NOT NULL;
CREATE INDEX pending_changes_decision_outbox_idx ON pending_changes (decision_outbox_id)
    WHERE decision_outbox_id IS NOT NULL;

CREATE TABLE campaign_reminders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES campaigns ON DELETE RESTRICT,
    family_id   bigint NOT NULL REFERENCES families ON DELETE RESTRICT,
    sent_at     timestamptz NOT NULL DEFAULT now(),
    outbox_id   bigint REFERENCES mail_outbox ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE campaign_reminders IS
    'Re-enrolment reminders queued to a family for a campaign (for `campaign remind --min-days`).';
CREATE INDEX campaign_reminders_family_idx ON campaign_reminders (campaign_id, family_id, sent_at);
CREATE INDEX campaign_reminders_family_fk_idx ON campaign_reminders (family_id);
CREATE INDEX campaign_reminders_outbox_idx ON campaign_reminders (outbox_id)
    WHERE outbox_id IS NOT NULL;

------------------------------------------------------------------------------------------
-- Billing
------------------------------------------------------------------------------------------

CREATE TABLE rentals (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    family_id    bigint NOT NULL REFERENCES families ON DELETE RESTRICT,
    student_id   bigint,
    school_year  school_year NOT NULL,
    item_kind    text NOT NULL CONSTRAINT rentals_item_kind_values
                      CHECK (item_kind IN ('instrument', 'room', 'equipment')),
    label        text NOT NULL CONSTRAINT rentals_label_nonblank CHECK (btrim(label) <> ''),
    item_ref     text CONSTRAINT rentals_item_ref_nonblank CHECK (btrim(item_ref) <> ''),
    tariff_code  text NOT NULL CONSTRAINT rentals_tariff_code_nonblank CHECK (btrim(tariff_code) <> ''),
    period       text NOT NULL DEFAULT 'year'
                      CONSTRAINT rentals_period_values CHECK (period IN ('year', 'term')),
    quantity     integer NOT NULL DEFAULT 1 CONSTRAINT rentals_quantity_range CHECK (quantity >= 1),
    starts_on    date,
    ends_on      date,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rentals_student_fkey FOREIGN KEY (student_id, family_id)
        REFERENCES students (id, family_id) ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT rentals_dates_order CHECK (ends_on >= starts_on)
);
COMMENT ON TABLE rentals IS
    'Rentals billed on the rentals ledger (facturation locations): instrument, room or equipment, per year or term.';
CREATE INDEX rentals_family_idx ON rentals (family_id, school_year);
CREATE INDEX rentals_student_idx ON rentals (student_id) WHERE student_id IS NOT NULL;

CREATE TABLE invoice_counters (
    site_id     integer NOT NULL REFERENCES sites ON DELETE RESTRICT,
    school_year school_year NOT NULL,
    series      text NOT NULL DEFAULT 'FACT'
                CONSTRAINT invoice_counters_series_format CHECK (series ~ '^[A-Z]{1,8}$'),
    last_number integer NOT NULL DEFAULT 0
                CONSTRAINT invoice_counters_last_number_range CHECK (last_number >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, school_year, series)
);
COMMENT ON TABLE invoice_counters IS
    'Gapless invoice number counters per site, school year and series (one series ''FACT'' shared by both ledgers and credit notes).';

CREATE TABLE invoices (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id             integer NOT NULL REFERENCES sites ON DELETE RESTRICT,
    family_id           bigint NOT NULL REFERENCES families ON DELETE RESTRICT,
    school_year         school_year NOT NULL,
    ledger              text NOT NULL CONSTRAINT invoices_ledger_values
                             CHECK (ledger IN ('tuition', 'rental')),
    kind                text NOT NULL DEFAULT 'invoice'
                             CONSTRAINT invoices_kind_values CHECK (kind IN ('invoice', 'credit_note')),
    series              text NOT NULL DEFAULT 'FACT',
    sequence            integer NOT NULL CONSTRAINT invoices_sequence_positive CHECK (sequence >= 1),
    number              text NOT NULL CONSTRAINT invoices_number_format
                             CHECK (number ~ '^[A-Z]{1,8}[0-9]{4,20}$'),
    corrects_invoice_id bigint REFERENCES invoices ON DELETE RESTRICT,
    issued_on           date NOT NULL,
    due_on              date NOT NULL,
    total_cents         bigint NOT NULL CONSTRAINT invoices_total_nonnegative CHECK (total_cents >= 0),
    label               text NOT NULL CONSTRAINT invoices_label_nonblank CHECK (btrim(label) <> ''),
    state               text NOT NULL DEFAULT 'issued'
                             CONSTRAINT invoices_state_values CHECK (state IN ('issued', 'cancelled')),
    tariff_digest       text CONSTRAINT invoices_tariff_digest_format
                             CHECK (tariff_digest ~ '^[0-9a-f]{64}$'),
    tariff_file         text,
    payfip_reference    text CONSTRAINT invoices_payfip_reference_format
                             CHECK (payfip_reference ~ '^[A-Za-z0-9]{1,30}$'),
    printed_at          timestamptz,
    duplicata_count     integer NOT NULL DEFAULT 0
                             CONSTRAINT invoices_duplicata_count_range CHECK (duplicata_count >= 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoices_series_fkey FOREIGN KEY (site_id, school_year, series)
        REFERENCES invoice_counters (site_id, school_year, series) ON DELETE RESTRICT,
    CONSTRAINT invoices_number_key UNIQUE (site_id, number),
    CONSTRAINT invoices_sequence_key UNIQUE (site_id, school_year, series, sequence),
    CONSTRAINT invoices_due_after_issue CHECK (due_on >= issued_on),
    CONSTRAINT invoices_credit_note_target CHECK (
        (kind <> 'credit_note' OR corrects_invoice_id IS NOT NULL)
        AND corrects_invoice_id IS DISTINCT FROM id),
    CONSTRAINT invoices_duplicata_after_print CHECK (duplicata_count = 0 OR printed_at IS NOT NULL)
);
COMMENT ON TABLE invoices IS
    'Invoices and credit notes (factures, avoirs) of a family on the tuition or rentals ledger, numbered FACT<year><seq> per site.';
CREATE INDEX invoices_family_idx ON invoices (family_id, school_year);
CREATE INDEX invoices_year_idx ON invoices (site_id, school_year, ledger);
CREATE INDEX invoices_due_idx ON invoices (due_on) WHERE kind = 'invoice' AND state = 'issued';
CREATE INDEX invoices_corrects_idx ON invoices (corrects_invoice_id) WHERE corrects_invoice_id IS NOT NULL;
CREATE INDEX invoices_unprinted_idx ON invoices (site_id, id) WHERE printed_at IS NULL;
CREATE UNIQUE INDEX invoices_payfip_reference_key ON invoices (site_id, payfip_reference)
    WHERE payfip_reference IS NOT NULL;

CREATE TABLE invoice_lines (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id       bigint NOT NULL REFERENCES invoices ON DELETE CASCADE,
    position         integer NOT NULL CONSTRAINT invoice_lines_position_range CHECK (position >= 1),
    label            text NOT NULL CONSTRAINT invoice_lines_label_nonblank CHECK (btrim(label) <> ''),
    student_id       bigint REFERENCES students ON DELETE RESTRICT,
    course_id        bigint REFERENCES courses ON DELETE RESTRICT,
    rental_id        bigint REFERENCES rentals ON DELETE RESTRICT,
    quantity         integer NOT NULL DEFAULT 1
                          CONSTRAINT invoice_lines_quantity_range CHECK (quantity >= 1),
    unit_price_cents bigint NOT NULL
                          CONSTRAINT invoice_lines_unit_price_nonnegative CHECK (unit_price_cents >= 0),
    discount_cents   bigint NOT NULL DEFAULT 0
                          CONSTRAINT invoice_lines_discount_nonnegative CHECK (discount_cents >= 0),
    amount_cents     bigint NOT NULL
                          CONSTRAINT invoice_lines_amount_nonnegative CHECK (amount_cents >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoice_lines_position_key UNIQUE (invoice_id, position),
    CONSTRAINT invoice_lines_amount_formula
        CHECK (amount_cents = quantity * unit_price_cents - discount_cents),
    CONSTRAINT invoice_lines_one_source CHECK (course_id IS NULL OR rental_id IS NULL)
);
COMMENT ON TABLE invoice_lines IS
    'Lines of an invoice: label, student, course or rental, quantity × unit price − discount = amount.';
CREATE INDEX invoice_lines_student_idx ON invoice_lines (student_id) WHERE student_id IS NOT NULL;
CREATE INDEX invoice_lines_course_idx ON invoice_lines (course_id) WHERE course_id IS NOT NULL;
CREATE INDEX invoice_lines_rental_idx ON invoice_lines (rental_id) WHERE rental_id IS NOT NULL;

CREATE TABLE instalments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id    bigint NOT NULL REFERENCES invoices ON DELETE CASCADE,
    number        integer NOT NULL CONSTRAINT instalments_number_range CHECK (number BETWEEN 1 AND 12),
    due_on        date NOT NULL,
    amount_cents  bigint NOT NULL CONSTRAINT instalments_amount_positive CHECK (amount_cents > 0),
    direct_debit  boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT instalments_number_key UNIQUE (invoice_id, number),
    -- Target of composite foreign keys (instalment_id, invoice_id).
    CONSTRAINT instalments_id_invoice_key UNIQUE (id, invoice_id)
);
COMMENT ON TABLE instalments IS
    'The payment schedule of an invoice (échéances): 1, 2, 3 or 9 instalments with due dates, some collected by direct debit.';
CREATE INDEX instalments_due_idx ON instalments (due_on);
CREATE INDEX instalments_direct_debit_idx ON instalments (due_on) WHERE direct_debit;

------------------------------------------------------------------------------------------
-- Public treasury (bordereaux, titres) — before payments, which reference batches
------------------------------------------------------------------------------------------

CREATE TABLE treasury_batches (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id       integer NOT NULL REFERENCES sites ON DELETE RESTRICT,
    exercise      integer NOT NULL CONSTRAINT treasury_batches_exercise_range
                       CHECK (exercise BETWEEN 2000 AND 2999),
    number        integer NOT NULL CONSTRAINT treasury_batches_number_range
                       CHECK (number BETWEEN 1 AND 9999999),
    state         text NOT NULL DEFAULT 'exported'
                       CONSTRAINT treasury_batches_state_values CHECK (state IN ('exported', 'cancelled')),
    file_name     text NOT NULL CONSTRAINT treasury_batches_file_name_nonblank
                       CHECK (btrim(file_name) <> ''),
    file_sha256   text CONSTRAINT treasury_batches_file_sha256_format CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    total_cents   bigint NOT NULL CONSTRAINT treasury_batches_total_positive CHECK (total_cents > 0),
    piece_count   integer NOT NULL CONSTRAINT treasury_batches_piece_count_positive CHECK (piece_count > 0),
    exported_at   timestamptz NOT NULL DEFAULT now(),
    cancelled_at  timestamptz,
    cancel_reason text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT treasury_batches_number_key UNIQUE (site_id, exercise, number),
    CONSTRAINT treasury_batches_cancellation CHECK (
        (state = 'cancelled') = (cancelled_at IS NOT NULL)
        AND (state <> 'cancelled' OR COALESCE(btrim(cancel_reason), '') <> '')),
    -- Target of treasury_pieces' copy of (site_id, exercise, state).
    CONSTRAINT treasury_batches_copy_key UNIQUE (id, site_id, exercise, state)
);
COMMENT ON TABLE treasury_batches IS
    'Bordereaux of revenue titles sent to the Trésor Public as PES V2 files, numbered per site and year, never reused.';

------------------------------------------------------------------------------------------
-- SEPA mandates and direct-debit files — before payments' consumers
------------------------------------------------------------------------------------------

CREATE TABLE sepa_mandates (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    family_id          bigint NOT NULL REFERENCES families ON DELETE RESTRICT,
    rum                text NOT NULL UNIQUE
                            CONSTRAINT sepa_mandates_rum_charset
                            CHECK (rum ~ '^[A-Za-z0-9 /?:().,''+-]{1,35}$'),
    iban               text NOT NULL CONSTRAINT sepa_mandates_iban_valid CHECK (iban_is_valid(iban)),
    iban_last4         text GENERATED ALWAYS AS (right(iban, 4)) STORED,
    bic                text CONSTRAINT sepa_mandates_bic_format
                            CHECK (bic ~ '^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$'),
    account_holder     text CONSTRAINT sepa_mandates_account_holder_nonblank
                            CHECK (btrim(account_holder) <> ''),
    signed_on          date NOT NULL,
    revoked_on         date,
    next_sequence_type text NOT NULL DEFAULT 'FRST'
                            CONSTRAINT sepa_mandates_next_sequence_type_values
                            CHECK (next_sequence_type IN ('FRST', 'RCUR')),
    last_collected_on  date,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sepa_mandates_revocation_order CHECK (revoked_on >= signed_on)
);
COMMENT ON TABLE sepa_mandates IS
    'SEPA direct-debit mandates of families: IBAN, BIC, mandate reference (RUM), signature, FRST/RCUR tracking.';
CREATE UNIQUE INDEX sepa_mandates_one_active ON sepa_mandates (family_id) WHERE revoked_on IS NULL;
CREATE INDEX sepa_mandates_family_idx ON sepa_mandates (family_id);

CREATE TABLE sepa_batches (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id           integer REFERENCES sites ON DELETE RESTRICT,
    collection_date   date NOT NULL,
    message_id        text NOT NULL UNIQUE
                           CONSTRAINT sepa_batches_message_id_format
                           CHECK (message_id ~ '^[A-Za-z0-9/?:().,''+ -]{1,35}$'),
    file_name         text NOT NULL CONSTRAINT sepa_batches_file_name_nonblank
                           CHECK (btrim(file_name) <> ''),
    file_sha256       text CONSTRAINT sepa_batches_file_sha256_format CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    transaction_count integer NOT NULL
                           CONSTRAINT sepa_batches_transaction_count_positive CHECK (transaction_count > 0),
    control_sum_cents bigint NOT NULL
                           CONSTRAINT sepa_batches_control_sum_positive CHECK (control_sum_cents > 0),
    state             text NOT NULL DEFAULT 'exported'
                           CONSTRAINT sepa_batches_state_values CHECK (state IN ('exported', 'cancelled')),
    exported_at       timestamptz NOT NULL DEFAULT now(),
    cancelled_at      timestamptz,
    cancel_reason     text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sepa_batches_cancellation CHECK (
        (state = 'cancelled') = (cancelled_at IS NOT NULL)
        AND (state <> 'cancelled' OR COALESCE(btrim(cancel_reason), '') <> ''))
);
COMMENT ON TABLE sepa_batches IS
    'SEPA direct-debit files (pain.008.001.02) exported for one collection date.';
CREATE INDEX sepa_batches_date_idx ON sepa_batches (collection_date);

------------------------------------------------------------------------------------------
-- Payments (settlements), including TAV settlements and direct debits
------------------------------------------------------------------------------------------

CREATE TABLE payments (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id        bigint NOT NULL REFERENCES invoices ON DELETE RESTRICT,
    instalment_id     bigint,
    amount_cents      bigint NOT NULL CONSTRAINT payments_amount_positive CHECK (amount_cents > 0),
    mode              text NOT NULL CONSTRAINT payments_mode_values
                           CHECK (mode IN ('cheque', 'cash', 'card', 'transfer', 'direct_debit',
                                           'payfip', 'tav')),
    paid_on           date NOT NULL,
    reference         text CONSTRAINT payments_reference_nonblank CHECK (btrim(reference) <> ''),
    operation_number  text CONSTRAINT payments_operation_number_nonblank
                           CHECK (btrim(operation_number) <> ''),
    import_key        text UNIQUE CONSTRAINT payments_import_key_nonblank CHECK (btrim(import_key) <> ''),
    treasury_batch_id bigint REFERENCES treasury_batches ON DELETE RESTRICT,
    recorded_by       text,
    cancelled_at      timestamptz,
    cancel_reason     text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payments_instalment_fkey FOREIGN KEY (instalment_id, invoice_id)
        REFERENCES instalments (id, invoice_id) ON DELETE RESTRICT,
    CONSTRAINT payments_tav_batch CHECK ((mode = 'tav') = (treasury_batch_id IS NOT NULL)),
    CONSTRAINT payments_cancellation CHECK (cancelled_at IS NULL OR COALESCE(btrim(cancel_reason), '') <> '')
);
COMMENT ON TABLE payments IS
    'Settlements of invoices (règlements): cheque, cash, card, transfer, direct debit, PayFIP, or TAV (sent to the Trésor Public).';
CREATE INDEX payments_invoice_idx ON payments (invoice_id);
CREATE INDEX payments_instalment_idx ON payments (instalment_id) WHERE instalment_id IS NOT NULL;
CREATE INDEX payments_treasury_batch_idx ON payments (treasury_batch_id) WHERE treasury_batch_id IS NOT NULL;
CREATE INDEX payments_paid_on_idx ON payments (paid_on);
-- An invoice (or one instalment of it) is transferred to the treasury at most once at a time.
CREATE UNIQUE INDEX payments_one_live_tav ON payments (invoice_id, instalment_id) NULLS NOT DISTINCT
    WHERE mode = 'tav' AND cancelled_at IS NULL;

CREATE TABLE treasury_pieces (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id      bigint NOT NULL,
    site_id       integer NOT NULL,
    exercise      integer NOT NULL,
    batch_state   text NOT NULL,
    title_number  integer NOT NULL CONSTRAINT treasury_pieces_title_number_range
                       CHECK (title_number BETWEEN 1 AND 99999999),
    invoice_id    bigint NOT NULL REFERENCES invoices ON DELETE RESTRICT,
    instalment_id bigint,
    amount_cents  bigint NOT NULL CONSTRAINT treasury_pieces_amount_positive CHECK (amount_cents > 0),
    payment_id    bigint NOT NULL UNIQUE REFERENCES payments ON DELETE RESTRICT,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT treasury_pieces_batch_fkey FOREIGN KEY (batch_id, site_id, exercise, batch_state)
        REFERENCES treasury_batches (id, site_id, exercise, state) ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT treasury_pieces_instalment_fkey FOREIGN KEY (instalment_id, invoice_id)
        REFERENCES instalments (id, invoice_id) ON DELETE RESTRICT,
    CONSTRAINT treasury_pieces_title_key UNIQUE (site_id, exercise, title_number)
);
COMMENT ON TABLE treasury_pieces IS
    'Revenue titles (titres, pièces) of a bordereau: one invoice or instalment, the amount transferred, its TAV settlement.';
CREATE INDEX treasury_pieces_batch_idx ON treasury_pieces (batch_id);
CREATE INDEX treasury_pieces_invoice_idx ON treasury_pieces (invoice_id);
CREATE INDEX treasury_pieces_instalment_idx ON treasury_pieces (instalment_id) WHERE instalment_id IS NOT NULL;
-- Never transferred twice: one piece per invoice/instalment among non-cancelled bordereaux.
CREATE UNIQUE INDEX treasury_pieces_one_live ON treasury_pieces (invoice_id, instalment_id)
    NULLS NOT DISTINCT WHERE batch_state = 'exported';

CREATE TABLE sepa_collections (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id           bigint NOT NULL REFERENCES sepa_batches ON DELETE RESTRICT,
    instalment_id      bigint NOT NULL REFERENCES instalments ON DELETE RESTRICT,
    mandate_id         bigint NOT NULL REFERENCES sepa_mandates ON DELETE RESTRICT,
    sequence_type      text NOT NULL CONSTRAINT sepa_collections_sequence_type_values
                            CHECK (sequence_type IN ('FRST', 'RCUR')),
    amount_cents       bigint NOT NULL CONSTRAINT sepa_collections_amount_positive CHECK (amount_cents > 0),
    end_to_end_id      text NOT NULL UNIQUE
                            CONSTRAINT sepa_collections_end_to_end_id_format
                            CHECK (end_to_end_id ~ '^[A-Za-z0-9/?:().,''+ -]{1,35}$'),
    payment_id         bigint UNIQUE REFERENCES payments ON DELETE RESTRICT,
    state              text NOT NULL DEFAULT 'exported'
                            CONSTRAINT sepa_collections_state_values
                            CHECK (state IN ('exported', 'cancelled', 'returned')),
    returned_on        date,
    return_reason_code text CONSTRAINT sepa_collections_return_reason_code_format
                            CHECK (return_reason_code ~ '^[A-Z0-9]{4}$'),
    return_reason      text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sepa_collections_return CHECK ((state = 'returned') = (returned_on IS NOT NULL))
);
COMMENT ON TABLE sepa_collections IS
    'Direct debits (prélèvements) of a SEPA file: one instalment collected on a mandate, FRST or RCUR, returned or not.';
CREATE INDEX sepa_collections_batch_idx ON sepa_collections (batch_id);
CREATE INDEX sepa_collections_mandate_idx ON sepa_collections (mandate_id);
CREATE INDEX sepa_collections_instalment_idx ON sepa_collections (instalment_id);
-- Each instalment is collected once at a time (a cancelled file or a return frees it).
CREATE UNIQUE INDEX sepa_collections_one_live ON sepa_collections (instalment_id)
    WHERE state = 'exported';

CREATE TABLE invoice_reminders (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id       bigint NOT NULL REFERENCES invoices ON DELETE RESTRICT,
    level            integer NOT NULL CONSTRAINT invoice_reminders_level_range CHECK (level >= 1),
    amount_due_cents bigint NOT NULL
                          CONSTRAINT invoice_reminders_amount_due_positive CHECK (amount_due_cents > 0),
    sent_at          timestamptz NOT NULL DEFAULT now(),
    outbox_id        bigint REFERENCES mail_outbox ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoice_reminders_level_key UNIQUE (invoice_id, level)
);
CREATE INDEX invoice_reminders_outbox_idx ON invoice_reminders (outbox_id)
    WHERE outbox_id IS NOT NULL;
COMMENT ON TABLE invoice_reminders IS
    'Overdue-invoice reminders (relances) queued before a treasury transfer, once per invoice and level.';

-- Balances of invoices, as the ledger and the treasury export compute them. due_cents < 0
-- means overpaid. Credit notes reduce the invoice they correct; their own due is 0.
CREATE VIEW invoice_balances AS
SELECT i.id AS invoice_id,
       i.site_id,
       i.family_id,
       i.school_year,
       i.ledger,
       i.kind,
       i.state,
       i.number,
       i.issued_on,
       i.due_on,
       i.total_cents,
       COALESCE(c.credited_cents, 0)    AS credited_cents,
       COALESCE(p.paid_cents, 0)        AS paid_cents,
       COALESCE(p.transferred_cents, 0) AS transferred_cents,
       CASE WHEN i.kind = 'invoice'
            THEN i.total_cents - COALESCE(c.credited_cents, 0)
                 - COALESCE(p.paid_cents, 0) - COALESCE(p.transferred_cents, 0)
            ELSE 0
       END AS due_cents
FROM invoices i
LEFT JOIN (SELECT corrects_invoice_id AS invoice_id, sum(total_cents)::bigint AS credited_cents
           FROM invoices
           WHERE kind = 'credit_note'
           GROUP BY corrects_invoice_id) c ON c.invoice_id = i.id
LEFT JOIN (SELECT invoice_id,
                  (sum(amount_cents) FILTER (WHERE mode <> 'tav'))::bigint AS paid_cents,
                  (sum(amount_cents) FILTER (WHERE mode = 'tav'))::bigint AS transferred_cents
           FROM payments
           WHERE cancelled_at IS NULL
           GROUP BY invoice_id) p ON p.invoice_id = i.id;
COMMENT ON VIEW invoice_balances IS
    'Per invoice: total, credited by credit notes, paid, transferred to the treasury (TAV), and due (montant à payer).';

------------------------------------------------------------------------------------------
-- Audit log
------------------------------------------------------------------------------------------

CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    command    text NOT NULL,
    arguments  text[] NOT NULL DEFAULT '{}',
    site_id    integer NULL REFERENCES sites ON DELETE RESTRICT,
    summary    jsonb NOT NULL DEFAULT '{}',
    entity     text NULL,
    entity_id  bigint NULL,
    old_values jsonb NULL,
    new_values jsonb NULL
);
COMMENT ON TABLE audit_log IS
    'Who ran which mutating command when (actor, command, arguments, counts), plus row-level old/new values.';
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_at_idx ON audit_log (at);

------------------------------------------------------------------------------------------
-- Triggers: updated_at, versions
------------------------------------------------------------------------------------------

CREATE TRIGGER families_version BEFORE UPDATE ON families
    FOR EACH ROW EXECUTE FUNCTION bump_version();
CREATE TRIGGER students_version BEFORE UPDATE ON students
    FOR EACH ROW EXECUTE FUNCTION bump_version();

CREATE TRIGGER sites_updated_at BEFORE UPDATE ON sites
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER courses_updated_at BEFORE UPDATE ON courses
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER campaigns_updated_at BEFORE UPDATE ON campaigns
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER reenrolment_requests_updated_at BEFORE UPDATE ON reenrolment_requests
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER enrolments_updated_at BEFORE UPDATE ON enrolments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER mail_outbox_updated_at BEFORE UPDATE ON mail_outbox
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER accounts_updated_at BEFORE UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER document_types_updated_at BEFORE UPDATE ON document_types
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER documents_updated_at BEFORE UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER pending_changes_updated_at BEFORE UPDATE ON pending_changes
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER rentals_updated_at BEFORE UPDATE ON rentals
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER invoice_counters_updated_at BEFORE UPDATE ON invoice_counters
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER invoices_updated_at BEFORE UPDATE ON invoices
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER instalments_updated_at BEFORE UPDATE ON instalments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER treasury_batches_updated_at BEFORE UPDATE ON treasury_batches
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER sepa_mandates_updated_at BEFORE UPDATE ON sepa_mandates
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER sepa_batches_updated_at BEFORE UPDATE ON sepa_batches
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER payments_updated_at BEFORE UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER sepa_collections_updated_at BEFORE UPDATE ON sepa_collections
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

------------------------------------------------------------------------------------------
-- Triggers: state machines
------------------------------------------------------------------------------------------

CREATE TRIGGER campaigns_state_transition BEFORE UPDATE OF state ON campaigns
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION enforce_state_transition('draft>open', 'open>closed', 'closed>open');
CREATE TRIGGER reenrolment_requests_state_transition BEFORE UPDATE OF state ON reenrolment_requests
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION enforce_state_transition('pending>approved', 'pending>rejected', 'rejected>pending');
CREATE TRIGGER pending_changes_state_transition BEFORE UPDATE OF state ON pending_changes
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION enforce_state_transition('pending>approved', 'pending>rejected', 'pending>cancelled');
CREATE TRIGGER documents_state_transition BEFORE UPDATE OF state ON documents
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION enforce_state_transition(
        'a_fournir>transmis', 'a_fournir>valide', 'transmis>valide', 'transmis>refuse',
        'transmis>a_fournir', 'refuse>transmis', 'valide>transmis');
CREATE TRIGGER mail_outbox_state_transition BEFORE UPDATE OF state ON mail_outbox
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION enforce_state_transition(
        'queued>sending', 'queued>sent', 'queued>failed', 'sending>sent', 'sending>queued',
        'sending>failed', 'failed>queued');
CREATE TRIGGER invoices_state_transition BEFORE UPDATE OF state ON invoices
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION enforce_state_transition('issued>cancelled');
CREATE TRIGGER treasury_batches_state_transition BEFORE UPDATE OF state ON treasury_batches
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION enforce_state_transition('exported>cancelled');
CREATE TRIGGER sepa_batches_state_transition BEFORE UPDATE OF state ON sepa_batches
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION enforce_state_transition('exported>cancelled');
CREATE TRIGGER sepa_collections_state_transition BEFORE UPDATE OF state ON sepa_collections
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION enforce_state_transition('exported>cancelled', 'exported>returned');

CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION forbid_delete();
CREATE TRIGGER treasury_batches_no_delete BEFORE DELETE ON treasury_batches
    FOR EACH ROW EXECUTE FUNCTION forbid_delete();
CREATE TRIGGER sepa_batches_no_delete BEFORE DELETE ON sepa_batches
    FOR EACH ROW EXECUTE FUNCTION forbid_delete();

------------------------------------------------------------------------------------------
-- Triggers: issued invoices are never edited
------------------------------------------------------------------------------------------

-- A row is editable only by the transaction that created it (created_at = now(), the
-- transaction's start time), so a billing run can insert an invoice, its lines and
-- instalments, then fix the total. Afterwards only the listed columns may change;
-- corrections are new invoices or credit notes.
CREATE FUNCTION invoices_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.created_at = now() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'invoice % is issued: it is never deleted (issue a credit note)', OLD.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'invoices_issued_immutable',
                  TABLE = 'invoices';
    END IF;
    -- Mutable after issue: family_id (families merge), state, payfip_reference, printed_at,
    -- duplicata_count, updated_at.
    IF (NEW.id, NEW.site_id, NEW.school_year, NEW.ledger, NEW.kind, NEW.series, NEW.sequence,
        NEW.number, NEW.corrects_invoice_id, NEW.issued_on, NEW.due_on, NEW.total_cents,
        NEW.label, NEW.tariff_digest, NEW.tariff_file, NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.site_id, OLD.school_year, OLD.ledger, OLD.kind, OLD.series, OLD.sequence,
        OLD.number, OLD.corrects_invoice_id, OLD.issued_on, OLD.due_on, OLD.total_cents,
        OLD.label, OLD.tariff_digest, OLD.tariff_file, OLD.created_at) THEN
        RAISE EXCEPTION 'invoice % is issued: its content cannot change (issue a credit note)', OLD.number
            USING ERRCODE = 'check_violation', CONSTRAINT = 'invoices_issued_immutable',
                  TABLE = 'invoices';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION invoices_guard() IS
    'Issued invoices: no DELETE and no change of content after the creating transaction.';
CREATE TRIGGER invoices_guard BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_guard();

CREATE FUNCTION invoice_children_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.created_at = now() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'instalments'
       AND (to_jsonb(NEW) - '{direct_debit,updated_at}'::text[])
           = (to_jsonb(OLD) - '{direct_debit,updated_at}'::text[]) THEN
        RETURN NEW;   -- instalments: only the collection method may change after issue
    END IF;
    RAISE EXCEPTION '%: rows of an issued invoice cannot be changed or deleted (invoice id %)',
                    TG_TABLE_NAME, OLD.invoice_id
        USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_issued_immutable',
              TABLE = TG_TABLE_NAME;
END;
$$;
COMMENT ON FUNCTION invoice_children_guard() IS
    'Lines and instalments of issued invoices are frozen (instalments.direct_debit excepted).';
CREATE TRIGGER invoice_lines_guard BEFORE UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION invoice_children_guard();
CREATE TRIGGER instalments_guard BEFORE UPDATE OR DELETE ON instalments
    FOR EACH ROW EXECUTE FUNCTION invoice_children_guard();

------------------------------------------------------------------------------------------
-- Triggers: documents
------------------------------------------------------------------------------------------

-- campaign_id comes from the document type; the level of the type decides whether a
-- student is required (student level) or forbidden (family level).
CREATE FUNCTION documents_check_type() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    t document_types%ROWTYPE;
BEGIN
    SELECT * INTO t FROM document_types WHERE id = NEW.document_type_id;
    IF FOUND THEN
        NEW.campaign_id := t.campaign_id;
        IF (t.level = 'student') <> (NEW.student_id IS NOT NULL) THEN
            RAISE EXCEPTION 'document type % is % level: student_id must be %',
                            t.code, t.level,
                            CASE WHEN t.level = 'student' THEN 'set' ELSE 'NULL' END
                USING ERRCODE = 'check_violation', CONSTRAINT = 'documents_type_level',
                      TABLE = 'documents', COLUMN = 'student_id';
        END IF;
    END IF;  -- not found: the foreign key reports it
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION documents_check_type() IS
    'BEFORE INSERT/UPDATE of documents: copy campaign_id from the type, check family/student level.';
CREATE TRIGGER documents_check_type
    BEFORE INSERT OR UPDATE OF document_type_id, student_id, campaign_id ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_check_type();

-- size_bytes and sha256 always describe the stored content.
CREATE FUNCTION documents_digest() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.content IS NULL THEN
        NEW.size_bytes := NULL;
        NEW.sha256 := NULL;
    ELSE
        NEW.size_bytes := octet_length(NEW.content);
        NEW.sha256 := encode(sha256(NEW.content), 'hex');
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION documents_digest() IS
    'BEFORE INSERT/UPDATE OF content: size_bytes and sha256 computed from the content.';
CREATE TRIGGER documents_digest
    BEFORE INSERT OR UPDATE OF content, size_bytes, sha256 ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_digest();

-- A new upload (-> transmis) or a withdrawal (-> a_fournir) clears the previous decision,
-- so the portal only writes the file columns and the state.
CREATE FUNCTION documents_clear_decision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state IN ('a_fournir', 'transmis') THEN
        NEW.decided_at := NULL;
        NEW.decided_by := NULL;
        NEW.refusal_reason := NULL;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION documents_clear_decision() IS
    'BEFORE UPDATE OF state on documents: back to a_fournir/transmis clears decided_at/by and refusal_reason.';
CREATE TRIGGER documents_clear_decision BEFORE UPDATE OF state ON documents
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION documents_clear_decision();

-- A resubmitted request (rejected -> pending) clears the previous decision likewise.
CREATE FUNCTION reenrolment_requests_clear_decision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'pending' THEN
        NEW.decided_at := NULL;
        NEW.decided_by := NULL;
        NEW.decision_reason := NULL;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION reenrolment_requests_clear_decision() IS
    'BEFORE UPDATE OF state on reenrolment_requests: back to pending clears decided_at/by and decision_reason.';
CREATE TRIGGER reenrolment_requests_clear_decision BEFORE UPDATE OF state ON reenrolment_requests
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION reenrolment_requests_clear_decision();

------------------------------------------------------------------------------------------
-- Triggers: pending changes follow documents and re-enrolment requests, and back
------------------------------------------------------------------------------------------
-- SECURITY DEFINER: the portal's database role may write documents and requests without
-- holding UPDATE rights on the state columns of pending_changes (and vice versa).

-- A document becoming 'transmis' opens a pending change; a decision on the document
-- closes it; a withdrawn upload (transmis -> a_fournir) cancels it.
CREATE FUNCTION documents_sync_pending() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.state = 'transmis' AND (TG_OP = 'INSERT' OR OLD.state <> 'transmis') THEN
        INSERT INTO pending_changes (kind, family_id, student_id, entity, document_id, submitted_at)
        SELECT 'document', NEW.family_id, NEW.student_id,
               CASE WHEN NEW.student_id IS NULL THEN 'family' ELSE 'student' END,
               NEW.id, COALESCE(NEW.uploaded_at, now())
        WHERE NOT EXISTS (SELECT 1 FROM pending_changes
                          WHERE document_id = NEW.id AND state = 'pending');
    ELSIF TG_OP = 'UPDATE' AND NEW.state IN ('valide', 'refuse') AND OLD.state <> NEW.state THEN
        UPDATE pending_changes
           SET state = CASE NEW.state WHEN 'valide' THEN 'approved' ELSE 'rejected' END,
               decided_at = COALESCE(NEW.decided_at, now()),
               decided_by = NEW.decided_by,
               reason = CASE WHEN NEW.state = 'refuse' THEN NEW.refusal_reason ELSE reason END
         WHERE document_id = NEW.id AND state = 'pending';
    ELSIF TG_OP = 'UPDATE' AND NEW.state = 'a_fournir' AND OLD.state = 'transmis' THEN
        UPDATE pending_changes
           SET state = 'cancelled', decided_at = now(),
               reason = COALESCE(reason, 'upload withdrawn by the family')
         WHERE document_id = NEW.id AND state = 'pending';
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION documents_sync_pending() IS
    'AFTER INSERT/UPDATE OF state on documents: open, close or cancel the matching pending change.';
CREATE TRIGGER documents_sync_pending AFTER INSERT OR UPDATE OF state ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_sync_pending();

CREATE FUNCTION reenrolment_requests_sync_pending() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.state = 'pending' AND (TG_OP = 'INSERT' OR OLD.state <> 'pending') THEN
        INSERT INTO pending_changes (kind, family_id, student_id, entity, reenrolment_request_id,
                                     submitted_at)
        SELECT 'reenrolment', NEW.family_id, NEW.student_id, 'student', NEW.id, NEW.submitted_at
        WHERE NOT EXISTS (SELECT 1 FROM pending_changes
                          WHERE reenrolment_request_id = NEW.id AND state = 'pending');
    ELSIF TG_OP = 'UPDATE' AND NEW.state IN ('approved', 'rejected') AND OLD.state <> NEW.state THEN
        UPDATE pending_changes
           SET state = NEW.state,
               decided_at = COALESCE(NEW.decided_at, now()),
               decided_by = NEW.decided_by,
               reason = COALESCE(NEW.decision_reason, reason)
         WHERE reenrolment_request_id = NEW.id AND state = 'pending';
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION reenrolment_requests_sync_pending() IS
    'AFTER INSERT/UPDATE OF state on reenrolment_requests: open or close the matching pending change.';
CREATE TRIGGER reenrolment_requests_sync_pending AFTER INSERT OR UPDATE OF state ON reenrolment_requests
    FOR EACH ROW EXECUTE FUNCTION reenrolment_requests_sync_pending();

-- Deciding the pending change decides its subject too (the reverse direction is above;
-- each side only touches rows still undecided, so the pair of triggers terminates).
CREATE FUNCTION pending_changes_sync_subject() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.kind = 'document' AND NEW.state IN ('approved', 'rejected') THEN
        UPDATE documents
           SET state = CASE NEW.state WHEN 'approved' THEN 'valide' ELSE 'refuse' END,
               decided_at = NEW.decided_at,
               decided_by = NEW.decided_by,
               refusal_reason = CASE WHEN NEW.state = 'rejected' THEN NEW.reason END
         WHERE id = NEW.document_id AND state = 'transmis';
    ELSIF NEW.kind = 'reenrolment' AND NEW.state IN ('approved', 'rejected') THEN
        UPDATE reenrolment_requests
           SET state = NEW.state,
               decided_at = NEW.decided_at,
               decided_by = NEW.decided_by,
               decision_reason = NEW.reason
         WHERE id = NEW.reenrolment_request_id AND state = 'pending';
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION pending_changes_sync_subject() IS
    'AFTER UPDATE OF state on pending_changes: apply the decision to the document or re-enrolment request.';
CREATE TRIGGER pending_changes_sync_subject AFTER UPDATE OF state ON pending_changes
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION pending_changes_sync_subject();
