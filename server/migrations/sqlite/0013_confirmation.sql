-- The confirmation a patient gets once a claim booked them (Open Dental's Web Sched Notify): one
-- per channel the offer reached them by, written in the claim's transaction and then queued,
-- leased, started and recorded as offers' texts and emails are, so it goes exactly once.
CREATE TABLE confirmtext (
    asapcommnum         INTEGER PRIMARY KEY NOT NULL,
    subject             TEXT NOT NULL DEFAULT '',
    body                TEXT NOT NULL,
    sendstatus          INTEGER NOT NULL,
    datetimescheduled   TEXT NOT NULL,
    datetimesent        TEXT NOT NULL DEFAULT '0001-01-01 00:00:00',
    datetimesendstarted TEXT NOT NULL DEFAULT '0001-01-01 00:00:00',
    sendleaseuntil      INTEGER NOT NULL DEFAULT 0,
    sendattempts        INTEGER NOT NULL DEFAULT 0,
    providermessageid   TEXT NOT NULL DEFAULT '',
    note                TEXT NOT NULL DEFAULT ''
);
CREATE INDEX confirmtext_due ON confirmtext (sendstatus, datetimescheduled);
CREATE TABLE confirmemail (
    asapcommnum         INTEGER PRIMARY KEY NOT NULL,
    subject             TEXT NOT NULL DEFAULT '',
    body                TEXT NOT NULL,
    sendstatus          INTEGER NOT NULL,
    datetimescheduled   TEXT NOT NULL,
    datetimesent        TEXT NOT NULL DEFAULT '0001-01-01 00:00:00',
    datetimesendstarted TEXT NOT NULL DEFAULT '0001-01-01 00:00:00',
    sendleaseuntil      INTEGER NOT NULL DEFAULT 0,
    sendattempts        INTEGER NOT NULL DEFAULT 0,
    providermessageid   TEXT NOT NULL DEFAULT '',
    note                TEXT NOT NULL DEFAULT ''
);
CREATE INDEX confirmemail_due ON confirmemail (sendstatus, datetimescheduled);
