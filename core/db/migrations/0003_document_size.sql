-- Uploaded documents: the 2 MB rule ("2 Mo au plus") is the office's to apply, not the
-- database's. A file over 2 MiB that a portal stores anyway reaches `changes approve`, which
-- refuses it with a reason mailed to the family, instead of failing the portal's INSERT with
-- a constraint error the family never understands. The database keeps a sanity cap (20 MiB)
-- so that a runaway upload cannot bloat the table.
ALTER TABLE documents DROP CONSTRAINT documents_size_limit;
ALTER TABLE documents ADD CONSTRAINT documents_size_limit CHECK (size_bytes BETWEEN 0 AND 20971520);
