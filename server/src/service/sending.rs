//! Sending due texts and emails, exactly once per channel: each is leased, checked again at the moment it is due,
//! marked as started, handed to the provider, and its outcome recorded. A text whose outcome is
//! unknown is recorded as such and never sent a second time.

use super::{ServiceResult, Services};
use crate::email::{OutgoingEmail, calendar_file, html_body};
use crate::sms::{OutgoingText, SendOutcome};
use crate::store;
use crate::store::sending::{Channel, DueMessageRow, SendRecord};
use app::domain::SendWindow;
use app::domain::sending::{DueText, DueTo, SendDecision, decide_confirmation, decide_send};
use app::domain::confirmation::LinkFrom;
use app::domain::template::fill_patient_tags;
use app::model::{EmailAddress, OdDateTime, Preferences, ResponseStatus, SmsSendStatus, WirelessPhone};
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

/// The Note on an email whose hand-over to the mail server was interrupted.
pub const UNKNOWN_EMAIL_OUTCOME_NOTE: &str = "The server stopped while handing this email to the mail server, so it may or \
     may not have gone out. It was not sent again, to avoid emailing the patient twice.";

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
    /// Sends every text and email that is due now, in rounds of `BATCH`.
    pub async fn send_due_texts(&self) -> ServiceResult<SendRound> {
        let mut total = SendRound::default();
        for channel in Channel::ALL {
            loop {
                let round = self.send_round(channel).await?;
                total.add(&round);
                if round.handled() < BATCH as usize {
                    break;
                }
            }
        }
        Ok(total)
    }

    async fn send_round(&self, channel: Channel) -> ServiceResult<SendRound> {
        let prefs = self.prefs().await?;
        let now = self.clock.now(&prefs);
        let lease_until = self.clock.unix_now() + self.send_lease_seconds;
        let leased = {
            let mut tx = self.store.begin_write().await?;
            let nums = store::sending::lease_due(&mut tx, self.store.backend(), channel, now, lease_until, BATCH).await?;
            tx.commit().await?;
            nums
        };
        let results: Vec<ServiceResult<SendRound>> = futures::stream::iter(leased)
            .map(|num| self.send_one(channel, num, lease_until))
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let mut round = SendRound::default();
        for r in results {
            round.add(&r?);
        }
        Ok(round)
    }

    /// Checks one leased message, sends it if it may go, and records what happened.
    async fn send_one(&self, channel: Channel, num: i64, lease_until: i64) -> ServiceResult<SendRound> {
        let mut round = SendRound::default();
        let prefs = self.prefs().await?;
        let window = SendWindow::new(prefs.automatic_communication_time_start, prefs.automatic_communication_time_end);
        let elapsed = self.clock.elapsed(&prefs);

        // The decision and the "started" mark are one transaction holding the patient's lock,
        // so the daily limit counts messages other senders are handing over at this moment.
        let mut tx = self.store.begin_write().await?;
        let Some(due) = store::sending::due_message(&mut tx, channel, num).await? else { return Ok(round) };
        if due.send_status != SmsSendStatus::SendNotAttempted || due.lease_until != lease_until {
            return Ok(round);
        }
        self.store.lock_patient(&mut tx, due.pat_num).await?;
        let now = self.clock.now(&prefs);
        // Offers' texts and "gap gone" notices count toward one daily limit.
        let sent_today = match channel {
            Channel::Text | Channel::GoneText => {
                let other = if channel == Channel::Text { Channel::GoneText } else { Channel::Text };
                store::sending::sent_on_day(&mut tx, channel, due.pat_num, now.date(), num).await?
                    + store::sending::sent_on_day(&mut tx, other, due.pat_num, now.date(), 0).await?
            }
            _ => store::sending::sent_on_day(&mut tx, channel, due.pat_num, now.date(), num).await?,
        };
        let to = if channel.is_text() {
            DueTo::Text { wireless_phone: &due.wireless_phone, txt_msg_ok: due.txt_msg_ok, opt_out_sms: due.opt_out_sms }
        } else {
            DueTo::Email { email: &due.email, opt_out_email: due.opt_out_email }
        };
        let decision = if channel.is_confirmation() {
            decide_confirmation(&to)
        } else if channel == Channel::GoneText {
            app::domain::sending::decide_notice(&to, sent_today, prefs.web_sched_asap_text_limit, now, &window)
        } else {
            let facts = DueText { opening: due.opening, slot_start: due.slot_start, to, sent_today, limit: prefs.web_sched_asap_text_limit };
            decide_send(&facts, now, &window, &elapsed)
        };
        match decision {
            SendDecision::Wait { until, note } => {
                store::sending::reschedule(&mut tx, channel, num, until, &note).await?;
                tx.commit().await?;
                round.waiting += 1;
                return Ok(round);
            }
            SendDecision::Cancel { send, response, note } => {
                let record = SendRecord { send, response, sent_at: OdDateTime::never(), note: &note, provider_message_id: "" };
                store::sending::record(&mut tx, channel, num, &record).await?;
                tx.commit().await?;
                crate::telemetry::message(channel.is_text(), channel.is_confirmation(), "cancelled", due.clinic_num);
                round.cancelled += 1;
                return Ok(round);
            }
            SendDecision::SendNow => {
                if !store::sending::mark_send_started(&mut tx, channel, num, lease_until, now).await? {
                    return Ok(round);
                }
                tx.commit().await?;
            }
        }

        let link = format!("{}/asap/{}", self.public_url, due.short_guid);
        let (outcome, provider) = if channel.is_text() {
            let Some(phone) = WirelessPhone::parse(&due.wireless_phone) else { return Ok(round) };
            let (body, link) = if channel.carries_link() {
                (fill_patient_tags(&due.template_text, &due.f_name, &link), link)
            } else {
                (due.template_text.clone(), String::new())
            };
            let text = OutgoingText {
                asap_comm_num: num,
                clinic_num: due.clinic_num,
                to: phone.e164().to_string(),
                body,
                link,
                confirmation: channel.is_confirmation(),
                notice: channel == Channel::GoneText,
            };
            (self.sms.send(&text, now).await, self.sms.name())
        } else {
            let Some(address) = EmailAddress::parse(&due.email) else { return Ok(round) };
            let email = if channel.is_confirmation() {
                self.confirmation_email(&due, address, &prefs).await?
            } else {
                self.outgoing_email(&due, address, link).await?
            };
            (self.email.send(&email, now).await, self.email.name())
        };
        let sent_at = self.clock.now(&prefs);
        let mut conn = self.store.begin_write().await?;
        let record = |send, response, note, provider_message_id| SendRecord { send, response, sent_at, note, provider_message_id };
        let noun = channel.noun();
        match &outcome {
            SendOutcome::Delivered { message_id } => {
                store::sending::record(&mut conn, channel, num, &record(SmsSendStatus::SendSuccessful, ResponseStatus::PendingRsvp, "", message_id))
                    .await?;
                round.sent += 1;
            }
            SendOutcome::Accepted { message_id } => {
                let r = record(SmsSendStatus::SentAwaitingReceipt, ResponseStatus::PendingRsvp, "", message_id);
                store::sending::record(&mut conn, channel, num, &r).await?;
                round.sent += 1;
            }
            SendOutcome::Rejected { reason } => {
                let note = format!("Not sent: {reason}.");
                store::sending::record(&mut conn, channel, num, &record(SmsSendStatus::SendFailed, ResponseStatus::Failed, &note, "")).await?;
                round.failed += 1;
            }
            SendOutcome::Unknown { reason } => {
                let note = format!(
                    "The provider did not confirm this {noun} ({reason}), so it may or may not have gone out. \
                     It was not sent again, to avoid sending the patient the same {noun} twice."
                );
                let r = record(SmsSendStatus::SentAwaitingReceipt, ResponseStatus::PendingRsvp, &note, "");
                store::sending::record(&mut conn, channel, num, &r).await?;
                round.unknown += 1;
            }
            SendOutcome::NotSent { reason } => {
                let attempts = store::sending::send_attempts(&mut conn, channel, num).await?;
                if attempts >= MAX_ATTEMPTS {
                    let note = format!("Not sent after {attempts} attempts: {reason}.");
                    let r = record(SmsSendStatus::SendFailed, ResponseStatus::Failed, &note, "");
                    store::sending::record(&mut conn, channel, num, &r).await?;
                    round.failed += 1;
                } else {
                    // 1, 2, 4, 8 minutes: the provider may be back by then.
                    let retry_at = sent_at.plus_minutes(1 << (attempts - 1).clamp(0, 3));
                    let note = format!("Will try again at {}: {reason}.", app::domain::datetext::time_text(retry_at));
                    store::sending::release_for_retry(&mut conn, channel, num, retry_at, &note).await?;
                    round.retry += 1;
                }
            }
        }
        conn.commit().await?;
        let counted = match (&outcome, round.failed) {
            (SendOutcome::Delivered { .. } | SendOutcome::Accepted { .. }, _) => "sent",
            (SendOutcome::Unknown { .. }, _) => "unknown",
            (SendOutcome::Rejected { .. }, _) | (SendOutcome::NotSent { .. }, 1..) => "failed",
            (SendOutcome::NotSent { .. }, 0) => "retry",
        };
        crate::telemetry::message(channel.is_text(), channel.is_confirmation(), counted, due.clinic_num);
        if !matches!(outcome, SendOutcome::Delivered { .. } | SendOutcome::Accepted { .. }) {
            tracing::warn!(asap_comm_num = num, channel = noun, provider, ?outcome, "message not delivered");
        }
        Ok(round)
    }

    /// An offer's email: the office's name as the sender, the patient's tags filled, the plain
    /// and HTML parts, and the link that stops these emails.
    async fn outgoing_email(&self, due: &DueMessageRow, to: EmailAddress, link: String) -> ServiceResult<OutgoingEmail> {
        let from_name = {
            let mut conn = self.store.pool().acquire().await?;
            let prefs = store::office::preferences(&mut conn).await?;
            store::office::identity(&mut conn, due.clinic_num, &prefs).await?.name
        };
        let unsubscribe = format!("{}/asap/{}/unsubscribe", self.public_url, due.short_guid);
        // The email's link says it is the email's: the booking is confirmed by email.
        let link = format!("{link}{}", LinkFrom::Email.query());
        let text = fill_patient_tags(&due.template_text, &due.f_name, &link);
        Ok(OutgoingEmail {
            asap_comm_num: due.asap_comm_num,
            clinic_num: due.clinic_num,
            to: to.as_str().to_string(),
            from_name,
            subject: fill_patient_tags(&due.subject, &due.f_name, &link),
            html: html_body(&text, &link, Some(&unsubscribe)),
            text: format!("{text}\n\n--\nDon't want these emails? Unsubscribe: {unsubscribe}\n"),
            link,
            unsubscribe: Some(unsubscribe),
            calendar: None,
            confirmation: false,
        })
    }

    /// A booking's confirmation email: the text written when the claim was made, and the new
    /// time as a calendar file.
    async fn confirmation_email(&self, due: &DueMessageRow, to: EmailAddress, prefs: &Preferences) -> ServiceResult<OutgoingEmail> {
        let (office, visit) = {
            let mut conn = self.store.pool().acquire().await?;
            let office = store::office::identity(&mut conn, due.clinic_num, prefs).await?;
            let visit = match store::answers::offer_by_num(&mut conn, due.asap_comm_num).await? {
                Some(offer) => Some((offer.span.start, super::patient::visit_minutes(&mut conn, prefs, &offer).await?)),
                None => None,
            };
            (office, visit)
        };
        let calendar = visit.map(|(start, minutes)| {
            let host = self.public_url.split("://").nth(1).unwrap_or("asap").split('/').next().unwrap_or("asap");
            let start = self.clock.elapsed(prefs).instant(start);
            calendar_file(&format!("asap-{}@{host}", due.asap_comm_num), start, minutes, &office)
        });
        Ok(OutgoingEmail {
            asap_comm_num: due.asap_comm_num,
            clinic_num: due.clinic_num,
            to: to.as_str().to_string(),
            from_name: office.name,
            subject: due.subject.clone(),
            html: html_body(&due.template_text, "", None),
            text: due.template_text.clone(),
            link: String::new(),
            unsubscribe: None,
            calendar,
            confirmation: true,
        })
    }

    /// Lets go of messages whose sender stopped holding them (a crash or a kill): those never
    /// handed over go back in the queue; those handed over are recorded as "outcome unknown".
    pub async fn recover_interrupted_sends(&self) -> ServiceResult<(u64, u64)> {
        let mut total = (0, 0);
        for channel in Channel::ALL {
            let mut tx = self.store.begin_write().await?;
            let note = if channel.is_text() { UNKNOWN_OUTCOME_NOTE } else { UNKNOWN_EMAIL_OUTCOME_NOTE };
            let counts = store::sending::recover_stale_leases(&mut tx, channel, self.clock.unix_now(), note).await?;
            tx.commit().await?;
            if counts.1 > 0 {
                tracing::warn!(unknown = counts.1, channel = channel.noun(), "messages interrupted while being handed to the provider were not sent again");
            }
            total = (total.0 + counts.0, total.1 + counts.1);
        }
        Ok(total)
    }

    /// When the next queued text or email is due, to sleep until then.
    pub async fn next_text_due(&self) -> ServiceResult<Option<OdDateTime>> {
        let mut conn = self.store.pool().acquire().await?;
        let mut soonest = None;
        for channel in Channel::ALL {
            if let Some(at) = store::sending::next_due(&mut conn, channel).await? {
                soonest = Some(soonest.map_or(at, |s: OdDateTime| s.min(at)));
            }
        }
        Ok(soonest)
    }
}
