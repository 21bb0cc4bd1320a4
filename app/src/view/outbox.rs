//! The outbox page: the texts and emails the local outbox providers kept instead of sending.

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
    /// The phone a text went to, or the address of an email.
    pub to_phone: String,
    pub clinic: String,
    /// An email's subject; None for a text.
    pub email_subject: Option<String>,
    /// A text's body, or an email's plain-text part.
    pub body: String,
    pub link: String,
    /// A text the patient sent back (tried from this page), not one sent to them.
    #[serde(default)]
    pub from_patient: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxPage {
    pub messages: Vec<OutboxMessage>,
    /// Where the next (older) page starts, if there is one.
    pub older: Option<i64>,
    /// The provider texts go through; when it is not the outbox, texts are not kept here.
    pub provider: String,
    /// The provider emails go through ("outbox" or "smtp").
    pub email_provider: String,
}
