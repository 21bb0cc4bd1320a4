-- Who may use the staff pages and the API, and what they did.

-- Staff users. Passwords are argon2id hashes; `clinics` is empty for every clinic, else the
-- ClinicNums the user may see ("1,3"), as Open Dental's user clinic restriction.
CREATE TABLE staffuser (
    usernum           INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username          TEXT NOT NULL UNIQUE,
    displayname       TEXT NOT NULL DEFAULT '',
    passwordhash      TEXT NOT NULL,
    isadmin           INTEGER NOT NULL DEFAULT 0,
    isdisabled        INTEGER NOT NULL DEFAULT 0,
    clinics           TEXT NOT NULL DEFAULT '',
    passwordchangedat INTEGER NOT NULL DEFAULT 0,
    createdat         INTEGER NOT NULL DEFAULT 0
);

-- Failed sign-ins per user name as typed, whether or not such a user exists, so slowing down
-- and locking out say nothing about which names are real.
CREATE TABLE signinattempt (
    username    TEXT PRIMARY KEY NOT NULL,
    failures    INTEGER NOT NULL DEFAULT 0,
    lastfailure INTEGER NOT NULL DEFAULT 0,
    lockeduntil INTEGER NOT NULL DEFAULT 0
);

-- Signed-in sessions, shared by every server process. Only a hash of the cookie is kept.
CREATE TABLE staffsession (
    tokenhash    TEXT PRIMARY KEY NOT NULL,
    usernum      INTEGER NOT NULL,
    createdat    INTEGER NOT NULL,
    lastseen     INTEGER NOT NULL,
    embedded     INTEGER NOT NULL DEFAULT 0,
    portalorigin TEXT NOT NULL DEFAULT ''
);
CREATE INDEX staffsession_user ON staffsession (usernum);

-- Embed tokens already exchanged, kept until they would have expired: each works once.
CREATE TABLE embedtoken (
    nonce     TEXT PRIMARY KEY NOT NULL,
    expiresat INTEGER NOT NULL
);

-- API keys (ODFHIR DeveloperKey/CustomerKey), stored as a SHA-256 of the pair.
CREATE TABLE apikey (
    keynum       INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name         TEXT NOT NULL UNIQUE,
    developerkey TEXT NOT NULL,
    keyhash      TEXT NOT NULL UNIQUE,
    clinics      TEXT NOT NULL DEFAULT '',
    createdat    INTEGER NOT NULL DEFAULT 0,
    revokedat    INTEGER NOT NULL DEFAULT 0
);

-- Who did what: sign-ins (and failures), offers, withdrawals, changes to users and keys.
CREATE TABLE auditevent (
    eventnum  INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at        TEXT NOT NULL,
    atunix    INTEGER NOT NULL,
    usernum   INTEGER NOT NULL DEFAULT 0,
    username  TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT '',
    clinicnum INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX auditevent_at ON auditevent (atunix);
CREATE INDEX auditevent_user ON auditevent (username, atunix);
CREATE TRIGGER auditevent_no_update BEFORE UPDATE ON auditevent
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER auditevent_no_delete BEFORE DELETE ON auditevent
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
