-- Sending, answering and closing out offers.

-- One row per Web Sched ASAP opening (the blockout's ScheduleNum). It outlives its blockout,
-- which is removed once the opening is filled, withdrawn or has started.
-- state: 1 open, 2 filled by a patient, 3 withdrawn by staff, 4 started without a taker,
--        5 the time was booked another way (import/sync).
CREATE TABLE asapopening (
    schedulenum  INTEGER PRIMARY KEY NOT NULL,
    operatorynum INTEGER NOT NULL,
    clinicnum    INTEGER NOT NULL DEFAULT 0,
    slotstart    TEXT NOT NULL,
    slotstop     TEXT NOT NULL,
    offeredat    TEXT NOT NULL,
    offeredby    TEXT NOT NULL DEFAULT '',
    state        INTEGER NOT NULL DEFAULT 1,
    closedat     TEXT NOT NULL DEFAULT '0001-01-01 00:00:00',
    closedby     TEXT NOT NULL DEFAULT '',
    -- The AsapComm that won, and the appointment now in the slot.
    winner       INTEGER NOT NULL DEFAULT 0,
    aptnum       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX asapopening_open ON asapopening (state, slotstart);
CREATE INDEX asapopening_operatory ON asapopening (operatorynum, slotstart);
CREATE INDEX asapopening_clinic ON asapopening (clinicnum, offeredat);

ALTER TABLE asapcomm ADD COLUMN wave INTEGER NOT NULL DEFAULT 0;
ALTER TABLE asapcomm ADD COLUMN datetimeviewed TEXT NOT NULL DEFAULT '0001-01-01 00:00:00';
ALTER TABLE asapcomm ADD COLUMN datetimeresponded TEXT NOT NULL DEFAULT '0001-01-01 00:00:00';
ALTER TABLE asapcomm ADD COLUMN datetimedelivered TEXT NOT NULL DEFAULT '0001-01-01 00:00:00';
-- A sender holds a due text until this Unix time while it hands it to the provider; a lease
-- that runs out with the text still unsent means the sender stopped mid-call.
ALTER TABLE asapcomm ADD COLUMN sendleaseuntil INTEGER NOT NULL DEFAULT 0;
ALTER TABLE asapcomm ADD COLUMN datetimesendstarted TEXT NOT NULL DEFAULT '0001-01-01 00:00:00';
CREATE INDEX asapcomm_patient ON asapcomm (patnum, asapcommnum);

-- Openings offered before this table existed: open while their blockout is still there.
INSERT INTO asapopening (schedulenum, operatorynum, clinicnum, slotstart, slotstop, offeredat, state)
SELECT c.schedulenum, MIN(c.operatorynum), MIN(c.clinicnum), MIN(c.slotstart), MAX(c.slotstop), MIN(c.datetimeentry),
       CASE WHEN EXISTS (SELECT 1 FROM schedule s WHERE s.schedulenum = c.schedulenum AND s.schedtype = 4) THEN 1 ELSE 4 END
FROM asapcomm c WHERE c.operatorynum <> 0 GROUP BY c.schedulenum;

-- Texts handed to the SMS provider, for the local outbox provider and the /outbox page.
CREATE TABLE outboxmessage (
    messagenum  INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    asapcommnum INTEGER NOT NULL DEFAULT 0,
    clinicnum   INTEGER NOT NULL DEFAULT 0,
    tophone     TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT NOT NULL DEFAULT '',
    sentat      TEXT NOT NULL
);
CREATE INDEX outboxmessage_clinic ON outboxmessage (clinicnum, messagenum);
