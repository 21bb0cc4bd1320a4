-- API requests per key per second, counted in the database when several server processes share
-- it (PostgreSQL), so a key's rate limit holds for the key as a whole. Old seconds are pruned.
CREATE TABLE apirate (
    keyname TEXT NOT NULL,
    unixsecond BIGINT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (keyname, unixsecond)
);
