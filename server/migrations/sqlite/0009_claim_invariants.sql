-- The claim's invariants, held by the database itself, so that a mistake in the server becomes a
-- refused write (an error the claimer sees) instead of a double booking.

-- One winner per opening: at most one AcceptedAndMoved (5) offer per opening this server made.
-- Offers imported from an office's history (Open Dental keeps its Web Sched ASAP blockouts and
-- offers indefinitely, with whatever statuses they ended in) are the office's record, taken as
-- they come; `ownopening` tells the two apart.
ALTER TABLE asapcomm ADD COLUMN ownopening INTEGER NOT NULL DEFAULT 0;
UPDATE asapcomm SET ownopening = 1 WHERE schedulenum IN (SELECT schedulenum FROM asapopening);
CREATE UNIQUE INDEX asapcomm_one_winner ON asapcomm (schedulenum) WHERE responsestatus = 5 AND ownopening = 1;

-- The chair time of every appointment this server placed by a claim, in minutes on the office's
-- wall clock since 0001-01-01. Two never overlap in one operatory. The office's own book is not
-- here: Open Dental allows overlapping appointments, and an import or sync must never be refused
-- for them; once the office's data speaks for an appointment again, its row here goes.
CREATE TABLE placement (
    aptnum       INTEGER PRIMARY KEY NOT NULL,
    operatorynum INTEGER NOT NULL,
    startminute  INTEGER NOT NULL,
    stopminute   INTEGER NOT NULL,
    CHECK (stopminute > startminute)
);
CREATE INDEX placement_operatory ON placement (operatorynum, startminute);

CREATE TRIGGER placement_no_overlap_insert BEFORE INSERT ON placement
WHEN EXISTS (SELECT 1 FROM placement p WHERE p.operatorynum = NEW.operatorynum AND p.aptnum <> NEW.aptnum
             AND p.startminute < NEW.stopminute AND p.stopminute > NEW.startminute)
BEGIN
    SELECT RAISE(ABORT, 'placement overlaps another appointment placed in this operatory');
END;

-- The row being changed is not in its own way, whatever key it moves to.
CREATE TRIGGER placement_no_overlap_update BEFORE UPDATE ON placement
WHEN EXISTS (SELECT 1 FROM placement p WHERE p.operatorynum = NEW.operatorynum AND p.aptnum <> NEW.aptnum
             AND p.aptnum <> OLD.aptnum AND p.startminute < NEW.stopminute AND p.stopminute > NEW.startminute)
BEGIN
    SELECT RAISE(ABORT, 'placement overlaps another appointment placed in this operatory');
END;
