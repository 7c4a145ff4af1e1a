-- SEPA: the checks of a mandate's IBAN, RUM and BIC run when they are written, not at every
-- update of the mandate's collection state.
--
-- Every `sepa export` moves the mandates it collects to RCUR and records their last collection
-- date: one UPDATE per mandate (100,000 for a large authority). PostgreSQL evaluates every CHECK
-- constraint of a table at every UPDATE of a row, whatever the columns changed, and the IBAN's
-- (iban_is_valid(), a PL/pgSQL loop over its characters) and the two patterns cost about 40 % of
-- that UPDATE. The same rules now live in a trigger that runs on INSERT and on UPDATE OF iban,
-- rum, bic only, and reports a violation as the constraint did (SQLSTATE 23514, same constraint
-- names).
CREATE FUNCTION sepa_mandates_check_identifiers() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT iban_is_valid(NEW.iban) THEN
        RAISE EXCEPTION 'new row for relation "sepa_mandates" violates check constraint "sepa_mandates_iban_valid"'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'sepa_mandates_iban_valid', TABLE = 'sepa_mandates';
    END IF;
    IF NEW.rum !~ '^[A-Za-z0-9 /?:().,''+-]{1,35}$' THEN
        RAISE EXCEPTION 'new row for relation "sepa_mandates" violates check constraint "sepa_mandates_rum_charset"'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'sepa_mandates_rum_charset', TABLE = 'sepa_mandates';
    END IF;
    IF NEW.bic !~ '^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$' THEN
        RAISE EXCEPTION 'new row for relation "sepa_mandates" violates check constraint "sepa_mandates_bic_format"'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'sepa_mandates_bic_format', TABLE = 'sepa_mandates';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION sepa_mandates_check_identifiers() IS
    'BEFORE INSERT OR UPDATE OF iban, rum, bic on sepa_mandates: the IBAN (iban_is_valid), RUM and BIC rules.';
CREATE TRIGGER sepa_mandates_check_identifiers BEFORE INSERT OR UPDATE OF iban, rum, bic ON sepa_mandates
    FOR EACH ROW EXECUTE FUNCTION sepa_mandates_check_identifiers();
ALTER TABLE sepa_mandates DROP CONSTRAINT sepa_mandates_iban_valid,
                          DROP CONSTRAINT sepa_mandates_rum_charset,
                          DROP CONSTRAINT sepa_mandates_bic_format;
