-- Booking by text reply: when several offers wait for one phone number's answer, the patient is
-- texted them as a numbered list and books by replying with a number. The list last texted to
-- each number is kept here (a newer one replaces it), so that "2" means what that text said.
CREATE TABLE replylist (
    phone       TEXT NOT NULL,
    position    INTEGER NOT NULL,
    asapcommnum INTEGER NOT NULL,
    sentat      TEXT NOT NULL,
    PRIMARY KEY (phone, position)
);
