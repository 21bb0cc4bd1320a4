-- Offers still waiting for the patient, by the time their link runs out: the sweep's expiry finds
-- the ones past it through this instead of reading every waiting offer (which, with offers for
-- slots far ahead, grew without bound and held up every writer while it ran).
CREATE INDEX asapcomm_pending_expire ON asapcomm (datetimeexpire) WHERE responsestatus IN (1, 2, 3);

-- The slot picker's facts about each patient on a page of the ASAP list (when they were last
-- offered, whether they said stop, texts today) and the daily text limit read these from the
-- indexes alone: with the columns they need in the index, a patient's long offer history costs
-- index entries, not a table row each.
DROP INDEX asapcomm_fkey;
CREATE INDEX asapcomm_fkey ON asapcomm (fkey, fkeytype, responsestatus, datetimeentry);
DROP INDEX asapcomm_patient_day;
CREATE INDEX asapcomm_patient_day ON asapcomm (patnum, datetimesmsscheduled, smssendstatus);

-- GET /asapcomms lists offers entered in a date range in key order. Keys follow entry time
-- except when the clock or imported history says otherwise, so the range's rows cannot be read
-- straight off the key order: reading them through the entry-time index and sorting cost a pass
-- over the whole range (every offer of the last seven days by default) for each page of 100.
-- Each entry day keeps the lowest and highest key entered that day and how many were entered;
-- the days of a range bound the keys to walk in key order, which stops once the page is full.
-- When the keys in those bounds are mostly other days' (history imported out of order), the
-- count says so and the range is read through the entry-time index instead. The bounds only ever
-- widen, so they stay true for every row however the rows came; the count is only a guide.
CREATE TABLE asapcommentryday (
    day      TEXT PRIMARY KEY NOT NULL,
    firstkey INTEGER NOT NULL,
    lastkey  INTEGER NOT NULL,
    entries  INTEGER NOT NULL
);
INSERT INTO asapcommentryday (day, firstkey, lastkey, entries)
    SELECT substr(datetimeentry, 1, 10), MIN(asapcommnum), MAX(asapcommnum), COUNT(*) FROM asapcomm GROUP BY substr(datetimeentry, 1, 10);
CREATE TRIGGER asapcomm_entry_day_insert AFTER INSERT ON asapcomm BEGIN
    INSERT INTO asapcommentryday (day, firstkey, lastkey, entries) VALUES (substr(NEW.datetimeentry, 1, 10), NEW.asapcommnum, NEW.asapcommnum, 1)
    ON CONFLICT (day) DO UPDATE SET firstkey = MIN(firstkey, excluded.firstkey), lastkey = MAX(lastkey, excluded.lastkey), entries = entries + 1;
END;
CREATE TRIGGER asapcomm_entry_day_update AFTER UPDATE OF datetimeentry, asapcommnum ON asapcomm BEGIN
    INSERT INTO asapcommentryday (day, firstkey, lastkey, entries) VALUES (substr(NEW.datetimeentry, 1, 10), NEW.asapcommnum, NEW.asapcommnum, 1)
    ON CONFLICT (day) DO UPDATE SET firstkey = MIN(firstkey, excluded.firstkey), lastkey = MAX(lastkey, excluded.lastkey), entries = entries + 1;
END;
-- One clinic's offers in key order (an index on a column is ordered by the row key after it).
CREATE INDEX asapcomm_clinic ON asapcomm (clinicnum);
