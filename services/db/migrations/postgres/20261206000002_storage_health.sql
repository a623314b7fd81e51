-- Storage health (issue 14): `/readyz` and the server's storage watch update this one row to
-- prove that the database takes writes. Keep in step with the other engine's file.
CREATE TABLE storage_health (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    checks BIGINT NOT NULL
);
