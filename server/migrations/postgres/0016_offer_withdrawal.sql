-- Staff may take back one patient's offer while its opening stays open for the others: who did
-- it ('' while it stands). The offer itself becomes Expired, Open Dental's status for an offer
-- that can no longer be taken; the API's JSON is unchanged.
ALTER TABLE asapcomm ADD COLUMN withdrawnby TEXT NOT NULL DEFAULT '';
