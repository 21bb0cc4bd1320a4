-- Open Dental's tables and column names, lower-cased so that SQLite and PostgreSQL report the
-- same column names. Dates and times are the office's wall-clock text in Open Dental's formats
-- ('yyyy-MM-dd HH:mm:ss'): fixed width, so text order is time order.

CREATE TABLE preference (
    prefname    TEXT PRIMARY KEY NOT NULL,
    valuestring TEXT NOT NULL
);

CREATE TABLE clinic (
    clinicnum   INTEGER PRIMARY KEY NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    abbr        TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE provider (
    provnum     INTEGER PRIMARY KEY NOT NULL,
    abbr        TEXT NOT NULL DEFAULT '',
    fname       TEXT NOT NULL DEFAULT '',
    lname       TEXT NOT NULL DEFAULT '',
    issecondary INTEGER NOT NULL DEFAULT 0,
    ishidden    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE operatory (
    operatorynum  INTEGER PRIMARY KEY NOT NULL,
    opname        TEXT NOT NULL,
    abbrev        TEXT NOT NULL DEFAULT '',
    itemorder     INTEGER NOT NULL DEFAULT 0,
    ishidden      INTEGER NOT NULL DEFAULT 0,
    clinicnum     INTEGER NOT NULL DEFAULT 0,
    provdentist   INTEGER NOT NULL DEFAULT 0,
    provhygienist INTEGER NOT NULL DEFAULT 0,
    ishygiene     INTEGER NOT NULL DEFAULT 0,
    iswebsched    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX operatory_clinic ON operatory (clinicnum, itemorder);

CREATE TABLE patient (
    patnum        INTEGER PRIMARY KEY NOT NULL,
    lname         TEXT NOT NULL,
    fname         TEXT NOT NULL,
    wirelessphone TEXT NOT NULL DEFAULT '',
    txtmsgok      INTEGER NOT NULL DEFAULT 0,
    clinicnum     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE commoptout (
    patnum    INTEGER PRIMARY KEY NOT NULL,
    optoutsms INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE appointment (
    aptnum      INTEGER PRIMARY KEY NOT NULL,
    patnum      INTEGER NOT NULL,
    aptstatus   INTEGER NOT NULL,
    pattern     TEXT NOT NULL,
    op          INTEGER NOT NULL DEFAULT 0,
    provnum     INTEGER NOT NULL DEFAULT 0,
    aptdatetime TEXT NOT NULL DEFAULT '0001-01-01 00:00:00',
    clinicnum   INTEGER NOT NULL DEFAULT 0,
    priority    INTEGER NOT NULL DEFAULT 0,
    nextaptnum  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX appointment_op_time ON appointment (op, aptdatetime);
CREATE INDEX appointment_asap ON appointment (priority, aptstatus);
CREATE INDEX appointment_next ON appointment (nextaptnum);

CREATE TABLE recalltype (
    recalltypenum INTEGER PRIMARY KEY NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    timepattern   TEXT NOT NULL
);

CREATE TABLE recall (
    recallnum     INTEGER PRIMARY KEY NOT NULL,
    patnum        INTEGER NOT NULL,
    recalltypenum INTEGER NOT NULL,
    datedue       TEXT NOT NULL,
    priority      INTEGER NOT NULL DEFAULT 0,
    isdisabled    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX recall_asap ON recall (priority);

CREATE TABLE definition (
    defnum    INTEGER PRIMARY KEY NOT NULL,
    category  INTEGER NOT NULL,
    itemname  TEXT NOT NULL,
    itemvalue TEXT NOT NULL DEFAULT '',
    itemorder INTEGER NOT NULL DEFAULT 0,
    ishidden  INTEGER NOT NULL DEFAULT 0
);

-- AUTOINCREMENT: a removed Web Sched ASAP blockout's number is never reused, so an old
-- asapcomm.schedulenum cannot come to point at a different opening.
CREATE TABLE schedule (
    schedulenum  INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    scheddate    TEXT NOT NULL,
    starttime    TEXT NOT NULL,
    stoptime     TEXT NOT NULL,
    schedtype    INTEGER NOT NULL,
    provnum      INTEGER NOT NULL DEFAULT 0,
    blockouttype INTEGER NOT NULL DEFAULT 0,
    note         TEXT NOT NULL DEFAULT '',
    employeenum  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX schedule_date ON schedule (scheddate, schedtype);

CREATE TABLE scheduleop (
    schedulenum  INTEGER NOT NULL REFERENCES schedule (schedulenum) ON DELETE CASCADE,
    operatorynum INTEGER NOT NULL,
    PRIMARY KEY (schedulenum, operatorynum)
);
CREATE INDEX scheduleop_operatory ON scheduleop (operatorynum);

CREATE TABLE asapcomm (
    asapcommnum          INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    fkey                 INTEGER NOT NULL,
    fkeytype             INTEGER NOT NULL,
    schedulenum          INTEGER NOT NULL,
    patnum               INTEGER NOT NULL,
    clinicnum            INTEGER NOT NULL DEFAULT 0,
    shortguid            TEXT NOT NULL UNIQUE,
    datetimeentry        TEXT NOT NULL,
    datetimeexpire       TEXT NOT NULL,
    datetimesmsscheduled TEXT NOT NULL,
    smssendstatus        INTEGER NOT NULL,
    datetimesmssent      TEXT NOT NULL,
    responsestatus       INTEGER NOT NULL,
    datetimeorig         TEXT NOT NULL,
    templatetext         TEXT NOT NULL,
    note                 TEXT NOT NULL DEFAULT '',
    -- The opening itself, kept here because its blockout is removed once it is filled.
    operatorynum         INTEGER NOT NULL DEFAULT 0,
    slotstart            TEXT NOT NULL DEFAULT '0001-01-01 00:00:00',
    slotstop             TEXT NOT NULL DEFAULT '0001-01-01 00:00:00',
    -- Sending: the provider's id for the message, and how many attempts were made.
    providermessageid    TEXT NOT NULL DEFAULT '',
    sendattempts         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX asapcomm_entry ON asapcomm (datetimeentry);
CREATE INDEX asapcomm_clinic_entry ON asapcomm (clinicnum, datetimeentry);
CREATE INDEX asapcomm_due ON asapcomm (smssendstatus, datetimesmsscheduled);
CREATE INDEX asapcomm_schedule ON asapcomm (schedulenum);
CREATE INDEX asapcomm_patient_day ON asapcomm (patnum, datetimesmsscheduled);
CREATE INDEX asapcomm_fkey ON asapcomm (fkey, fkeytype, responsestatus);
CREATE INDEX asapcomm_provider_message ON asapcomm (providermessageid);
