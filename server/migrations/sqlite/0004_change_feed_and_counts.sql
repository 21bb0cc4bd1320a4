-- What changed, for the pages' live updates and the caches of every server process; and the
-- history's counts kept as they change, so totals never scan a whole range.

-- kind: 1 an offer (asapcomm), 2 an opening, 3 an appointment, 4 office settings (preferences,
-- clinics, operatories), 5 an outbox message. `day` is the day the row concerns (an offer's entry
-- day, an opening's or appointment's day); `slotday` an offer's opening day.
CREATE TABLE asapchange (
    changenum INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind      INTEGER NOT NULL,
    clinicnum INTEGER NOT NULL DEFAULT 0,
    day       TEXT NOT NULL DEFAULT '',
    slotday   TEXT NOT NULL DEFAULT '',
    at        INTEGER NOT NULL DEFAULT 0
);

CREATE TRIGGER asapcomm_changed_insert AFTER INSERT ON asapcomm BEGIN
    INSERT INTO asapchange (kind, clinicnum, day, slotday, at)
    VALUES (1, NEW.clinicnum, substr(NEW.datetimeentry, 1, 10), substr(NEW.slotstart, 1, 10), CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER asapcomm_changed_update AFTER UPDATE ON asapcomm BEGIN
    INSERT INTO asapchange (kind, clinicnum, day, slotday, at)
    VALUES (1, NEW.clinicnum, substr(NEW.datetimeentry, 1, 10), substr(NEW.slotstart, 1, 10), CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER asapopening_changed_insert AFTER INSERT ON asapopening BEGIN
    INSERT INTO asapchange (kind, clinicnum, day, slotday, at)
    VALUES (2, NEW.clinicnum, substr(NEW.slotstart, 1, 10), substr(NEW.slotstart, 1, 10), CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER asapopening_changed_update AFTER UPDATE ON asapopening BEGIN
    INSERT INTO asapchange (kind, clinicnum, day, slotday, at)
    VALUES (2, NEW.clinicnum, substr(NEW.slotstart, 1, 10), substr(NEW.slotstart, 1, 10), CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER appointment_changed_insert AFTER INSERT ON appointment BEGIN
    INSERT INTO asapchange (kind, clinicnum, day, slotday, at)
    VALUES (3, NEW.clinicnum, substr(NEW.aptdatetime, 1, 10), substr(NEW.aptdatetime, 1, 10), CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER appointment_changed_update AFTER UPDATE ON appointment BEGIN
    INSERT INTO asapchange (kind, clinicnum, day, slotday, at)
    VALUES (3, NEW.clinicnum, substr(NEW.aptdatetime, 1, 10), substr(OLD.aptdatetime, 1, 10), CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER appointment_changed_delete AFTER DELETE ON appointment BEGIN
    INSERT INTO asapchange (kind, clinicnum, day, slotday, at)
    VALUES (3, OLD.clinicnum, substr(OLD.aptdatetime, 1, 10), substr(OLD.aptdatetime, 1, 10), CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER outboxmessage_changed AFTER INSERT ON outboxmessage BEGIN
    INSERT INTO asapchange (kind, clinicnum, day, at) VALUES (5, NEW.clinicnum, substr(NEW.sentat, 1, 10), CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER preference_changed_insert AFTER INSERT ON preference BEGIN
    INSERT INTO asapchange (kind, at) VALUES (4, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER preference_changed_update AFTER UPDATE ON preference BEGIN
    INSERT INTO asapchange (kind, at) VALUES (4, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER clinic_changed_insert AFTER INSERT ON clinic BEGIN
    INSERT INTO asapchange (kind, at) VALUES (4, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER clinic_changed_update AFTER UPDATE ON clinic BEGIN
    INSERT INTO asapchange (kind, at) VALUES (4, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER operatory_changed_insert AFTER INSERT ON operatory BEGIN
    INSERT INTO asapchange (kind, at) VALUES (4, CAST(strftime('%s', 'now') AS INTEGER));
END;
CREATE TRIGGER operatory_changed_update AFTER UPDATE ON operatory BEGIN
    INSERT INTO asapchange (kind, at) VALUES (4, CAST(strftime('%s', 'now') AS INTEGER));
END;

-- Offers counted by entry day, clinic and statuses. Writers only ever append to the deltas
-- (no two transactions wait on one counter row); the sweep folds them into the counts.
CREATE TABLE asapcommcount (
    day            TEXT NOT NULL,
    clinicnum      INTEGER NOT NULL,
    responsestatus INTEGER NOT NULL,
    smssendstatus  INTEGER NOT NULL,
    n              INTEGER NOT NULL,
    PRIMARY KEY (day, clinicnum, responsestatus, smssendstatus)
);
CREATE INDEX asapcommcount_clinic ON asapcommcount (clinicnum, day);
CREATE TABLE asapcommdelta (
    deltanum       INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    day            TEXT NOT NULL,
    clinicnum      INTEGER NOT NULL,
    responsestatus INTEGER NOT NULL,
    smssendstatus  INTEGER NOT NULL,
    n              INTEGER NOT NULL
);
CREATE INDEX asapcommdelta_day ON asapcommdelta (day, clinicnum);

CREATE TRIGGER asapcomm_count_insert AFTER INSERT ON asapcomm BEGIN
    INSERT INTO asapcommdelta (day, clinicnum, responsestatus, smssendstatus, n)
    VALUES (substr(NEW.datetimeentry, 1, 10), NEW.clinicnum, NEW.responsestatus, NEW.smssendstatus, 1);
END;
CREATE TRIGGER asapcomm_count_delete AFTER DELETE ON asapcomm BEGIN
    INSERT INTO asapcommdelta (day, clinicnum, responsestatus, smssendstatus, n)
    VALUES (substr(OLD.datetimeentry, 1, 10), OLD.clinicnum, OLD.responsestatus, OLD.smssendstatus, -1);
END;
CREATE TRIGGER asapcomm_count_update AFTER UPDATE ON asapcomm
WHEN OLD.responsestatus <> NEW.responsestatus OR OLD.smssendstatus <> NEW.smssendstatus
  OR OLD.clinicnum <> NEW.clinicnum OR substr(OLD.datetimeentry, 1, 10) <> substr(NEW.datetimeentry, 1, 10)
BEGIN
    INSERT INTO asapcommdelta (day, clinicnum, responsestatus, smssendstatus, n)
    VALUES (substr(OLD.datetimeentry, 1, 10), OLD.clinicnum, OLD.responsestatus, OLD.smssendstatus, -1);
    INSERT INTO asapcommdelta (day, clinicnum, responsestatus, smssendstatus, n)
    VALUES (substr(NEW.datetimeentry, 1, 10), NEW.clinicnum, NEW.responsestatus, NEW.smssendstatus, 1);
END;

INSERT INTO asapcommcount (day, clinicnum, responsestatus, smssendstatus, n)
SELECT substr(datetimeentry, 1, 10), clinicnum, responsestatus, smssendstatus, COUNT(*)
FROM asapcomm GROUP BY substr(datetimeentry, 1, 10), clinicnum, responsestatus, smssendstatus;
