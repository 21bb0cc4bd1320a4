//! The demo's phone network: texts land in the local outbox, except that a few numbers are
//! unreachable, as some always are, so the history shows failed texts the way a real one would.

use crate::sms::{OutboxProvider, OutgoingText, SendOutcome, SmsProvider};
use app::model::OdDateTime;

pub struct DemoCarrier {
    outbox: OutboxProvider,
}

impl DemoCarrier {
    pub fn new(outbox: OutboxProvider) -> Self {
        DemoCarrier { outbox }
    }
}

/// About one number in twenty-five does not take texts.
fn unreachable(e164: &str) -> bool {
    e164.bytes().filter(u8::is_ascii_digit).map(|b| u32::from(b - b'0')).sum::<u32>() % 25 == 0
}

#[async_trait::async_trait]
impl SmsProvider for DemoCarrier {
    fn name(&self) -> &'static str {
        "outbox"
    }

    async fn send(&self, text: &OutgoingText, now: OdDateTime) -> SendOutcome {
        if unreachable(&text.to) {
            return SendOutcome::Rejected { reason: "the carrier reports the number cannot receive texts".into() };
        }
        self.outbox.send(text, now).await
    }
}
