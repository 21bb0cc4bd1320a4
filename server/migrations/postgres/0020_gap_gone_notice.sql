-- The "gap gone" notice: when an opening is filled, each patient who was texted about it and had
-- not answered gets one short text saying it was taken and that they stay on the list (a clinic
-- turns this on). Keyed by the offer, so it goes at most once; queued in the claim's transaction
-- and then leased, started and recorded as every other text is.
CREATE TABLE gonetext (
    asapcommnum         BIGINT PRIMARY KEY NOT NULL,
    subject             TEXT NOT NULL DEFAULT '',
    body                TEXT NOT NULL,
    sendstatus          BIGINT NOT NULL,
    datetimescheduled   TEXT NOT NULL,
    datetimesent        TEXT NOT NULL DEFAULT '0001-01-01 00:00:00',
    datetimesendstarted TEXT NOT NULL DEFAULT '0001-01-01 00:00:00',
    sendleaseuntil      BIGINT NOT NULL DEFAULT 0,
    sendattempts        BIGINT NOT NULL DEFAULT 0,
    providermessageid   TEXT NOT NULL DEFAULT '',
    note                TEXT NOT NULL DEFAULT ''
);
CREATE INDEX gonetext_due ON gonetext (sendstatus, datetimescheduled);
