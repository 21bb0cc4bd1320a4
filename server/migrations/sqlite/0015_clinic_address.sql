-- The clinic's physical treating address (Open Dental's clinic Address, Address2, City, State,
-- Zip), for the booking confirmation; the practice's own address is in the preferences.
ALTER TABLE clinic ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE clinic ADD COLUMN address2 TEXT NOT NULL DEFAULT '';
ALTER TABLE clinic ADD COLUMN city TEXT NOT NULL DEFAULT '';
ALTER TABLE clinic ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE clinic ADD COLUMN zip TEXT NOT NULL DEFAULT '';
