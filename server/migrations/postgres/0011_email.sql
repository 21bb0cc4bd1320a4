-- Email as a second channel: the patient's address and contact preference (Open Dental's
-- Patient.Email and PreferContactMethod) and their email opt-out (CommOptOut.OptOutEmail).
ALTER TABLE patient ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE patient ADD COLUMN prefercontactmethod BIGINT NOT NULL DEFAULT 0;
ALTER TABLE commoptout ADD COLUMN optoutemail BIGINT NOT NULL DEFAULT 0;
