-- Offers still waiting for the patient (AwaitingTransmit, PendingRsvp, Viewed) are few among
-- all offers ever made; the close-out sweep finds them here instead of reading every offer.
CREATE INDEX asapcomm_pending ON asapcomm (slotstart) WHERE responsestatus IN (1, 2, 3);
