-- Keeping in step with the office's Open Dental (when ASAP_OPENDENTAL_URL is set).

-- Where each read stands: the serverDateTime Open Dental returned with the last complete read of
-- a resource (the next read asks only for what changed after it), and when that read finished.
CREATE TABLE odcursor (
    resource TEXT PRIMARY KEY NOT NULL,
    stamp    TEXT NOT NULL DEFAULT '',
    readat   INTEGER NOT NULL DEFAULT 0
);

-- The passes: when the last one started, succeeded or failed, why, and which rows it left out.
CREATE TABLE odsyncpass (
    id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    startedat   INTEGER NOT NULL DEFAULT 0,
    succeededat INTEGER NOT NULL DEFAULT 0,
    failedat    INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    skipped     TEXT NOT NULL DEFAULT ''
);
INSERT INTO odsyncpass (id) VALUES (1);

-- What Open Dental must be told: written in the same transaction as the change here, delivered
-- at least once by the write-back worker; each delivery is idempotent (a retry of a write that
-- took effect changes nothing). state: 0 waiting, 1 done, 2 refused by Open Dental.
CREATE TABLE odwrite (
    writenum    INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind        TEXT NOT NULL,
    aptnum      INTEGER NOT NULL DEFAULT 0,
    recallnum   INTEGER NOT NULL DEFAULT 0,
    asapcommnum INTEGER NOT NULL DEFAULT 0,
    clinicnum   INTEGER NOT NULL DEFAULT 0,
    body        TEXT NOT NULL,
    state       INTEGER NOT NULL DEFAULT 0,
    attempts    INTEGER NOT NULL DEFAULT 0,
    dueat       INTEGER NOT NULL DEFAULT 0,
    leaseuntil  INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    createdat   INTEGER NOT NULL,
    doneat      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX odwrite_waiting ON odwrite (dueat) WHERE state = 0;
CREATE INDEX odwrite_appointment ON odwrite (aptnum) WHERE state = 0;
