//! The local outbox for email: "delivers" at once by keeping the message beside the texts, so
//! the demo and a trial install work without a mail server. Staff read it on `/outbox`.

use super::{EmailProvider, OutgoingEmail};
use crate::sms::SendOutcome;
use crate::store::sending::{OutboxRow, insert_outbox_message};
use crate::store::Store;
use app::model::OdDateTime;

pub struct OutboxEmailProvider {
    store: Store,
}

impl OutboxEmailProvider {
    pub fn new(store: Store) -> Self {
        OutboxEmailProvider { store }
    }
}

#[async_trait::async_trait]
impl EmailProvider for OutboxEmailProvider {
    fn name(&self) -> &'static str {
        "outbox"
    }

    async fn send(&self, email: &OutgoingEmail, now: OdDateTime) -> SendOutcome {
        let row = OutboxRow {
            message_num: 0,
            asap_comm_num: email.asap_comm_num,
            clinic_num: email.clinic_num,
            channel: if email.confirmation { OutboxRow::CONFIRMATION_EMAIL } else { OutboxRow::EMAIL },
            to_phone: String::new(),
            to_address: email.to.clone(),
            subject: email.subject.clone(),
            body: email.text.clone(),
            body_html: email.html.clone(),
            link: email.link.clone(),
            sent_at: now,
        };
        let result = async {
            let mut conn = self.store.pool().acquire().await?;
            insert_outbox_message(&mut conn, &row).await
        }
        .await;
        match result {
            Ok(num) => SendOutcome::Delivered { message_id: format!("outbox-email-{num}") },
            Err(e) => SendOutcome::NotSent { reason: format!("the outbox could not be written: {e}") },
        }
    }
}
