//! The outbox page: the texts the local outbox provider kept instead of sending.

use crate::model::{OdDateTime};
use serde::{Deserialize, Serialize};

/// Messages on one page of the outbox.
pub const OUTBOX_PAGE_SIZE: i64 = 50;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub message_num: i64,
    pub asap_comm_num: i64,
    pub sent_at: OdDateTime,
    /// `LName, FName`.
    pub patient: String,
    pub to_phone: String,
    pub clinic: String,
    pub body: String,
    pub link: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxPage {
    pub messages: Vec<OutboxMessage>,
    /// Where the next (older) page starts, if there is one.
    pub older: Option<i64>,
    /// The provider texts go through; when it is not the outbox, this page stays empty.
    pub provider: String,
}
