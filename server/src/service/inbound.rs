//! What the SMS provider tells us: delivery reports, and texts patients send back (STOP, START,
//! HELP, and YES or a number to book).

use super::{ServiceResult, Services};
use crate::sms::{Keyword, keyword};
use crate::store::table;
use crate::store;
use app::domain::template::phone_text;
use app::domain::answer::PatientAnswer;
use app::domain::confirmation::LinkFrom;
use app::domain::reply::{
    ReplyOutcome, ReplyPlan, ReplyWord, WaitingOffer, list_text, not_on_list_text, nothing_waiting_text, outcome_text, plan_reply,
};
use app::model::{CommOptOut, WirelessPhone};
use app::view::patient::PatientPage;

/// A numbered list answers replies for a day; after that a number is read afresh.
const LIST_LASTS_MINUTES: i64 = 24 * 60;

/// What a booking reply came to.
enum Booking {
    /// The reply to text back.
    Replied(String),
    /// Nothing waits for this number's answer; the reply that says so.
    NothingWaiting(String),
}

impl Services {
    /// Applies a delivery report forward only; repeats and reports out of order change nothing.
    /// Returns the AsapCommNum it moved, if any.
    pub async fn delivery_report(&self, message_id: &str, status: &str, error_code: &str) -> ServiceResult<Option<i64>> {
        let delivered = match status {
            "delivered" | "read" => true,
            "undelivered" | "failed" => false,
            // queued, accepted, sending, sent: nothing to record yet.
            _ => return Ok(None),
        };
        let prefs = self.prefs().await?;
        let now = self.clock.now(&prefs);
        let note = if error_code.trim().is_empty() {
            "The carrier could not deliver the text.".to_string()
        } else {
            format!("The carrier could not deliver the text (error {}).", error_code.trim())
        };
        let mut tx = self.store.begin_write().await?;
        let changed = store::sending::apply_delivery_report(&mut tx, message_id, delivered, now, &note).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// A text from a patient's phone. STOP writes their SMS opt-out, START removes it, HELP
    /// answers with the office's name and phone; YES (or a number) books an offer waiting for
    /// this number's answer (`reply_booking`). Returns the reply to text back, if any.
    pub async fn incoming_text(&self, from: &str, body: &str) -> ServiceResult<Option<String>> {
        let Some(word) = keyword(body) else { return Ok(None) };
        let Some(from) = WirelessPhone::parse(from) else { return Ok(None) };
        let word = match word {
            Keyword::Yes | Keyword::Number(_) => match self.reply_booking(&from, word).await? {
                Booking::Replied(text) => return Ok(Some(text)),
                // YES with nothing waiting is what carriers read it as: texts again.
                Booking::NothingWaiting(text) if word == Keyword::Yes => {
                    self.incoming_keyword(&from, Keyword::Start).await?;
                    return Ok(Some(text));
                }
                Booking::NothingWaiting(text) => return Ok(Some(text)),
            },
            other => other,
        };
        self.incoming_keyword(&from, word).await
    }

    /// A booking reply: YES or a number, planned by `plan_reply` from the offers waiting for
    /// this number's answer and the list last texted to it. A claim goes through the link's own
    /// path (`claim::answer`), so a reply and a tap race under the same rules.
    async fn reply_booking(&self, from: &WirelessPhone, word: Keyword) -> ServiceResult<Booking> {
        let reply_word = match word {
            Keyword::Number(n) => ReplyWord::Number(n),
            _ => ReplyWord::Yes,
        };
        let phone = from.e164();
        let prefs = self.prefs().await?;
        let now = self.clock.now(&prefs);
        let mut conn = self.store.pool().acquire().await?;
        let patients = store::board::patients_with_phone(&mut conn, phone).await?;
        let pat_nums: Vec<i64> = patients.iter().map(|p| p.pat_num).collect();
        let rows = store::answers::offers_waiting_by_text(&mut conn, &pat_nums, now).await?;
        let listed = store::answers::reply_list(&mut conn, phone, now.plus_minutes(-LIST_LASTS_MINUTES)).await?;
        let waiting: Vec<WaitingOffer> =
            rows.iter().map(|o| WaitingOffer { asap_comm_num: o.asap_comm_num, start: o.span.start, minutes: o.span.minutes() }).collect();
        let clinic = rows.first().map(|o| o.clinic_num).or_else(|| patients.first().map(|p| p.clinic_num)).unwrap_or(0);
        let office = store::office::identity(&mut conn, clinic, &prefs).await?;
        let office_phone = phone_text(&office.phone);
        match plan_reply(reply_word, &waiting, &listed) {
            ReplyPlan::Claim(num) => {
                let Some(offer) = store::answers::offer_by_num(&mut conn, num).await? else {
                    return Ok(Booking::Replied(outcome_text(&ReplyOutcome::Gone, &office.name, &office_phone)));
                };
                drop(conn);
                let office = {
                    let mut conn = self.store.pool().acquire().await?;
                    store::office::identity(&mut conn, offer.clinic_num, &prefs).await?
                };
                let page = super::claim::answer(self, &offer.short_guid, PatientAnswer::Accept, LinkFrom::Reply).await?;
                let outcome = match page {
                    PatientPage::Booked { opening, .. } => ReplyOutcome::Booked { start: opening.start, minutes: opening.minutes },
                    PatientPage::Taken { .. } => ReplyOutcome::Taken,
                    PatientPage::Moved { opening, .. } => ReplyOutcome::AlreadyMoved { start: opening.start },
                    _ => ReplyOutcome::Gone,
                };
                tracing::info!(asap_comm_num = num, booked = matches!(outcome, ReplyOutcome::Booked { .. }), "booking reply answered");
                Ok(Booking::Replied(outcome_text(&outcome, &office.name, &phone_text(&office.phone))))
            }
            ReplyPlan::List(nums) => {
                drop(conn);
                let mut tx = self.store.begin_write().await?;
                store::answers::remember_reply_list(&mut tx, phone, &nums, now).await?;
                tx.commit().await?;
                let shown: Vec<&WaitingOffer> = nums.iter().filter_map(|n| waiting.iter().find(|o| o.asap_comm_num == *n)).collect();
                Ok(Booking::Replied(list_text(&office.name, &shown)))
            }
            ReplyPlan::NotOnList { listed } => Ok(Booking::Replied(not_on_list_text(listed))),
            ReplyPlan::NothingWaiting => Ok(Booking::NothingWaiting(nothing_waiting_text(&office.name, &office_phone))),
        }
    }

    /// STOP, START and HELP.
    async fn incoming_keyword(&self, from: &WirelessPhone, word: Keyword) -> ServiceResult<Option<String>> {
        let mut tx = self.store.begin_write().await?;
        let prefs = store::office::preferences(&mut tx).await?;
        let patients = store::board::patients_with_phone(&mut tx, from.e164()).await?;
        let reply = match word {
            Keyword::Stop => {
                for p in &patients {
                    let mut opt_outs = store::office::opt_outs(&mut tx, p.pat_num).await?;
                    opt_outs.opt_out_sms |= CommOptOut::ALL;
                    table::upsert(&mut tx, &opt_outs).await?;
                }
                if !patients.is_empty() {
                    tracing::info!(patients = patients.len(), "SMS opt-out recorded from a STOP reply");
                }
                None
            }
            Keyword::Start => {
                for p in &patients {
                    // Texts again; an email opt-out is the patient's own choice and stays.
                    let opt_outs = store::office::opt_outs(&mut tx, p.pat_num).await?;
                    table::upsert(&mut tx, &CommOptOut { opt_out_sms: 0, ..opt_outs }).await?;
                }
                None
            }
            Keyword::Help => {
                // The clinic the patient belongs to, or the practice.
                let office = store::office::identity(&mut tx, patients.first().map_or(0, |p| p.clinic_num), &prefs).await?;
                Some(format!(
                    "{}: texts about earlier appointment openings. Reply YES to book one, or tap its link. Call {} for help. \
                     Reply STOP to stop these texts.",
                    office.name,
                    phone_text(&office.phone)
                ))
            }
            // Read by `incoming_text` before it comes here.
            Keyword::Yes | Keyword::Number(_) => None,
        };
        tx.commit().await?;
        Ok(reply)
    }
}
