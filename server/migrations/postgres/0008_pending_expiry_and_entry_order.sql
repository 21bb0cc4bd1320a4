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
