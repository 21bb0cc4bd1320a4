//! Telling Open Dental what a claim changed here. The claim queues its writes (`odwrite`) in its
//! own transaction; this worker delivers them at least once, and each delivery is idempotent, so
//! a write repeated after a crash or a lost answer changes nothing the second time:
//!
//! - an ASAP appointment moved into an opening: `PUT /appointments/{AptNum}` with its operatory,
//!   time, status and Priority Normal (a PUT sets fields; setting them again is the same);
//! - an appointment made from a recall: first a look for it (`GET /appointments?PatNum&date`, an
//!   appointment of that patient in that operatory at that time is the one an earlier attempt
//!   made), and only when there is none, `POST /appointments`; the local appointment then takes
//!   Open Dental's AptNum;
//! - the recall off the ASAP list: `PUT /recalls/{RecallNum}` with Priority Normal.
//!
//! Open Dental's API has no route that creates a blockout other than `POST /asapcomms` (which has
//! Open Dental text the patient itself) and none that deletes one, so openings stay this
//! server's; the claim re-reads the operatory's day from Open Dental before it books instead.
//!
//! A write Open Dental refuses for good (the appointment was deleted there, say) is not tried
//! again: the offer gets a Note the history shows, and the audit trail records it. Anything else
//! (Open Dental down, slow, busy) is tried again later, with growing pauses.

use super::claim::ClaimTarget;
use super::{Actor, ServiceResult, Services};
use crate::opendental::wire::{self, OdAppointment};
use crate::opendental::{OdError, OpenDental};
use crate::store::answers::PatientOfferRow;
use crate::store::opendental::{self, NewWrite, WriteRow, kind};
use crate::store::{WriteTx, answers};
use app::model::{OdDateTime, Operatory};
use app::view::access::actions;
use serde_json::json;

/// Writes delivered per round at most.
const BATCH: usize = 20;

/// One write of a claim, before it is queued.
struct Queued {
    kind: &'static str,
    apt_num: i64,
    recall_num: i64,
    body: String,
}

/// What one round did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WritebackRound {
    pub delivered: usize,
    pub refused: usize,
    pub later: usize,
}

/// Queues what Open Dental must hear of a claim, in the claim's transaction.
pub(super) async fn queue_claim(
    tx: &mut WriteTx,
    services: &Services,
    offer: &PatientOfferRow,
    op: &Operatory,
    target: &ClaimTarget,
    apt_num: i64,
    start: OdDateTime,
) -> ServiceResult<()> {
    let now = services.clock.unix_now();
    let at = start.to_string();
    let write = |kind, apt_num, recall_num, body: serde_json::Value| Queued { kind, apt_num, recall_num, body: body.to_string() };
    let writes = match (&target.apt, target.recall_num) {
        (Some(apt), _) => vec![write(
            kind::MOVE_APPOINTMENT,
            apt.apt_num,
            0,
            json!({"Op": op.operatory_num, "AptDateTime": at, "AptStatus": "Scheduled", "Priority": "Normal", "ClinicNum": op.clinic_num}),
        )],
        (None, recall) => {
            let prov_num = if op.is_hygiene.0 && op.prov_hygienist != 0 { op.prov_hygienist } else { op.prov_dentist };
            let mut writes = vec![write(
                kind::MAKE_APPOINTMENT,
                apt_num,
                recall.unwrap_or(0),
                json!({
                    "PatNum": target.pat_num, "Op": op.operatory_num, "AptDateTime": at, "Pattern": target.pattern.as_str(),
                    "ProvNum": prov_num, "ClinicNum": op.clinic_num, "AptStatus": "Scheduled", "Priority": "Normal",
                }),
            )];
            if let Some(recall_num) = recall {
                writes.push(write(kind::RECALL_PRIORITY, 0, recall_num, json!({"Priority": "Normal"})));
            }
            writes
        }
    };
    for w in &writes {
        let row = NewWrite {
            kind: w.kind,
            apt_num: w.apt_num,
            recall_num: w.recall_num,
            asap_comm_num: offer.asap_comm_num,
            clinic_num: op.clinic_num,
            body: &w.body,
            now,
        };
        opendental::queue_write(tx, &row).await?;
    }
    Ok(())
}

/// Queues Open Dental's copy of an appointment the patient put on the ASAP list from their page.
pub(super) async fn queue_asap_priority(tx: &mut WriteTx, services: &Services, apt_num: i64, asap_comm_num: i64, clinic_num: i64) -> ServiceResult<()> {
    let body = json!({"Priority": "ASAP"}).to_string();
    let row = NewWrite {
        kind: kind::APPOINTMENT_PRIORITY,
        apt_num,
        recall_num: 0,
        asap_comm_num,
        clinic_num,
        body: &body,
        now: services.clock.unix_now(),
    };
    opendental::queue_write(tx, &row).await?;
    Ok(())
}

/// Delivers the writes that are due, oldest first (the writes of one claim go in order); safe
/// to run in several processes at once. Each write is leased on its own, for as long as its
/// delivery may take, and its outcome recorded only under that lease.
pub async fn deliver_due(services: &Services) -> ServiceResult<WritebackRound> {
    let mut round = WritebackRound::default();
    let Some(od) = services.opendental.clone() else { return Ok(round) };
    for _ in 0..BATCH {
        let now = services.clock.unix_now();
        let lease = now + services.sync.write_lease.as_secs() as i64;
        let leased = {
            let mut tx = services.store.begin_write().await?;
            let nums = opendental::lease_due_writes(&mut tx, services.store.backend(), now, lease, 1).await?;
            tx.commit().await?;
            nums
        };
        if leased.is_empty() {
            break;
        }
        for num in leased {
            match deliver_one(services, &od, num, lease).await? {
                Delivery::Done => round.delivered += 1,
                Delivery::Refused => round.refused += 1,
                Delivery::Later => round.later += 1,
            }
        }
    }
    Ok(round)
}

enum Delivery {
    Done,
    Refused,
    Later,
}

/// Only Open Dental answering that the appointment or recall a write changes does not exist is
/// final. Anything else may pass: Open Dental answers 400 also when the office's eConnector is
/// down, and 401 when the key was disabled for a while; those writes wait, and the badge shows
/// why. (A create is never final: it is looked for again first.)
fn is_final(e: &OdError, kind: &str) -> bool {
    matches!(e, OdError::NotFound { .. }) && kind != kind::MAKE_APPOINTMENT
}

async fn deliver_one(services: &Services, od: &OpenDental, num: i64, lease: i64) -> ServiceResult<Delivery> {
    let w = {
        let mut conn = services.store.pool().acquire().await?;
        let Some(w) = opendental::write(&mut conn, num).await? else { return Ok(Delivery::Later) };
        if w.state != opendental::WRITE_WAITING {
            return Ok(Delivery::Later);
        }
        if opendental::earlier_waiting(&mut conn, &w).await? {
            drop(conn);
            let mut tx = services.store.begin_write().await?;
            opendental::retry_write(&mut tx, num, lease, services.clock.unix_now() + 5, "waiting for an earlier write of the same claim").await?;
            tx.commit().await?;
            return Ok(Delivery::Later);
        }
        w
    };
    let outcome = send(od, &w).await;
    let now = services.clock.unix_now();
    let mut tx = services.store.begin_write().await?;
    let delivery = match outcome {
        Ok(od_apt_num) => {
            if opendental::finish_write(&mut tx, num, lease, now).await? {
                if let Some(od_num) = od_apt_num {
                    opendental::adopt_appointment_key(&mut tx, w.apt_num, od_num).await?;
                }
            }
            Delivery::Done
        }
        Err(e) if is_final(&e, &w.kind) => {
            if opendental::refuse_write(&mut tx, num, lease, now, &e.to_string()).await? {
                note_refusal(services, &mut tx, &w, &e).await?;
            }
            tracing::error!(write = num, error = %e, "Open Dental refused a write for a claim made here");
            Delivery::Refused
        }
        Err(e) => {
            // 1, 2, 4 … minutes, at most 30: Open Dental may be back by then.
            let pause = 60 * (1_i64 << (w.attempts - 1).clamp(0, 5)).min(30);
            opendental::retry_write(&mut tx, num, lease, now + pause, &e.to_string()).await?;
            tracing::warn!(write = num, error = %e, "Open Dental did not take a write; trying again later");
            Delivery::Later
        }
    };
    tx.commit().await?;
    Ok(delivery)
}

/// Delivers one write; for an appointment made here, answers Open Dental's AptNum for it.
async fn send(od: &OpenDental, w: &WriteRow) -> Result<Option<i64>, OdError> {
    let body: serde_json::Value = serde_json::from_str(&w.body)
        .map_err(|e| OdError::Unreadable { url: "the queued write".into(), reason: e.to_string() })?;
    match w.kind.as_str() {
        kind::MOVE_APPOINTMENT | kind::APPOINTMENT_PRIORITY => {
            od.put(&format!("/appointments/{}", w.apt_num), &body).await?;
            Ok(None)
        }
        kind::RECALL_PRIORITY => {
            od.put(&format!("/recalls/{}", w.recall_num), &body).await?;
            Ok(None)
        }
        kind::MAKE_APPOINTMENT => {
            if let Some(found) = made_before(od, &body).await? {
                return Ok(Some(found));
            }
            // Sent once: if the answer is lost, the next attempt looks for the appointment first
            // instead of sending the create again.
            let answer = od.post_once("/appointments", &body).await?;
            // The created appointment comes back whole; its AptNum is also the location's end.
            let from_body = serde_json::from_slice::<OdAppointment>(&answer.body).ok().map(|a| a.apt_num);
            let from_location =
                answer.location.as_deref().and_then(|l| l.trim_end_matches('/').rsplit('/').next().and_then(|n| n.parse().ok()));
            from_body.or(from_location).map(Some).ok_or_else(|| OdError::Unreadable {
                url: "/appointments".into(),
                reason: "the new appointment's AptNum is in neither the answer nor its location".into(),
            })
        }
        other => Err(OdError::Refused {
            method: "write".into(),
            url: other.to_string(),
            status: 0,
            message: "this server does not know how to send it".into(),
        }),
    }
}

/// The appointment an earlier attempt made, if it did: the patient's appointment in that
/// operatory at that time.
async fn made_before(od: &OpenDental, body: &serde_json::Value) -> Result<Option<i64>, OdError> {
    let (Some(pat), Some(op), Some(at)) = (body["PatNum"].as_i64(), body["Op"].as_i64(), body["AptDateTime"].as_str()) else {
        return Ok(None);
    };
    let day = at.get(..10).unwrap_or_default().to_string();
    let answer = od.get("/appointments", &[("PatNum", pat.to_string()), ("date", day)]).await?;
    let (rows, _) = wire::rows::<OdAppointment>(&answer.body).map_err(|reason| OdError::Unreadable { url: "/appointments".into(), reason })?;
    Ok(rows.into_iter().find(|a| a.op == op && a.apt_date_time.to_string() == at).map(|a| a.apt_num))
}

/// The offer the refused write came from says so, and the audit trail records it.
async fn note_refusal(services: &Services, tx: &mut WriteTx, w: &WriteRow, e: &OdError) -> ServiceResult<()> {
    let note = match w.kind.as_str() {
        kind::RECALL_PRIORITY => format!(
            "Open Dental could not take recall {} off its ASAP list (it has no such recall). Check the recall there.",
            w.recall_num
        ),
        kind::APPOINTMENT_PRIORITY => format!(
            "The patient asked to hear of earlier openings for appointment {}, but Open Dental has no such appointment. \
             Put it on the ASAP list there by hand.",
            w.apt_num
        ),
        _ => format!(
            "Open Dental did not take this booking (the appointment is no longer in Open Dental). Book it there by hand and let the patient know."
        ),
    };
    let reason = e.to_string();
    if w.asap_comm_num != 0 {
        answers::append_note(tx, w.asap_comm_num, &note).await?;
    }
    let detail = format!("AsapComm {}, {} (write {}): {reason}", w.asap_comm_num, w.kind, w.write_num);
    let actor = Actor { user_num: 0, name: "Open Dental write-back".into() };
    services.audit_in(tx, &actor, actions::OPEN_DENTAL_REFUSED, &detail, w.clinic_num).await?;
    Ok(())
}
