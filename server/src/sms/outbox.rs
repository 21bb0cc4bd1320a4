//! The local outbox: "delivers" at once by keeping the message, so the demo and a trial install
//! work without an SMS account. Staff read the messages on `/outbox` and can open the links.

use super::{OutgoingText, SendOutcome, SmsProvider};
use crate::store::{self, Store};
use crate::store::sending::OutboxRow;
use app::model::OdDateTime;

pub struct OutboxProvider {
    store: Store,
}

impl OutboxProvider {
    pub fn new(store: Store) -> Self {
        OutboxProvider { store }
    }
}

#[async_trait::async_trait]
impl SmsProvider for OutboxProvider {
    fn name(&self) -> &'static str {
        "outbox"
    }

    async fn send(&self, text: &OutgoingText, now: OdDateTime) -> SendOutcome {
        let row = OutboxRow {
            message_num: 0,
            asap_comm_num: text.asap_comm_num,
            clinic_num: text.clinic_num,
            channel: match (text.confirmation, text.notice) {
                (true, _) => OutboxRow::CONFIRMATION_TEXT,
                (_, true) => OutboxRow::NOTICE_TEXT,
                _ => OutboxRow::TEXT,
            },
            to_phone: text.to.clone(),
            to_address: String::new(),
            subject: String::new(),
            body: text.body.clone(),
            body_html: String::new(),
            link: text.link.clone(),
            sent_at: now,
        };
        let result = async {
            let mut conn = self.store.pool().acquire().await?;
            store::sending::insert_outbox_message(&mut conn, &row).await
        }
        .await;
        match result {
            Ok(num) => SendOutcome::Delivered { message_id: format!("outbox-{num}") },
            // The insert either happened or not; an error here means it did not commit.
            Err(e) => SendOutcome::NotSent { reason: format!("the outbox could not be written: {e}") },
        }
    }
}
