//! What each page shows and each server function carries: the data the server's use cases
//! build and the pages render. Plain types over `model` and `domain`; no I/O and no markup.

pub mod access;
pub mod changes;
pub mod day;
pub mod history;
pub mod messages;
pub mod outbox;
pub mod overview;
pub mod patient;
pub mod sync;
