//! The local outbox page: the texts and emails the outbox providers kept, newest first.

use super::{ServiceError, ServiceResult, Services};
use crate::store;
use app::view::outbox::{OUTBOX_PAGE_SIZE, OutboxMessage, OutboxPage};
use std::collections::HashMap;

/// The longest reply a patient can try here: one text segment.
const LONGEST_REPLY: usize = 160;

impl Services {
    /// A reply to the outbox text `message_num`, as its patient would send it from their phone:
    /// it goes through the inbound path a provider's webhook uses, and both it and the server's
    /// answer are kept in the outbox. Only while texts go to the outbox.
    pub async fn outbox_reply(&self, message_num: i64, body: &str, allowed: Option<&[i64]>) -> ServiceResult<String> {
        if self.sms.name() != "outbox" {
            return Err(ServiceError::bad_request(
                "Replies can be tried here only while texts go to the local outbox; with an SMS provider, patients reply from their phones.",
            ));
        }
        let body = body.trim();
        if body.is_empty() || body.chars().count() > LONGEST_REPLY {
            return Err(ServiceError::bad_request(format!("Type a reply of 1 to {LONGEST_REPLY} characters, such as YES.")));
        }
        let unknown = || ServiceError::not_found(format!("Outbox message {message_num} does not exist."));
        let texted = {
            let mut conn = self.store.pool().acquire().await?;
            store::sending::outbox_message(&mut conn, message_num).await?
        }
        // Another clinic's message is as unknown as one that never existed; an email has no phone.
        .filter(|m| !m.is_email() && allowed.is_none_or(|c| c.contains(&m.clinic_num)))
        .ok_or_else(unknown)?;
        let prefs = self.prefs().await?;
        let now = self.clock.now(&prefs);
        let kept = |channel: i64, body: &str| store::sending::OutboxRow {
            message_num: 0,
            asap_comm_num: 0,
            clinic_num: texted.clinic_num,
            channel,
            to_phone: texted.to_phone.clone(),
            to_address: String::new(),
            subject: String::new(),
            body: body.to_string(),
            body_html: String::new(),
            link: String::new(),
            sent_at: now,
        };
        {
            let mut tx = self.store.begin_write().await?;
            store::sending::insert_outbox_message(&mut tx, &kept(store::sending::OutboxRow::FROM_PATIENT, body)).await?;
            tx.commit().await?;
        }
        let answer = self.incoming_text(&texted.to_phone, body).await?;
        match answer {
            Some(text) => {
                let mut tx = self.store.begin_write().await?;
                store::sending::insert_outbox_message(&mut tx, &kept(store::sending::OutboxRow::ANSWER_TEXT, &text)).await?;
                tx.commit().await?;
                Ok(format!("The server texted back: {text}"))
            }
            None => Ok("Recorded; nothing is texted back (a carrier confirms STOP and START itself, and other words get no answer).".into()),
        }
    }

    pub async fn outbox(&self, before: Option<i64>, allowed: Option<&[i64]>) -> ServiceResult<OutboxPage> {
        let mut conn = self.store.pool().acquire().await?;
        let mut rows = store::sending::outbox_messages(&mut conn, allowed, before, OUTBOX_PAGE_SIZE + 1).await?;
        let older = (rows.len() as i64 > OUTBOX_PAGE_SIZE).then(|| {
            rows.truncate(OUTBOX_PAGE_SIZE as usize);
            rows.last().map_or(0, |r| r.message_num)
        });
        let comm_nums: Vec<i64> = rows.iter().map(|r| r.asap_comm_num).collect();
        let names = store::opening::winner_names(&mut conn, &comm_nums).await?;
        let clinics: HashMap<i64, String> =
            store::office::clinics(&mut conn).await?.into_iter().map(|c| (c.clinic_num, if c.abbr.is_empty() { c.description } else { c.abbr })).collect();
        Ok(OutboxPage {
            messages: rows
                .into_iter()
                .map(|r| OutboxMessage {
                    message_num: r.message_num,
                    asap_comm_num: r.asap_comm_num,
                    sent_at: r.sent_at,
                    patient: names.get(&r.asap_comm_num).cloned().unwrap_or_default(),
                    to_phone: if r.is_email() { r.to_address.clone() } else { r.to_phone.clone() },
                    clinic: clinics.get(&r.clinic_num).cloned().unwrap_or_default(),
                    email_subject: r.is_email().then(|| r.subject.clone()),
                    from_patient: r.channel == store::sending::OutboxRow::FROM_PATIENT,
                    body: r.body,
                    link: r.link,
                })
                .collect(),
            older,
            provider: self.sms.name().to_string(),
            email_provider: self.email.name().to_string(),
        })
    }
}
