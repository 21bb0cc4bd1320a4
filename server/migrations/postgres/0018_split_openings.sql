-- A claim that takes only part of an opening leaves the rest as a new opening, offered to the
-- next patients who fit it. Each opening keeps what that needs and what the checks read:
-- `parent`: the opening it is the rest of (0 when staff or the API offered it);
-- `takenstop`: where the winner's chair time ends, from the opening's start (never while open,
-- and for openings filled before this was kept); one winner per minute of chair time is checked
-- on it;
-- `sendmode`: how its offers were sent (text, email, both, preferred), so the rest goes the same way.
ALTER TABLE asapopening ADD COLUMN parent BIGINT NOT NULL DEFAULT 0;
ALTER TABLE asapopening ADD COLUMN takenstop TEXT NOT NULL DEFAULT '0001-01-01 00:00:00';
ALTER TABLE asapopening ADD COLUMN sendmode TEXT NOT NULL DEFAULT 'text';
