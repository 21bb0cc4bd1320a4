-- The email of an offer, beside its text (Open Dental keeps EmailSendStatus, DateTimeEmailSent,
-- TemplateEmail and TemplateEmailSubj on the asapcomm row; here they sit in a row of their own so
-- the asapcomm row, and with it the API's JSON, stays as it was). Queued, leased, started and
-- recorded exactly as a text is.
CREATE TABLE asapemail (
    asapcommnum            INTEGER PRIMARY KEY NOT NULL,
    subject                TEXT NOT NULL,
    body                   TEXT NOT NULL,
    emailsendstatus        INTEGER NOT NULL,
    datetimeemailscheduled TEXT NOT NULL,
    datetimeemailsent      TEXT NOT NULL DEFAULT '0001-01-01 00:00:00',
    datetimesendstarted    TEXT NOT NULL DEFAULT '0001-01-01 00:00:00',
    sendleaseuntil         INTEGER NOT NULL DEFAULT 0,
    sendattempts           INTEGER NOT NULL DEFAULT 0,
    toaddress              TEXT NOT NULL DEFAULT '',
    providermessageid      TEXT NOT NULL DEFAULT '',
    note                   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX asapemail_due ON asapemail (emailsendstatus, datetimeemailscheduled);

-- The local outbox keeps emails beside texts.
ALTER TABLE outboxmessage ADD COLUMN channel INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outboxmessage ADD COLUMN toaddress TEXT NOT NULL DEFAULT '';
ALTER TABLE outboxmessage ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE outboxmessage ADD COLUMN bodyhtml TEXT NOT NULL DEFAULT '';
