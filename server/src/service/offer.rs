//! Offering an opening: one Web Sched ASAP blockout and one AsapComm per patient, all in one
//! transaction that holds the operatory's lock from the conflict check to the insert.

use super::{Actor, ServiceError, ServiceResult, Services, new_short_guid};
use app::view::access::actions;
use crate::store::table;
use crate::store;
use crate::store::asapcomm::NewAsapCommRow;
use crate::store::WriteTx;
use app::domain::length::{appointment_minutes, recall_minutes};
use app::domain::occupancy::{blocks_scheduling, occupies_time};
use app::domain::asap_list::{CandidateKind, asap_order_key};
use app::domain::channels::{EmailFacts, NotEmailable, SendMode, emailing_decision, plan_channels};
use app::domain::offer::{
    NotTextable, TextingFacts, expiry, fkey_type_for_appointment, limit_day, recall_orig, texting_decision,
};
use app::domain::waves::{PlannedSend, plan_send, waiting_note};
use app::domain::datetext::time_text;
use app::domain::slots::opening_span;
use app::domain::status::rules_out_another_offer;
use app::domain::template::{check_message, fill_slot_tags};
use app::view::day::OfferMessage;
use app::domain::{SendWindow, Span};
use app::model::{
    AsapComm, Definition, FKeyType, OdDateTime, Operatory, Preferences, Priority, ResponseStatus, SchedType, SmsSendStatus,
};
use sqlx::AnyConnection;

/// Who the opening is offered to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferTarget {
    Appointment(i64),
    Recall(i64),
}

/// One opening in one operatory, offered to one or more ASAP patients.
#[derive(Clone, Debug)]
pub struct OfferRequest {
    pub op: i64,
    /// As sent by the client; parsed here so every caller gets the same message.
    pub date_time_start: String,
    pub targets: Vec<OfferTarget>,
    /// Who offered it: a staff user, or an API key.
    pub by: Actor,
    /// The clinics the caller may offer in; None for every clinic.
    pub clinics: Option<Vec<i64>>,
    /// Text for the API (Open Dental's POST /asapcomms texts); staff choose in the picker.
    pub send_mode: SendMode,
    /// The opening's end as staff chose it; None: as long as the longest visit offered.
    pub date_time_end: Option<String>,
    /// The message staff edited for this send; None: the clinic's templates.
    pub message: Option<OfferMessage>,
}

/// What is being moved, resolved from the database.
pub(super) struct Candidate {
    f_key: i64,
    f_key_type: FKeyType,
    kind: CandidateKind,
    pub(super) pat_num: i64,
    pub(super) minutes: i64,
    date_time_orig: OdDateTime,
    /// The ASAP appointment itself never blocks its own new time.
    apt_num: Option<i64>,
    label: String,
    /// The appointment's provider; 0 for a recall.
    prov_num: i64,
}

impl Services {
    /// The one path for `POST /asapcomms` and the slot picker's Send. An offer for the same
    /// operatory and start as an opening already offered joins it (one blockout, more offers,
    /// later waves) when it fits; otherwise a new opening is placed.
    pub async fn offer(&self, req: OfferRequest) -> ServiceResult<Vec<AsapComm>> {
        if req.targets.is_empty() {
            return Err(ServiceError::bad_request("Choose at least one patient to offer the opening to."));
        }
        let start = OdDateTime::parse(req.date_time_start.trim()).map_err(|_| {
            ServiceError::bad_request(format!(
                "dateTimeStart is not a valid date and time: '{}'. Use yyyy-MM-dd HH:mm:ss.",
                req.date_time_start
            ))
        })?;
        let end = match req.date_time_end.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(OdDateTime::parse(raw).map_err(|_| {
                ServiceError::bad_request(format!("end is not a valid date and time: '{raw}'. Use yyyy-MM-dd HH:mm:ss."))
            })?),
        };
        if let Some(m) = &req.message {
            check_message(&m.text, &m.email_subject, &m.email_body, req.send_mode.may_email())
                .map_err(|p| ServiceError::bad_request(p.to_string()))?;
        }

        // The office's settings, the operatory and the clinic's messages change rarely and are
        // not what the write guards (the book, the patients' limits and opt-outs are). Reading
        // them first keeps them out of the write turn, which every writer queues for.
        let setting = {
            let mut conn = self.store.pool().acquire().await?;
            let setting = OfferSetting::read(&mut conn, req.op, req.message.as_ref()).await?;
            if req.clinics.as_ref().is_some_and(|c| !c.contains(&setting.op.clinic_num)) {
                return Err(ServiceError::Forbidden(format!(
                    "Operatory {} is in clinic {}, which you do not have access to.",
                    setting.op.operatory_num, setting.op.clinic_num
                )));
            }
            setting
        };
        let (prefs, op) = (&setting.prefs, &setting.op);

        let mut tx = self.store.begin_write().await?;
        let now = self.clock.now(prefs);
        self.store.lock_operatory(&mut tx, op.operatory_num).await?;
        if start < now {
            return Err(ServiceError::bad_request(format!(
                "dateTimeStart {start} is in the past (it is now {now} at the office). Choose a later time."
            )));
        }

        let mut candidates = Vec::with_capacity(req.targets.len());
        for target in &req.targets {
            candidates.push(candidate(&mut tx, *target, prefs).await?);
        }
        let placing = Placing { start, end, send_mode: req.send_mode, offered_by: &req.by.name, parent: 0 };
        let Placed { schedule_num, span: opening_span, joined, created } = self.place_offers(&mut tx, &setting, &placing, candidates, now).await?;
        let detail = format!(
            "opening {schedule_num}: {} {}–{} in {} to {} {}",
            start.date(),
            time_text(opening_span.start),
            time_text(opening_span.end),
            op.op_name,
            created.len(),
            if created.len() == 1 { "patient" } else { "patients" }
        );
        self.audit_in(&mut tx, &req.by, actions::OFFER, &detail, op.clinic_num).await?;
        tx.commit().await?;
        self.sender_wake.notify_one();
        tracing::info!(schedule_num, offers = created.len(), op = op.operatory_num, joined, "opening offered");
        crate::telemetry::opening_offered(!joined, op.clinic_num, created.len());
        Ok(created)
    }
}

/// What an offer reads before its write turn: the office's settings, the operatory, the clinic's
/// name and messages, and the blockout types. They change rarely and are not what the write
/// guards.
pub(super) struct OfferSetting {
    pub(super) prefs: Preferences,
    pub(super) op: Operatory,
    pub(super) office: app::model::OfficeIdentity,
    pub(super) templates: OfferMessage,
    pub(super) blockout_types: Vec<Definition>,
}

impl OfferSetting {
    /// `message`: the one staff edited for this send; None for the clinic's templates.
    pub(super) async fn read(conn: &mut AnyConnection, op_num: i64, message: Option<&OfferMessage>) -> ServiceResult<OfferSetting> {
        let prefs = store::office::preferences(conn).await?;
        let op = Self::operatory(conn, op_num).await?;
        let templates = match message {
            Some(m) => m.clone(),
            None => store::templates::for_clinic(conn, op.clinic_num, &prefs).await?.message,
        };
        Self::with(conn, prefs, op, templates).await
    }

    /// From the settings and the messages a caller has read already.
    pub(super) async fn read_with(conn: &mut AnyConnection, prefs: Preferences, op_num: i64, templates: OfferMessage) -> ServiceResult<OfferSetting> {
        let op = Self::operatory(conn, op_num).await?;
        Self::with(conn, prefs, op, templates).await
    }

    async fn operatory(conn: &mut AnyConnection, op_num: i64) -> ServiceResult<Operatory> {
        store::office::operatory(conn, op_num).await?.ok_or_else(|| ServiceError::not_found(format!("Operatory {op_num} does not exist.")))
    }

    async fn with(conn: &mut AnyConnection, prefs: Preferences, op: Operatory, templates: OfferMessage) -> ServiceResult<OfferSetting> {
        let office = store::office::identity(conn, op.clinic_num, &prefs).await?;
        let blockout_types = store::office::blockout_types(conn).await?;
        Ok(OfferSetting { prefs, op, office, templates, blockout_types })
    }
}

/// The opening to place, or join, and how.
pub(super) struct Placing<'a> {
    pub(super) start: OdDateTime,
    /// None: as long as the longest visit offered.
    pub(super) end: Option<OdDateTime>,
    pub(super) send_mode: SendMode,
    pub(super) offered_by: &'a str,
    /// The opening this is the rest of; 0 for none.
    pub(super) parent: i64,
}

/// What `place_offers` did.
pub(super) struct Placed {
    pub(super) schedule_num: i64,
    pub(super) span: Span,
    /// The offers joined an opening already offered for that time.
    pub(super) joined: bool,
    pub(super) created: Vec<AsapComm>,
}

impl Services {
    /// Places the opening (or joins the one already offered for that start) and one offer per
    /// candidate, queued in waves in the asking order, in the caller's transaction, which holds
    /// the operatory's lock. A conflict (the time is not free) is refused before anything is
    /// written.
    pub(super) async fn place_offers(
        &self,
        tx: &mut WriteTx,
        setting: &OfferSetting,
        placing: &Placing<'_>,
        mut candidates: Vec<Candidate>,
        now: OdDateTime,
    ) -> ServiceResult<Placed> {
        let (prefs, op, start, end) = (&setting.prefs, &setting.op, placing.start, placing.end);
        // The first wave goes to the best-placed patients: ASAP list order.
        candidates.sort_by_key(|c| asap_order_key(c.kind, c.date_time_orig, c.f_key));
        candidates.dedup_by(|a, b| a.f_key == b.f_key && a.f_key_type == b.f_key_type);
        // Always in key order, so two offers to overlapping patients cannot deadlock.
        let mut patients: Vec<i64> = candidates.iter().map(|c| c.pat_num).collect();
        patients.sort_unstable();
        patients.dedup();
        for pat_num in patients {
            self.store.lock_patient(tx, pat_num).await?;
        }
        let longest_visit = candidates.iter().map(|c| c.minutes).max().unwrap_or(0);
        let span = opening_span(start, end, longest_visit).map_err(|p| ServiceError::bad_request(p.to_string()))?;
        let own_apts: Vec<i64> = candidates.iter().filter_map(|c| c.apt_num).collect();
        if let Some(blocker) = first_blocker(tx, op, span, &own_apts, &setting.blockout_types).await? {
            return Err(ServiceError::Conflict(format!(
                "{} {}–{} in {} is not free: {blocker}. Choose another time or operatory.",
                start.date(),
                time_text(span.start),
                time_text(span.end),
                op.op_name
            )));
        }

        let joined = store::opening::open_opening_starting(tx, op.operatory_num, start)
            .await?
            .filter(|o| o.span.end >= span.end);
        // An appointment or recall already offered this opening (and not turned down or left
        // unreached) is not offered it again: that would text the patient twice about one time.
        if let Some(o) = &joined {
            let offered = store::opening::offered_to(tx, o.schedule_num).await?;
            let chosen = candidates.len();
            candidates.retain(|c| !offered.iter().any(|(k, t, r)| *k == c.f_key && *t == c.f_key_type && rules_out_another_offer(*r)));
            if candidates.is_empty() {
                let who = if chosen == 1 { "This patient already has" } else { "Everyone chosen already has" };
                return Err(ServiceError::Conflict(format!(
                    "{who} an offer for this opening ({} {} in {}), waiting for an answer or turned down; nobody is offered it twice.",
                    start.date(),
                    time_text(start),
                    op.op_name
                )));
            }
        }
        // Texts already queued for the opening come first; new ones continue their waves.
        let (schedule_num, opening_span, queued_before, first_text) = match &joined {
            Some(o) => {
                (o.schedule_num, o.span, o.queued_offers.max(0) as usize, o.first_message.known())
            }
            None => {
                let schedule_num = store::book::insert_schedule(
                    tx,
                    &store::book::NewSchedule {
                        sched_date: start.date(),
                        start_time: span.start.time(),
                        stop_time: span.end.time(),
                        sched_type: SchedType::WebSchedASAP,
                        prov_num: 0,
                        blockout_type: 0,
                        note: "Web Sched ASAP",
                        operatories: &[op.operatory_num],
                    },
                )
                .await?;
                store::opening::insert_opening(
                    tx,
                    &store::opening::NewOpening {
                        schedule_num,
                        operatory_num: op.operatory_num,
                        clinic_num: op.clinic_num,
                        span,
                        offered_at: now,
                        offered_by: placing.offered_by,
                        parent: placing.parent,
                        send_mode: placing.send_mode,
                    },
                )
                .await?;
                (schedule_num, span, 0, None)
            }
        };

        let (office_name, office_phone) = (&setting.office.name, &setting.office.phone);
        let template_text = fill_slot_tags(&setting.templates.text, start, office_name, office_phone);
        let window = SendWindow::new(prefs.automatic_communication_time_start, prefs.automatic_communication_time_end);
        let elapsed = self.clock.elapsed(prefs);

        let email_subject = fill_slot_tags(&setting.templates.email_subject, start, office_name, office_phone);
        let email_body = fill_slot_tags(&setting.templates.email_body, start, office_name, office_phone);

        // Waves go out in the asking order for this opening (the list's order breaks ties).
        if candidates.len() > 1 && self.ranked_waves {
            use super::asking_order::{Asked, by_rank, ranks};
            let asked: Vec<Asked> = candidates
                .iter()
                .map(|c| Asked { pat_num: c.pat_num, kind: c.kind, original: c.date_time_orig, minutes: c.minutes, prov_num: c.prov_num })
                .collect();
            let fit = app::domain::ranking::OpeningFit {
                start,
                minutes: opening_span.start.minutes_until(opening_span.end),
                prov_num: app::domain::ranking::opening_provider(op),
            };
            let ranked = ranks(tx, &asked, fit, now).await?;
            let mut order: Vec<(Candidate, app::domain::ranking::Rank)> = candidates.into_iter().zip(ranked).collect();
            order.sort_by(|(_, a), (_, b)| by_rank(a, b));
            candidates = order.into_iter().map(|(c, _)| c).collect();
        }

        let mut created = Vec::with_capacity(candidates.len());
        let mut reachable = queued_before;
        // What these offers add to the opening's waves: how many were queued, the first when.
        let mut queued_now = 0;
        let mut first_due_now: Option<OdDateTime> = None;
        for c in &candidates {
            let patient = store::office::patient(tx, c.pat_num).await?.ok_or_else(|| {
                ServiceError::not_found(format!("Patient {} of {} does not exist.", c.pat_num, c.label))
            })?;
            let opt_outs = store::office::opt_outs(tx, c.pat_num).await?;
            let limits = store::asapcomm::offer_limits(tx, c.pat_num, c.f_key, c.f_key_type, limit_day(now, &window), placing.send_mode != SendMode::Text)
                .await?;
            let facts = TextingFacts {
                wireless_phone: &patient.wireless_phone,
                txt_msg_ok: patient.txt_msg_ok,
                opt_out_sms: opt_outs.opt_out_sms,
                declined_stop_before: limits.declined_stop_before,
                texts_that_day: limits.texts_that_day,
                text_limit: prefs.web_sched_asap_text_limit,
                slot_start: start,
            };
            let text = texting_decision(&facts, now, &window);
            // A text-only send (the API's) reads nothing of email.
            let email = if placing.send_mode == SendMode::Text {
                Err(NotEmailable::NoAddress)
            } else {
                let facts = EmailFacts {
                    email: &patient.email,
                    opt_out_email: opt_outs.opt_out_email,
                    declined_stop_before: limits.declined_stop_before,
                    emails_that_day: limits.emails_that_day,
                    limit: prefs.web_sched_asap_text_limit,
                    slot_start: start,
                };
                emailing_decision(&facts, now, &window)
            };
            let plan = plan_channels(placing.send_mode, patient.prefer_contact_method, text, email);

            // The patient's wave, whichever channel reaches them: the first wave goes to the
            // best-placed patients, by text or by email.
            let earliest = [plan.text.clone().and_then(Result::ok), plan.email.clone().and_then(Result::ok)].into_iter().flatten().min();
            let mut wave = 0;
            let mut planned = None;
            if let Some(send_at) = earliest {
                wave = self.waves.wave_of(reachable);
                reachable += 1;
                let first = first_text.unwrap_or(send_at);
                planned = Some(match plan_send(first, start, wave, &self.waves, &window, &elapsed) {
                    // A later wave of an opening offered a while ago goes now, not in the past.
                    PlannedSend::At { at, .. } => Ok(at),
                    PlannedSend::TooLate { at } => Err(at),
                });
            }
            let queue = |decision: Option<Result<OdDateTime, String>>, too_soon: &dyn Fn(OdDateTime) -> String| match decision {
                None => Queued::NotByThisMode,
                Some(Err(note)) => Queued::Unable(note),
                Some(Ok(send_at)) => match planned {
                    Some(Ok(at)) => {
                        let at = at.max(send_at);
                        Queued::At(at, waiting_note_if_outside(at, now, &window))
                    }
                    Some(Err(at)) => Queued::Unable(too_soon(at)),
                    // Not reached: a channel that may send makes `planned`.
                    None => Queued::Unable(too_soon(send_at)),
                },
            };
            let text_queued = queue(
                plan.text.map(|r| r.map_err(|why| why.note())),
                &|at| NotTextable::TooSoon { send_at: at }.note(),
            );
            let email_queued = queue(
                plan.email.map(|r| r.map_err(|why| why.note())),
                &|at| NotEmailable::TooSoon { send_at: at }.note(),
            );
            let due = match (&text_queued, &email_queued) {
                (Queued::At(at, _), _) | (_, Queued::At(at, _)) => Some(*at),
                _ => None,
            };
            if let Some(at) = due {
                queued_now += 1;
                first_due_now = Some(first_due_now.map_or(at, |f| f.min(at)));
            }
            let (sms_send_status, scheduled) = match &text_queued {
                Queued::At(at, _) => (SmsSendStatus::SendNotAttempted, *at),
                _ => (SmsSendStatus::DoNotSend, OdDateTime::never()),
            };
            let response_status = if text_queued.is_queued() || email_queued.is_queued() {
                ResponseStatus::AwaitingTransmit
            } else {
                ResponseStatus::UnableToSend
            };
            let note = offer_note(&text_queued, &email_queued);
            let mut comm = AsapComm {
                asap_comm_num: 0,
                f_key: c.f_key,
                f_key_type: c.f_key_type,
                schedule_num,
                pat_num: c.pat_num,
                clinic_num: op.clinic_num,
                date_time_entry: now,
                date_time_expire: expiry(start),
                date_time_sms_scheduled: scheduled,
                sms_send_status,
                date_time_sms_sent: OdDateTime::never(),
                response_status,
                date_time_orig: c.date_time_orig,
                template_text: template_text.clone(),
                note,
            };
            let row = NewAsapCommRow {
                comm: comm.clone(),
                short_guid: new_short_guid(),
                operatory_num: op.operatory_num,
                slot_start: opening_span.start,
                slot_stop: opening_span.end,
                wave,
                own_opening: 1,
            };
            comm.asap_comm_num = table::insert(tx, &row).await?;
            match &email_queued {
                Queued::NotByThisMode => {}
                Queued::At(at, note) => {
                    store::asapcomm::insert_email(tx, comm.asap_comm_num, &email_subject, &email_body, SmsSendStatus::SendNotAttempted, *at, note).await?
                }
                Queued::Unable(note) => {
                    store::asapcomm::insert_email(tx, comm.asap_comm_num, &email_subject, &email_body, SmsSendStatus::DoNotSend, OdDateTime::never(), note)
                        .await?
                }
            }
            created.push(comm);
        }
        if let Some(first_due) = first_due_now {
            store::opening::add_to_waves(tx, schedule_num, first_due, queued_now).await?;
        }
        Ok(Placed { schedule_num, span: opening_span, joined: joined.is_some(), created })
    }
}

/// The Note on a text that waits: only when it waits for the texting hours, since waves a few
/// minutes apart need no explanation.
/// What one channel does with one offer.
enum Queued {
    /// The send mode does not use this channel for this patient.
    NotByThisMode,
    /// It cannot reach the patient: the Note says why.
    Unable(String),
    /// Queued for this moment, with a Note when it waits for the messaging hours.
    At(OdDateTime, String),
}

impl Queued {
    fn is_queued(&self) -> bool {
        matches!(self, Queued::At(..))
    }
}

/// The offer's Note: the text's, as Open Dental writes it; when an email goes instead, the
/// reason there is no text and when the email goes; when nothing goes, every reason.
fn offer_note(text: &Queued, email: &Queued) -> String {
    match (text, email) {
        (Queued::At(_, note), _) => note.clone(),
        (Queued::Unable(why), Queued::At(_, waiting)) => join_notes(&[why, "Sending by email instead.", waiting]),
        (Queued::NotByThisMode, Queued::At(_, waiting)) => waiting.clone(),
        (Queued::Unable(why), Queued::Unable(email_why)) => join_notes(&[why, email_why]),
        (Queued::Unable(why), Queued::NotByThisMode) => why.clone(),
        (Queued::NotByThisMode, Queued::Unable(email_why)) => email_why.clone(),
        (Queued::NotByThisMode, Queued::NotByThisMode) => String::new(),
    }
}

fn join_notes(parts: &[&str]) -> String {
    parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(" ")
}

fn waiting_note_if_outside(at: OdDateTime, now: OdDateTime, window: &SendWindow) -> String {
    if window.allows(now) && at.date() == now.date() && window.allows(at) {
        String::new()
    } else {
        waiting_note(at, window)
    }
}

pub(super) async fn candidate(conn: &mut AnyConnection, target: OfferTarget, prefs: &Preferences) -> ServiceResult<Candidate> {
    match target {
        OfferTarget::Appointment(num) => {
            let apt = store::book::appointment(conn, num)
                .await?
                .ok_or_else(|| ServiceError::not_found(format!("Appointment {num} does not exist.")))?;
            if apt.priority != Priority::ASAP {
                return Err(ServiceError::bad_request(format!(
                    "Appointment {num} is not on the ASAP list (its Priority is {}, not ASAP).",
                    apt.priority
                )));
            }
            let minutes = appointment_minutes(&apt.pattern);
            if minutes == 0 {
                return Err(ServiceError::bad_request(format!(
                    "Appointment {num} has no time pattern, so the opening's length is unknown."
                )));
            }
            Ok(Candidate {
                f_key: num,
                f_key_type: fkey_type_for_appointment(apt.apt_status),
                kind: CandidateKind::Appointment(apt.apt_status),
                pat_num: apt.pat_num,
                minutes,
                date_time_orig: apt.apt_date_time,
                apt_num: Some(num),
                label: format!("appointment {num}"),
                prov_num: apt.prov_num,
            })
        }
        OfferTarget::Recall(num) => {
            let recall = store::office::recall(conn, num)
                .await?
                .ok_or_else(|| ServiceError::not_found(format!("Recall {num} does not exist.")))?;
            if recall.priority != Priority::ASAP {
                return Err(ServiceError::bad_request(format!(
                    "Recall {num} is not on the ASAP list (its Priority is {}, not ASAP).",
                    recall.priority
                )));
            }
            let recall_type = store::office::recall_type(conn, recall.recall_type_num).await?.ok_or_else(|| {
                ServiceError::not_found(format!(
                    "Recall type {} of recall {num} does not exist.",
                    recall.recall_type_num
                ))
            })?;
            let minutes = recall_minutes(&recall_type.time_pattern, prefs.appointment_time_increment);
            if minutes == 0 {
                return Err(ServiceError::bad_request(format!(
                    "Recall type '{}' has no time pattern, so the opening's length is unknown.",
                    recall_type.description
                )));
            }
            Ok(Candidate {
                f_key: num,
                f_key_type: FKeyType::Recall,
                kind: CandidateKind::Recall,
                pat_num: recall.pat_num,
                minutes,
                date_time_orig: recall_orig(recall.date_due),
                apt_num: None,
                label: format!("recall {num}"),
                prov_num: 0,
            })
        }
    }
}

/// The first thing in the operatory that overlaps `span`, described for the person who asked.
pub(super) async fn first_blocker(
    conn: &mut AnyConnection,
    op: &Operatory,
    span: Span,
    own_apts: &[i64],
    blockout_types: &[Definition],
) -> ServiceResult<Option<String>> {
    // Appointments never run longer than a day, so starting the search a day early catches
    // one that began before the opening and is still going.
    let from = span.start.date().add_days(-1).start();
    let apts = store::book::appointments_in_operatories(conn, &[op.operatory_num], from, span.end).await?;
    for apt in apts {
        if !occupies_time(apt.apt_status) || own_apts.contains(&apt.apt_num) {
            continue;
        }
        let taken = Span::starting_at(apt.apt_date_time, appointment_minutes(&apt.pattern));
        if taken.overlaps(&span) {
            return Ok(Some(format!(
                "appointment {} ({} {}–{}) is there",
                apt.apt_num,
                apt.apt_status,
                time_text(taken.start),
                time_text(taken.end)
            )));
        }
    }
    // Only blockouts linked to this operatory that day: Web Sched ASAP openings never block,
    // and there can be many of them on a busy day.
    let filter = store::book::ScheduleFilter {
        date_start: span.start.date(),
        date_end: span.start.date(),
        sched_type: Some(SchedType::Blockout),
        blockout_def_num: None,
        prov_num: None,
        operatory_num: Some(op.operatory_num),
        offset: 0,
        limit: i64::MAX,
    };
    for block in store::book::schedules(conn, &filter).await? {
        let Some(def) = blockout_types.iter().find(|d| d.def_num == block.blockout_type) else { continue };
        if !blocks_scheduling(&def.item_value) {
            continue;
        }
        let taken = Span::new(
            OdDateTime::from_parts(block.sched_date, block.start_time),
            OdDateTime::from_parts(block.sched_date, block.stop_time),
        );
        if taken.overlaps(&span) {
            return Ok(Some(format!(
                "the '{}' blockout ({}–{}) does not allow appointments",
                def.item_name,
                time_text(taken.start),
                time_text(taken.end)
            )));
        }
    }
    Ok(None)
}
