//! Sending due texts, exactly once: each is leased, checked again at the moment it is due,
//! marked as started, handed to the provider, and its outcome recorded. A text whose outcome is
//! unknown is recorded as such and never sent a second time.

use super::{ServiceResult, Services};
use crate::sms::{OutgoingText, SendOutcome};
use crate::store;
use crate::store::sending::SendRecord;
use app::domain::SendWindow;
use app::domain::sending::{DueText, SendDecision, decide_send};
use app::domain::template::fill_patient_tags;
use app::model::{OdDateTime, ResponseStatus, SmsSendStatus, WirelessPhone};
use futures::StreamExt;

/// Texts taken per round, and handed to the provider at the same time.
const BATCH: i64 = 64;
const IN_FLIGHT: usize = 8;
/// How long a sender holds a text while it calls the provider (the call times out well before).
pub const DEFAULT_LEASE_SECONDS: i64 = 60;
/// A provider that cannot be reached is tried this many times before the text is given up.
const MAX_ATTEMPTS: i64 = 5;

/// The Note on a text whose hand-over to the provider was interrupted.
pub const UNKNOWN_OUTCOME_NOTE: &str = "The server stopped while handing this text to the SMS provider, so it may or may \
     not have gone out. It was not sent again, to avoid texting the patient twice.";

/// What one round of sending did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendRound {
    pub sent: usize,
    pub waiting: usize,
    pub cancelled: usize,
    pub failed: usize,
    pub unknown: usize,
    pub retry: usize,
}

impl SendRound {
    fn add(&mut self, other: &SendRound) {
        self.sent += other.sent;
        self.waiting += other.waiting;
        self.cancelled += other.cancelled;
        self.failed += other.failed;
        self.unknown += other.unknown;
        self.retry += other.retry;
    }

    pub fn handled(&self) -> usize {
        self.sent + self.waiting + self.cancelled + self.failed + self.unknown + self.retry
    }
}

impl Services {
    /// Sends every text that is due now, in rounds of `BATCH`.
    pub async fn send_due_texts(&self) -> ServiceResult<SendRound> {
        let mut total = SendRound::default();
        loop {
            let round = self.send_round().await?;
            total.add(&round);
            if round.handled() < BATCH as usize {
                return Ok(total);
            }
        }
    }

    async fn send_round(&self) -> ServiceResult<SendRound> {
        let prefs = self.prefs().await?;
        let now = self.clock.now(&prefs);
        let lease_until = self.clock.unix_now() + self.send_lease_seconds;
        let leased = {
            let mut tx = self.store.begin_write().await?;
            let nums = store::sending::lease_due_texts(&mut tx, self.store.backend(), now, lease_until, BATCH).await?;
            tx.commit().await?;
            nums
        };
        let results: Vec<ServiceResult<SendRound>> =
            futures::stream::iter(leased).map(|num| self.send_one(num, lease_until)).buffer_unordered(IN_FLIGHT).collect().await;
        let mut round = SendRound::default();
        for r in results {
            round.add(&r?);
        }
        Ok(round)
    }

    /// Checks one leased text, sends it if it may go, and records what happened.
    async fn send_one(&self, num: i64, lease_until: i64) -> ServiceResult<SendRound> {
        let mut round = SendRound::default();
        let prefs = self.prefs().await?;
        let window = SendWindow::new(prefs.automatic_communication_time_start, prefs.automatic_communication_time_end);
        let elapsed = self.clock.elapsed(&prefs);

        // The decision and the "started" mark are one transaction holding the patient's lock,
        // so the daily limit counts texts other senders are handing over at this moment.
        let mut tx = self.store.begin_write().await?;
        let Some(due) = store::sending::due_text(&mut tx, num).await? else { return Ok(round) };
        if due.sms_send_status != SmsSendStatus::SendNotAttempted || due.lease_until != lease_until {
            return Ok(round);
        }
        self.store.lock_patient(&mut tx, due.pat_num).await?;
        let now = self.clock.now(&prefs);
        let texts_today = store::sending::texts_sent_on_day(&mut tx, due.pat_num, now.date(), num).await?;
        let facts = DueText {
            opening: due.opening,
            slot_start: due.slot_start,
            wireless_phone: &due.wireless_phone,
            txt_msg_ok: due.txt_msg_ok,
            opt_out_sms: due.opt_out_sms,
            texts_today,
            text_limit: prefs.web_sched_asap_text_limit,
        };
        match decide_send(&facts, now, &window, &elapsed) {
            SendDecision::Wait { until, note } => {
                store::sending::reschedule_text(&mut tx, num, until, &note).await?;
                tx.commit().await?;
                round.waiting += 1;
                return Ok(round);
            }
            SendDecision::Cancel { send, response, note } => {
                let record = SendRecord { send, response, sent_at: OdDateTime::never(), note: &note, provider_message_id: "" };
                store::sending::record_send(&mut tx, num, &record).await?;
                tx.commit().await?;
                round.cancelled += 1;
                return Ok(round);
            }
            SendDecision::SendNow => {
                if !store::sending::mark_send_started(&mut tx, num, lease_until, now).await? {
                    return Ok(round);
                }
                tx.commit().await?;
            }
        }

        let Some(phone) = WirelessPhone::parse(&due.wireless_phone) else { return Ok(round) };
        let link = format!("{}/asap/{}", self.public_url, due.short_guid);
        let text = OutgoingText {
            asap_comm_num: num,
            clinic_num: due.clinic_num,
            to: phone.e164().to_string(),
            body: fill_patient_tags(&due.template_text, &due.f_name, &link),
            link,
        };
        let outcome = self.sms.send(&text, now).await;
        let sent_at = self.clock.now(&prefs);
        let mut conn = self.store.begin_write().await?;
        let record = |send, response, note, provider_message_id| SendRecord { send, response, sent_at, note, provider_message_id };
        match &outcome {
            SendOutcome::Delivered { message_id } => {
                store::sending::record_send(&mut conn, num, &record(SmsSendStatus::SendSuccessful, ResponseStatus::PendingRsvp, "", message_id)).await?;
                round.sent += 1;
            }
            SendOutcome::Accepted { message_id } => {
                store::sending::record_send(&mut conn, num, &record(SmsSendStatus::SentAwaitingReceipt, ResponseStatus::PendingRsvp, "", message_id))
                    .await?;
                round.sent += 1;
            }
            SendOutcome::Rejected { reason } => {
                let note = format!("Not sent: {reason}.");
                store::sending::record_send(&mut conn, num, &record(SmsSendStatus::SendFailed, ResponseStatus::Failed, &note, "")).await?;
                round.failed += 1;
            }
            SendOutcome::Unknown { reason } => {
                let note = format!(
                    "The SMS provider did not confirm this text ({reason}), so it may or may not have gone out. \
                     It was not sent again, to avoid texting the patient twice."
                );
                store::sending::record_send(&mut conn, num, &record(SmsSendStatus::SentAwaitingReceipt, ResponseStatus::PendingRsvp, &note, ""))
                    .await?;
                round.unknown += 1;
            }
            SendOutcome::NotSent { reason } => {
                let attempts = store::sending::send_attempts(&mut conn, num).await?;
                if attempts >= MAX_ATTEMPTS {
                    let note = format!("Not sent after {attempts} attempts: {reason}.");
                    store::sending::record_send(&mut conn, num, &record(SmsSendStatus::SendFailed, ResponseStatus::Failed, &note, "")).await?;
                    round.failed += 1;
                } else {
                    // 1, 2, 4, 8 minutes: the provider may be back by then.
                    let retry_at = sent_at.plus_minutes(1 << (attempts - 1).clamp(0, 3));
                    let note = format!("Will try again at {}: {reason}.", app::domain::datetext::time_text(retry_at));
                    store::sending::release_for_retry(&mut conn, num, retry_at, &note).await?;
                    round.retry += 1;
                }
            }
        }
        conn.commit().await?;
        if !matches!(outcome, SendOutcome::Delivered { .. } | SendOutcome::Accepted { .. }) {
            tracing::warn!(asap_comm_num = num, provider = self.sms.name(), ?outcome, "text not delivered");
        }
        Ok(round)
    }

    /// Lets go of texts whose sender stopped holding them (a crash or a kill): those never
    /// handed over go back in the queue; those handed over are recorded as "outcome unknown".
    pub async fn recover_interrupted_sends(&self) -> ServiceResult<(u64, u64)> {
        let mut tx = self.store.begin_write().await?;
        let counts = store::sending::recover_stale_leases(&mut tx, self.clock.unix_now(), UNKNOWN_OUTCOME_NOTE).await?;
        tx.commit().await?;
        if counts.1 > 0 {
            tracing::warn!(unknown = counts.1, "texts interrupted while being handed to the SMS provider were not sent again");
        }
        Ok(counts)
    }

    /// When the next queued text is due, to sleep until then.
    pub async fn next_text_due(&self) -> ServiceResult<Option<OdDateTime>> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(store::sending::next_due_text(&mut conn).await?)
    }
}
