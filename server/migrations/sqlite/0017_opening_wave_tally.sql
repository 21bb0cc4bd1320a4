-- Each opening keeps the tally that offers joining it continue from: when its first message was
-- due and how many of its offers were queued for a text or an email. Reading it used to mean
-- counting every offer of the opening, in the write turn of every POST that joins it (Open
-- Dental's POST takes one patient, so an opening offered to fifty patients is fifty POSTs).
-- The first message is kept as planned when the opening was first offered: later waves are
-- timed from it even if that text then waited for the texting hours.
ALTER TABLE asapopening ADD COLUMN firstmessage TEXT NOT NULL DEFAULT '0001-01-01 00:00:00';
ALTER TABLE asapopening ADD COLUMN queuedoffers INTEGER NOT NULL DEFAULT 0;

UPDATE asapopening SET
    firstmessage = COALESCE((
        SELECT MIN(CASE WHEN c.datetimesmsscheduled <> '0001-01-01 00:00:00' THEN c.datetimesmsscheduled
                        WHEN e.datetimeemailscheduled <> '0001-01-01 00:00:00' THEN e.datetimeemailscheduled END)
        FROM asapcomm c LEFT JOIN asapemail e ON e.asapcommnum = c.asapcommnum
        WHERE c.schedulenum = asapopening.schedulenum), '0001-01-01 00:00:00'),
    queuedoffers = (
        SELECT COUNT(*) FROM asapcomm c LEFT JOIN asapemail e ON e.asapcommnum = c.asapcommnum
        WHERE c.schedulenum = asapopening.schedulenum
          AND (c.datetimesmsscheduled <> '0001-01-01 00:00:00' OR e.datetimeemailscheduled <> '0001-01-01 00:00:00'));
