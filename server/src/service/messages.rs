//! ASAP Message Setup: administrators set the text and email each clinic sends (or the whole
//! office's), and whether a booking is confirmed. Every change is checked as a send is, and audited.

use super::access::require_admin;
use super::{Actor, ServiceError, ServiceResult, Services};
use crate::store;
use crate::store::templates::{Source, WHOLE_OFFICE};
use app::domain::template::check_message;
use app::model::OfficeIdentity;
use app::view::access::{Caller, actions};
use app::view::messages::{MessageSetup, MessageSetupChange};

const TO_DO: &str = "change the ASAP messages";

impl Services {
    pub async fn message_setup(&self, caller: &Caller, clinic_num: i64) -> ServiceResult<MessageSetup> {
        require_admin(caller, TO_DO)?;
        let mut conn = self.store.pool().acquire().await?;
        self.message_setup_in(&mut conn, clinic_num).await
    }

    pub async fn save_message_setup(&self, caller: &Caller, change: MessageSetupChange) -> ServiceResult<MessageSetup> {
        require_admin(caller, TO_DO)?;
        let m = &change.message;
        check_message(&m.text, &m.email_subject, &m.email_body, true).map_err(|p| ServiceError::bad_request(p.to_string()))?;
        let mut tx = self.store.begin_write().await?;
        let level = self.level_name(&mut tx, change.clinic_num).await?;
        let switches = store::templates::Switches {
            confirm_booking: change.confirm_booking,
            split_openings: change.split_openings,
            gap_gone_notice: change.gap_gone_notice,
        };
        store::templates::save(&mut tx, change.clinic_num, &change.message, switches).await?;
        let on_off = |on: bool| if on { "on" } else { "off" };
        let detail = format!(
            "{level}: confirmation after booking {}, offering the rest of a split opening {}, telling those texted that a filled opening is gone {}",
            on_off(change.confirm_booking),
            on_off(change.split_openings),
            on_off(change.gap_gone_notice)
        );
        self.audit_in(&mut tx, &Actor::staff(caller), actions::MESSAGES_CHANGED, &detail, change.clinic_num).await?;
        let setup = self.message_setup_in(&mut tx, change.clinic_num).await?;
        tx.commit().await?;
        Ok(setup)
    }

    pub async fn reset_message_setup(&self, caller: &Caller, clinic_num: i64) -> ServiceResult<MessageSetup> {
        require_admin(caller, TO_DO)?;
        let mut tx = self.store.begin_write().await?;
        let level = self.level_name(&mut tx, clinic_num).await?;
        if store::templates::clear(&mut tx, clinic_num).await? > 0 {
            let detail = format!("{level}: own messages removed");
            self.audit_in(&mut tx, &Actor::staff(caller), actions::MESSAGES_CHANGED, &detail, clinic_num).await?;
        }
        let setup = self.message_setup_in(&mut tx, clinic_num).await?;
        tx.commit().await?;
        Ok(setup)
    }

    /// "the whole office", or the clinic's name; an unknown clinic is a 404.
    async fn level_name(&self, conn: &mut sqlx::AnyConnection, clinic_num: i64) -> ServiceResult<String> {
        if clinic_num == WHOLE_OFFICE {
            return Ok("the whole office".into());
        }
        store::office::clinic(conn, clinic_num)
            .await?
            .map(|c| c.description)
            .ok_or_else(|| ServiceError::not_found(format!("Clinic {clinic_num} does not exist. Choose one from the list.")))
    }

    async fn message_setup_in(&self, conn: &mut sqlx::AnyConnection, clinic_num: i64) -> ServiceResult<MessageSetup> {
        self.level_name(conn, clinic_num).await?;
        let prefs = store::office::preferences(conn).await?;
        let resolved = store::templates::for_clinic(conn, clinic_num, &prefs).await?;
        // A level's messages are saved all together, so where the text comes from says whether
        // this level has any of its own.
        let own = match resolved.source {
            Source::Clinic => true,
            Source::WholeOffice => clinic_num == WHOLE_OFFICE,
            Source::Preferences => false,
        };
        let clinics = store::office::clinics(conn).await?;
        let office = OfficeIdentity::of(clinics.iter().find(|c| c.clinic_num == clinic_num), &prefs);
        let source = match resolved.source {
            Source::Clinic => "Set for this clinic here.",
            Source::WholeOffice if clinic_num == WHOLE_OFFICE => "Set for the whole office here.",
            Source::WholeOffice => "The whole office's messages: this clinic has none of its own.",
            Source::Preferences if self.opendental.is_some() => "Open Dental's Web Sched ASAP messages, as synced: nothing is set here.",
            Source::Preferences => "The office's preferences (imported, or the defaults): nothing is set here.",
        };
        Ok(MessageSetup {
            clinics,
            clinic_num,
            message: resolved.message,
            confirm_booking: resolved.confirm_booking,
            split_openings: resolved.split_openings,
            gap_gone_notice: resolved.gap_gone_notice,
            source: source.into(),
            own,
            office_name: office.name,
            office_phone: office.phone,
            link_example: self.link_example(),
            preview_at: self.clock.now(&prefs).date().add_days(1).start().plus_minutes(9 * 60),
        })
    }
}
