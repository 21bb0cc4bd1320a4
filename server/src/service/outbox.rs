//! The local outbox page: the texts and emails the outbox providers kept, newest first.

use super::{ServiceResult, Services};
use crate::store;
use app::view::outbox::{OUTBOX_PAGE_SIZE, OutboxMessage, OutboxPage};
use std::collections::HashMap;

impl Services {
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
