-- Treasury titles: the same integrity with fewer checks on `treasury export`'s hot path, which
-- inserts one TAV payment and one title per invoice (100,000 of each in one statement).
--
-- A title (treasury_pieces) pointed at its invoice, its instalment and its TAV payment with three
-- foreign keys, while that payment already points at the same invoice and instalment. The title
-- now points at its payment and invoice together, (payment_id, invoice_id) → payments (id,
-- invoice_id): the invoice is the payment's, and the payment's own keys check the invoice and
-- the instalment. Two foreign-key checks per title fewer (each is a query and, for instalments,
-- a row lock written to the WAL).
ALTER TABLE payments ADD CONSTRAINT payments_id_invoice_key UNIQUE (id, invoice_id);
ALTER TABLE treasury_pieces
    DROP CONSTRAINT treasury_pieces_invoice_id_fkey,
    DROP CONSTRAINT treasury_pieces_instalment_fkey,
    DROP CONSTRAINT treasury_pieces_payment_id_fkey,
    ADD CONSTRAINT treasury_pieces_payment_fkey FOREIGN KEY (payment_id, invoice_id)
        REFERENCES payments (id, invoice_id) ON DELETE RESTRICT;
COMMENT ON COLUMN treasury_pieces.instalment_id IS
    'The latest instalment the title claims: a copy of its TAV payment''s instalment_id (`treasury export` writes both).';

-- Receipts are printed for payments other than TAV settlements: the index of receipts not
-- printed yet no longer takes every TAV settlement in.
DROP INDEX payments_unprinted_idx;
CREATE INDEX payments_unprinted_idx ON payments (id)
    WHERE receipt_printed_at IS NULL AND cancelled_at IS NULL AND mode <> 'tav';
