-- Billing: what `invoices generate` needs to correct an invoice instead of editing it, and
-- what `receipts pdf --unprinted` needs to find the receipts not printed yet.
--
-- invoice_lines.line_key names what a line bills, stable from one run to the next:
--   'course:<course_id>:student:<student_id>'   tuition for one enrolment
--   'fee:<CODE>'  /  'fee:<CODE>:student:<id>' a fixed fee per family / per student
--   'rental:<rental_id>'                         one rental
-- The amount billed for a key is the sum over the family's issued invoices minus the sum over
-- its credit notes. A new run compares it with what the tariffs give now and issues a
-- correcting invoice (more) or a credit note (less) for the difference, never an edit.
ALTER TABLE invoice_lines ADD COLUMN line_key text
    CONSTRAINT invoice_lines_line_key_format
    CHECK (line_key ~ '^(course:[0-9]+:student:[0-9]+|fee:[A-Z0-9_-]{1,32}(:student:[0-9]+)?|rental:[0-9]+)$');
COMMENT ON COLUMN invoice_lines.line_key IS
    'What the line bills (course:C:student:S, fee:CODE[:student:S], rental:R): corrections compare amounts per key.';
CREATE INDEX invoice_lines_invoice_key_idx ON invoice_lines (invoice_id, line_key);

-- Receipts (reçus) are payments: their number is payments.operation_number, drawn from the
-- counter series 'RECU' of invoice_counters; printed once, then re-printed as duplicata.
ALTER TABLE payments ADD COLUMN receipt_printed_at timestamptz;
CREATE INDEX payments_unprinted_idx ON payments (id) WHERE receipt_printed_at IS NULL AND cancelled_at IS NULL;
COMMENT ON TABLE invoice_counters IS
    'Gapless number counters per site, school year and series: ''FACT'' for invoices and credit notes of both ledgers, ''RECU'' for receipts.';
