-- The claim's invariants, held by the database itself, so that a mistake in the server becomes a
-- refused write (an error the claimer sees) instead of a double booking.

-- One winner per opening: at most one AcceptedAndMoved (5) offer per opening this server made.
-- Offers imported from an office's history (Open Dental keeps its Web Sched ASAP blockouts and
-- offers indefinitely, with whatever statuses they ended in) are the office's record, taken as
-- they come; `ownopening` tells the two apart.
ALTER TABLE asapcomm ADD COLUMN ownopening BIGINT NOT NULL DEFAULT 0;
UPDATE asapcomm SET ownopening = 1 WHERE schedulenum IN (SELECT schedulenum FROM asapopening);
CREATE UNIQUE INDEX asapcomm_one_winner ON asapcomm (schedulenum) WHERE responsestatus = 5 AND ownopening = 1;

-- The chair time of every appointment this server placed by a claim, in minutes on the office's
-- wall clock since 0001-01-01. Two never overlap in one operatory (an exclusion constraint; the
-- operatory's equality needs btree_gist, a trusted extension the database owner may create).
-- The office's own book is not here: Open Dental allows overlapping appointments, and an import
-- or sync must never be refused for them; once the office's data speaks for an appointment
-- again, its row here goes.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE placement (
    aptnum       BIGINT PRIMARY KEY NOT NULL,
    operatorynum BIGINT NOT NULL,
    startminute  BIGINT NOT NULL,
    stopminute   BIGINT NOT NULL,
    CHECK (stopminute > startminute),
    CONSTRAINT placement_no_overlap EXCLUDE USING gist (operatorynum WITH =, int8range(startminute, stopminute) WITH &&)
);
