-- ASAP Message Setup: a clinic's own text and email templates and its booking-confirmation
-- setting, as Open Dental's clinicpref table holds them. ClinicNum 0 is the whole office as set
-- here, which wins over the preference table (imported or synced from Open Dental).
CREATE TABLE clinicpref (
    clinicnum   INTEGER NOT NULL,
    prefname    TEXT NOT NULL,
    valuestring TEXT NOT NULL,
    PRIMARY KEY (clinicnum, prefname)
);
