-- Offers still waiting for the patient, by the time their link runs out: the sweep's expiry finds
-- the ones past it through this instead of reading every waiting offer (which, with offers for
-- slots far ahead, grew without bound and held up every writer while it ran).
CREATE INDEX asapcomm_pending_expire ON asapcomm (datetimeexpire) WHERE responsestatus IN (1, 2, 3);
