//! What the SMS provider tells us: delivery reports, and texts patients send back (STOP, START,
//! HELP).

use super::{ServiceResult, Services};
use crate::sms::{Keyword, keyword};
use crate::store::table;
use crate::store;
use app::domain::template::phone_text;
use app::model::{CommOptOut, WirelessPhone};

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
    /// answers with the office's name and phone. Returns the reply to text back, if any.
    pub async fn incoming_text(&self, from: &str, body: &str) -> ServiceResult<Option<String>> {
        let Some(word) = keyword(body) else { return Ok(None) };
        let Some(from) = WirelessPhone::parse(from) else { return Ok(None) };
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
                    "{}: texts about earlier appointment openings. Call {} for help. Reply STOP to stop these texts.",
                    office.name,
                    phone_text(&office.phone)
                ))
            }
        };
        tx.commit().await?;
        Ok(reply)
    }
}
