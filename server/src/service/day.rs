//! The slot picker's day: each operatory's provider time, what occupies it and what is free,
//! from the same occupancy rules as `/appointments/Slots`; and the ASAP list beside it.

use super::{OfferRequest, OfferTarget, ServiceError, ServiceResult, Services};
use crate::store;
use app::view::day::{ASAP_LIST_PAGE_SIZE, AsapListPage, AsapListQuery, Candidate, CandidateKey, DayBoard, DayQuery, GridItem, ItemKind, OfferOutcome, OpColumn, OpeningSummary, PickerOffer};
use app::domain::Span;
use app::domain::asap_list::{CandidateKind, asap_order_key, date_words};
use app::domain::length::{appointment_minutes, recall_minutes};
use app::domain::offer::{TextingFacts, fkey_type_for_appointment, recall_orig, texting_decision};
use app::domain::params::{date_param, key_number};
use app::domain::slots::{open_slots, round_up_to_increment};

use app::domain::SendWindow;
use app::domain::channels::{EmailFacts, details_for_each_mode, emailing_decision, messages_today};
use app::model::{AptStatus, FKeyType, OdDateTime, OdTime, OfficeIdentity, Operatory, SchedType};
use std::collections::HashMap;

/// The longest name search the ASAP list takes; no patient's name is longer.
const MAX_NAME_SEARCH: usize = 100;

/// Whether a caller limited to `allowed` clinics may see clinic `n`, and whether it exists
/// (0 is the practice without clinics).
fn check_clinic(clinics: &[app::model::Clinic], allowed: Option<&[i64]>, n: i64) -> ServiceResult<()> {
    if allowed.is_some_and(|a| !a.contains(&n)) {
        return Err(ServiceError::Forbidden(format!(
            "Your account does not have access to clinic {n}. Pick one from the list."
        )));
    }
    if n != 0 && !clinics.iter().any(|c| c.clinic_num == n) {
        return Err(ServiceError::not_found(format!("Clinic {n} does not exist. Pick one from the list.")));
    }
    Ok(())
}

/// The grid shows at least these hours, widened to whatever is scheduled.
const GRID_FIRST_HOUR: i64 = 7;
const GRID_LAST_HOUR: i64 = 18;

impl Services {
    /// One clinic's day. `allowed` limits the clinics (a user's clinic restriction).
    pub async fn day(&self, q: &DayQuery, allowed: Option<&[i64]>) -> ServiceResult<DayBoard> {
        let mut conn = self.store.pool().acquire().await?;
        let prefs = store::office::preferences(&mut conn).await?;
        let now = self.clock.now(&prefs);
        let today = now.date();
        let clinics: Vec<_> =
            store::office::clinics(&mut conn).await?.into_iter().filter(|c| allowed.is_none_or(|a| a.contains(&c.clinic_num))).collect();
        let clinic_num = match q.clinic.as_deref() {
            Some(raw) => {
                let n = key_number("clinic", raw).map_err(ServiceError::BadRequest)?;
                check_clinic(&clinics, allowed, n)?;
                n
            }
            None => clinics.first().map_or(0, |c| c.clinic_num),
        };
        let date = match q.date.as_deref() {
            Some(raw) => date_param("date", raw).map_err(ServiceError::BadRequest)?,
            None => today,
        };

        let ops: Vec<Operatory> = store::office::operatories(&mut conn, Some(clinic_num))
            .await?
            .into_iter()
            .filter(|o| !o.is_hidden.0)
            .collect();
        let occupancy = self.occupancy(&mut conn, &ops, date, date).await?;
        let not_before = round_up_to_increment(now, prefs.appointment_time_increment);
        let free = open_slots(&occupancy.provider_time, &occupancy.occupied, 1, not_before);

        let pat_nums: Vec<i64> = occupancy.appointments.iter().map(|a| a.pat_num).collect();
        let names = store::board::patients_by_num(&mut conn, &pat_nums).await?;
        let openings: Vec<i64> = occupancy
            .blockouts
            .iter()
            .filter(|(s, _, _)| s.sched_type == SchedType::WebSchedASAP)
            .map(|(s, _, _)| s.schedule_num)
            .collect();
        let offer_counts = store::board::offer_counts(&mut conn, &openings).await?;
        let providers: HashMap<i64, String> =
            store::office::providers(&mut conn).await?.into_iter().map(|p| (p.prov_num, p.abbr)).collect();

        let mut grid_start = date.start().plus_minutes(GRID_FIRST_HOUR * 60);
        let mut grid_end = date.start().plus_minutes(GRID_LAST_HOUR * 60);
        let mut columns: Vec<OpColumn> = ops
            .iter()
            .map(|op| OpColumn {
                op: op.clone(),
                providers: String::new(),
                provider_time: Vec::new(),
                free: free
                    .iter()
                    .filter(|s| s.op_num == op.operatory_num)
                    .map(|s| Span::new(s.date_time_start, s.date_time_end))
                    .collect(),
                items: Vec::new(),
            })
            .collect();
        let column = |columns: &mut Vec<OpColumn>, op: i64| columns.iter().position(|c| c.op.operatory_num == op);

        for pt in &occupancy.provider_time {
            grid_start = grid_start.min(pt.span.start);
            grid_end = grid_end.max(pt.span.end);
            if let Some(i) = column(&mut columns, pt.op_num) {
                columns[i].provider_time.push(pt.span);
                let abbr = providers.get(&pt.prov_num).cloned().unwrap_or_else(|| format!("Prov {}", pt.prov_num));
                if !columns[i].providers.split(", ").any(|p| p == abbr) {
                    if !columns[i].providers.is_empty() {
                        columns[i].providers.push_str(", ");
                    }
                    columns[i].providers.push_str(&abbr);
                }
            }
        }
        let types: HashMap<i64, String> =
            store::office::blockout_types(&mut conn).await?.into_iter().map(|d| (d.def_num, d.item_name)).collect();
        for (block, op, blocking) in &occupancy.blockouts {
            let span = Span::new(
                OdDateTime::from_parts(block.sched_date, block.start_time),
                OdDateTime::from_parts(block.sched_date, block.stop_time),
            );
            let Some(i) = column(&mut columns, *op) else { continue };
            let item = if block.sched_type == SchedType::WebSchedASAP && !offer_counts.contains_key(&block.schedule_num) {
                // Open Dental's own Web Sched ASAP blockout (it keeps them indefinitely), with no
                // opening here: shown for what it is, informational as in Open Dental.
                GridItem {
                    kind: ItemKind::Blockout,
                    span,
                    label: "Open Dental ASAP blockout".into(),
                    detail: "from Open Dental; appointments allowed".into(),
                    offers: 0,
                }
            } else if block.sched_type == SchedType::WebSchedASAP {
                let offers = offer_counts.get(&block.schedule_num).copied().unwrap_or(0);
                GridItem {
                    kind: ItemKind::Opening,
                    span,
                    label: "ASAP opening".into(),
                    detail: app::domain::slots::offers_made_text(offers),
                    offers,
                }
            } else {
                let name = types.get(&block.blockout_type).cloned().unwrap_or_else(|| "Blockout".into());
                GridItem {
                    kind: if *blocking { ItemKind::BlockingBlockout } else { ItemKind::Blockout },
                    span,
                    label: name,
                    detail: if *blocking { "no appointments".into() } else { "appointments allowed".into() },
                    offers: 0,
                }
            };
            columns[i].items.push(item);
        }
        for apt in &occupancy.appointments {
            if apt.apt_date_time.date() != date {
                continue;
            }
            let Some(i) = column(&mut columns, apt.op) else { continue };
            let minutes = appointment_minutes(&apt.pattern);
            let name = names
                .get(&apt.pat_num)
                .map(|p| format!("{}, {}", p.l_name, p.f_name))
                .unwrap_or_else(|| format!("Patient {}", apt.pat_num));
            columns[i].items.push(GridItem {
                kind: ItemKind::Appointment,
                span: Span::starting_at(apt.apt_date_time, minutes),
                label: name,
                detail: format!("{} · {minutes} min", apt.apt_status),
                offers: 0,
            });
        }
        for c in &mut columns {
            c.items.sort_by_key(|i| (i.span.start, i.kind as u8));
        }

        let asap_list =
            self.asap_list_page_from(&mut conn, &AsapListQuery { clinic: clinic_num, ..Default::default() }, &prefs).await?;
        let op_nums: Vec<i64> = ops.iter().map(|o| o.operatory_num).collect();
        let day_openings = store::opening::openings_on_day(&mut conn, &op_nums, date).await?;
        let openings = self.opening_summaries(&mut conn, day_openings).await?;
        let messages = store::templates::for_clinic(&mut conn, clinic_num, &prefs).await?;
        let office = OfficeIdentity::of(clinics.iter().find(|c| c.clinic_num == clinic_num), &prefs);
        Ok(DayBoard {
            clinics,
            clinic_num,
            date,
            today,
            now,
            increment: prefs.appointment_time_increment,
            grid_start,
            grid_end,
            columns,
            asap_list,
            template: messages.message.text,
            email_subject: messages.message.email_subject,
            email_template: messages.message.email_body,
            office_name: office.name,
            office_phone: office.phone,
            link_example: self.link_example(),
            openings,
        })
    }

    /// Openings as the slot picker lists them: counts of their offers and who took them.
    pub async fn opening_summaries(
        &self,
        conn: &mut sqlx::AnyConnection,
        rows: Vec<store::opening::OpeningRow>,
    ) -> ServiceResult<Vec<OpeningSummary>> {
        let nums: Vec<i64> = rows.iter().map(|o| o.schedule_num).collect();
        let tallies = store::opening::opening_tallies(conn, &nums).await?;
        let winners: Vec<i64> = rows.iter().map(|o| o.winner).collect();
        let names = store::opening::winner_names(conn, &winners).await?;
        let op_names: HashMap<i64, String> =
            store::office::operatories(conn, None).await?.into_iter().map(|o| (o.operatory_num, o.op_name)).collect();
        Ok(rows
            .into_iter()
            .map(|o| {
                let t = tallies.get(&o.schedule_num).cloned().unwrap_or_default();
                OpeningSummary {
                    schedule_num: o.schedule_num,
                    operatory: op_names.get(&o.operatory_num).cloned().unwrap_or_else(|| format!("Operatory {}", o.operatory_num)),
                    span: o.span,
                    state: o.state,
                    offered_at: o.offered_at,
                    offered_by: o.offered_by,
                    offers: t.offers,
                    sent: t.sent,
                    waiting: t.waiting,
                    viewed: t.viewed,
                    declined: t.declined,
                    taken_by: names.get(&o.winner).cloned().filter(|_| o.state == app::model::OpeningState::Filled),
                    closed_at: o.closed_at,
                    closed_by: o.closed_by,
                }
            })
            .collect())
    }

    /// A page of one clinic's ASAP list: the next one, or those matching a name or fitting a time.
    /// `allowed` limits the clinics (a user's clinic restriction).
    pub async fn asap_list_page(&self, q: &AsapListQuery, allowed: Option<&[i64]>) -> ServiceResult<AsapListPage> {
        if q.name.chars().count() > MAX_NAME_SEARCH {
            return Err(ServiceError::BadRequest(format!(
                "name: type at most {MAX_NAME_SEARCH} characters of the patient's name."
            )));
        }
        if let Some(m) = q.fits_minutes.filter(|m| *m < 0) {
            return Err(ServiceError::BadRequest(format!(
                "fits_minutes: {m} is not a number of free minutes; use 0 or more."
            )));
        }
        let mut conn = self.store.pool().acquire().await?;
        let clinics = store::office::clinics(&mut conn).await?;
        check_clinic(&clinics, allowed, q.clinic)?;
        let prefs = store::office::preferences(&mut conn).await?;
        self.asap_list_page_from(&mut conn, q, &prefs).await
    }

    /// The clinic's whole ASAP list in spec order, with what the list shows about each patient.
    pub async fn asap_list(
        &self,
        conn: &mut sqlx::AnyConnection,
        clinic_num: i64,
        prefs: &app::model::Preferences,
    ) -> ServiceResult<Vec<Candidate>> {
        let mut base = asap_list_in_order(conn, clinic_num, prefs).await?;
        let mut list = std::mem::take(&mut base.list);
        self.add_texting_facts(conn, &base, prefs, &mut list).await?;
        Ok(list)
    }

    /// One page of the clinic's ASAP list. Only the page's patients get their texting facts
    /// looked up: those depend on every offer ever made, and a group's list runs to thousands.
    async fn asap_list_page_from(
        &self,
        conn: &mut sqlx::AnyConnection,
        q: &AsapListQuery,
        prefs: &app::model::Preferences,
    ) -> ServiceResult<AsapListPage> {
        let (base, mut page) = if q.name.trim().is_empty() && q.fits_minutes.is_none() {
            // The whole list, a page at a time: the database orders it and reads only the page.
            let (mut base, total) = asap_list_slice(conn, q.clinic, prefs, q.offset, ASAP_LIST_PAGE_SIZE).await?;
            let candidates = std::mem::take(&mut base.list);
            (base, AsapListPage { candidates, offset: q.offset, matching: total, total })
        } else {
            let mut base = asap_list_in_order(conn, q.clinic, prefs).await?;
            let mut list = std::mem::take(&mut base.list);
            if let (Some(free), Some(op_num), Some(start)) = (q.fits_minutes, q.opening_op, q.opening_start) {
                self.put_in_asking_order(conn, &base, &mut list, q, free, op_num, start, prefs).await?;
            }
            let page = AsapListPage::select(list, q);
            (base, page)
        };
        self.add_texting_facts(conn, &base, prefs, &mut page.candidates).await?;
        Ok(page)
    }

    /// Those on the clinic's ASAP list who fit `opening` in operatory `op_num` and whom
    /// `send_mode` can reach, in the asking order for it (the first page of the picker's list
    /// for that time): who the rest of a split opening goes to.
    pub(super) async fn fitting_in_asking_order(
        &self,
        conn: &mut sqlx::AnyConnection,
        clinic: i64,
        op_num: i64,
        opening: app::domain::Span,
        send_mode: app::domain::channels::SendMode,
        prefs: &app::model::Preferences,
    ) -> ServiceResult<Vec<(CandidateKey, i64)>> {
        let q = AsapListQuery {
            clinic,
            name: String::new(),
            fits_minutes: Some(opening.minutes()),
            offset: 0,
            opening_op: Some(op_num),
            opening_start: Some(opening.start),
        };
        let page = self.asap_list_page_from(conn, &q, prefs).await?;
        Ok(page
            .candidates
            .into_iter()
            .filter(|c| c.rank.is_some() && c.send_details.iter().any(|d| d.mode == send_mode && (d.by_text || d.by_email)))
            .map(|c| (c.key, c.pat_num))
            .collect())
    }

    /// Those of `list` who match `q` and fit the opening come first, in the asking order for it,
    /// each with its reasons; the rest keep their places after them.
    #[allow(clippy::too_many_arguments)]
    async fn put_in_asking_order(
        &self,
        conn: &mut sqlx::AnyConnection,
        base: &AsapListBase,
        list: &mut [Candidate],
        q: &AsapListQuery,
        free: i64,
        op_num: i64,
        start: OdDateTime,
        prefs: &app::model::Preferences,
    ) -> ServiceResult<()> {
        use super::asking_order::{Asked, by_rank, ranks};
        use app::domain::asap_list::name_matches;
        use app::domain::slots::fits_opening;
        let op = store::office::operatory(conn, op_num)
            .await?
            .filter(|op| op.clinic_num == q.clinic)
            .ok_or_else(|| ServiceError::bad_request(format!("opening_op: operatory {op_num} is not one of this clinic's.")))?;
        let opening = app::domain::ranking::OpeningFit { start, minutes: free, prov_num: app::domain::ranking::opening_provider(&op) };
        let fitting: Vec<usize> =
            (0..list.len()).filter(|&i| fits_opening(list[i].minutes, free) && name_matches(&list[i].patient, &q.name)).collect();
        let asked = fitting
            .iter()
            .map(|&i| {
                let c = &list[i];
                let kind = *base.kinds.get(&c.key).ok_or_else(|| store::StoreError::Corrupt("a patient on the ASAP list has no kind".into()))?;
                Ok(Asked { pat_num: c.pat_num, kind, original: c.original, minutes: c.minutes, prov_num: c.prov_num })
            })
            .collect::<Result<Vec<Asked>, store::StoreError>>()?;
        let ranked = ranks(conn, &asked, opening, self.clock.now(prefs)).await?;
        if let Some(open) = store::opening::open_opening_starting(conn, op_num, start).await? {
            let offered = store::opening::offered_to(conn, open.schedule_num).await?;
            for &i in &fitting {
                let c = &mut list[i];
                let f_key_type = base.f_key_types.get(&c.key).copied();
                c.offered_this_time = offered
                    .iter()
                    .find(|(k, t, r)| *k == key_num(c.key) && Some(*t) == f_key_type && app::domain::status::rules_out_another_offer(*r))
                    .map(|(_, _, r)| format!("already offered this time: {}", r.label()));
            }
        }
        let mut points: HashMap<CandidateKey, app::domain::ranking::Rank> = HashMap::new();
        for (&i, r) in fitting.iter().zip(ranked) {
            list[i].rank = Some(r.reason_line());
            points.insert(list[i].key, r);
        }
        list.sort_by(|a, b| match (points.get(&a.key), points.get(&b.key)) {
            (Some(x), Some(y)) => by_rank(x, y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        Ok(())
    }

    /// Why a text cannot reach each of `candidates` (None when it can) and when each was last
    /// offered an opening.
    async fn add_texting_facts(
        &self,
        conn: &mut sqlx::AnyConnection,
        base: &AsapListBase,
        prefs: &app::model::Preferences,
        candidates: &mut [Candidate],
    ) -> ServiceResult<()> {
        let mut pat_nums: Vec<i64> = candidates.iter().map(|c| c.pat_num).collect();
        pat_nums.sort_unstable();
        pat_nums.dedup();
        let opt_outs = store::board::opt_outs(conn, &pat_nums).await?;
        let f_keys: Vec<i64> = candidates.iter().map(|c| key_num(c.key)).collect();
        let history = store::board::offer_history(conn, &f_keys).await?;
        let latest = store::board::latest_offers(conn, &f_keys).await?;
        // The patient's own facts, and the texts they have had on the day a text sent now would
        // go out; the lead time depends on the opening and is checked when the offer is made.
        let window = SendWindow::new(prefs.automatic_communication_time_start, prefs.automatic_communication_time_end);
        let now = self.clock.now(prefs);
        let send_day = app::domain::offer::limit_day(now, &window);
        let texts_today = store::board::texts_by_patient_on_day(conn, &pat_nums, send_day).await?;
        let emails_today = store::board::emails_by_patient_on_day(conn, &pat_nums, send_day).await?;
        let midnight = OdTime::new(chrono::NaiveTime::MIN);
        let always = SendWindow::new(midnight, midnight);
        let far = OdDateTime::parse("9999-12-31 00:00:00").unwrap_or_else(|_| OdDateTime::never());
        for c in candidates {
            let Some(p) = base.patients.get(&c.pat_num) else { continue };
            let f_key_type = base.f_key_types.get(&c.key).copied().unwrap_or(FKeyType::Recall);
            let (last_offered, stopped) =
                history.get(&(key_num(c.key), f_key_type)).copied().unwrap_or((OdDateTime::never(), false));
            let (opt_out_sms, opt_out_email) = opt_outs.get(&c.pat_num).copied().unwrap_or((0, 0));
            let facts = TextingFacts {
                wireless_phone: &p.wireless_phone,
                txt_msg_ok: p.txt_msg_ok,
                opt_out_sms,
                declined_stop_before: stopped,
                texts_that_day: texts_today.get(&c.pat_num).copied().unwrap_or(0),
                text_limit: prefs.web_sched_asap_text_limit,
                slot_start: far,
            };
            let email_facts = EmailFacts {
                email: &p.email,
                opt_out_email,
                declined_stop_before: stopped,
                emails_that_day: emails_today.get(&c.pat_num).copied().unwrap_or(0),
                limit: prefs.web_sched_asap_text_limit,
                slot_start: far,
            };
            let text = texting_decision(&facts, far.plus_minutes(-24 * 60), &always);
            let email = emailing_decision(&email_facts, far.plus_minutes(-24 * 60), &always);
            c.send_details = details_for_each_mode(p.prefer_contact_method, &text, &email, &p.wireless_phone, &p.email);
            c.not_textable = text.err().map(|why| match why {
                // Said for the day the text would go, not the far-off day the check used.
                app::domain::offer::NotTextable::DailyLimit { limit, .. } => {
                    app::domain::offer::NotTextable::DailyLimit { limit, day: send_day }.note()
                }
                other => other.note(),
            });
            c.messages_today = messages_today(
                texts_today.get(&c.pat_num).copied().unwrap_or(0),
                emails_today.get(&c.pat_num).copied().unwrap_or(0),
                prefs.web_sched_asap_text_limit,
            );
            c.last_offered = last_offered;
            if let Some(kind) = base.kinds.get(&c.key) {
                c.date_words = date_words(*kind, c.original, now);
            }
            c.last_offer = latest.get(&(key_num(c.key), f_key_type)).map(|(entry, slot, response)| {
                use app::domain::datetext::{short_day, time_text, when};
                match slot.known() {
                    Some(at) => format!("offered {} for {} {}: {}", when(*entry), short_day(at.date()), time_text(at), response.label()),
                    None => format!("offered {}: {}", when(*entry), response.label()),
                }
            });
        }
        Ok(())
    }

    /// The slot picker's Send: the same offer as `POST /asapcomms`, to several patients at once.
    pub async fn offer_from_picker(&self, offer: PickerOffer, caller: &app::view::access::Caller) -> ServiceResult<OfferOutcome> {
        let PickerOffer { op, start, end, mut recipients, send_mode, message } = offer;
        let mut seen = std::collections::HashSet::new();
        recipients.retain(|k| seen.insert(*k));
        let chosen = recipients.len();
        let targets = recipients
            .into_iter()
            .map(|k| match k {
                CandidateKey::Appointment(n) => OfferTarget::Appointment(n),
                CandidateKey::Recall(n) => OfferTarget::Recall(n),
            })
            .collect();
        let by = super::Actor::staff(caller);
        let offers = self
            .offer(OfferRequest {
                op,
                date_time_start: start,
                date_time_end: end,
                targets,
                by,
                clinics: caller.clinics.clone(),
                send_mode,
                message,
            })
            .await?;
        let schedule_num = offers.first().map_or(0, |c| c.schedule_num);
        let unreached = offers.iter().filter(|o| o.response_status == app::model::ResponseStatus::UnableToSend).count();
        let first_message_at = if offers.is_empty() {
            None
        } else {
            let mut conn = self.store.pool().acquire().await?;
            store::opening::opening(&mut conn, schedule_num).await?.and_then(|o| o.first_message.known())
        };
        let already_offered = chosen.saturating_sub(offers.len());
        Ok(OfferOutcome { schedule_num, offers, first_message_at, unreached, already_offered })
    }
}

/// The ASAP list in spec order with who each one is, before the texting facts are added (their
/// `not_textable` is None and `last_offered` never until `add_texting_facts`).
struct AsapListBase {
    list: Vec<Candidate>,
    f_key_types: HashMap<CandidateKey, FKeyType>,
    kinds: HashMap<CandidateKey, CandidateKind>,
    patients: HashMap<i64, app::model::Patient>,
}

/// The clinic's whole ASAP list, in order: the same reads as a page, without the bounds.
async fn asap_list_in_order(
    conn: &mut sqlx::AnyConnection,
    clinic_num: i64,
    prefs: &app::model::Preferences,
) -> ServiceResult<AsapListBase> {
    let apts = store::book::asap_appointments_in_order(conn, clinic_num, 0, i64::MAX).await?;
    let recalls = store::office::asap_recalls_in_order(conn, clinic_num, 0, i64::MAX).await?;
    listed(conn, prefs, apts, recalls).await
}

/// `count` entries of the clinic's ASAP list from `offset` on, in order, read straight from the
/// database's ordering (appointments come before recalls, so the slice spans the two), and how
/// many the whole list has.
async fn asap_list_slice(
    conn: &mut sqlx::AnyConnection,
    clinic_num: i64,
    prefs: &app::model::Preferences,
    offset: usize,
    count: usize,
) -> ServiceResult<(AsapListBase, usize)> {
    let apt_total = store::book::asap_appointment_count(conn, clinic_num).await?.max(0) as usize;
    let recall_total = store::office::asap_recall_count(conn, clinic_num).await?.max(0) as usize;
    let apts = if offset < apt_total {
        store::book::asap_appointments_in_order(conn, clinic_num, offset as i64, count.min(apt_total - offset) as i64).await?
    } else {
        Vec::new()
    };
    let recalls_wanted = count - apts.len();
    let recalls = if recalls_wanted > 0 {
        store::office::asap_recalls_in_order(conn, clinic_num, offset.saturating_sub(apt_total) as i64, recalls_wanted as i64).await?
    } else {
        Vec::new()
    };
    Ok((listed(conn, prefs, apts, recalls).await?, apt_total + recall_total))
}

/// These appointments and recalls (already the clinic's, as the store reads them) as the ASAP
/// list shows them, in the list's order.
async fn listed(
    conn: &mut sqlx::AnyConnection,
    prefs: &app::model::Preferences,
    apts: Vec<app::model::Appointment>,
    recalls: Vec<app::model::Recall>,
) -> ServiceResult<AsapListBase> {
    let recall_types: HashMap<i64, app::model::RecallType> =
        store::office::recall_types(conn).await?.into_iter().map(|t| (t.recall_type_num, t)).collect();
    let mut pat_nums: Vec<i64> = apts.iter().map(|a| a.pat_num).chain(recalls.iter().map(|r| r.pat_num)).collect();
    pat_nums.sort_unstable();
    pat_nums.dedup();
    let patients = store::board::patients_by_num(conn, &pat_nums).await?;

    let mut list: Vec<(Candidate, CandidateKind)> = Vec::new();
    let mut f_key_types = HashMap::new();
    let providers: HashMap<i64, app::model::Provider> =
        store::office::providers(conn).await?.into_iter().map(|p| (p.prov_num, p)).collect();
    let mut push = |key: CandidateKey, f_key_type: FKeyType, kind: CandidateKind, pat_num: i64, minutes: i64, original: OdDateTime, provider: Option<&app::model::Provider>| {
        let Some(p) = patients.get(&pat_num) else { return };
        f_key_types.insert(key, f_key_type);
        list.push((
            Candidate {
                key,
                pat_num,
                patient: format!("{}, {}", p.l_name, p.f_name),
                f_name: p.f_name.clone(),
                kind: kind_label(kind).into(),
                minutes,
                original,
                date_words: String::new(),
                provider: provider.map(|p| provider_name(p)).unwrap_or_default(),
                not_textable: None,
                send_details: Vec::new(),
                last_offered: OdDateTime::never(),
                last_offer: None,
                messages_today: None,
                prov_num: provider.map_or(0, |p| p.prov_num),
                rank: None,
                offered_this_time: None,
            },
            kind,
        ));
    };
    for a in &apts {
        push(
            CandidateKey::Appointment(a.apt_num),
            fkey_type_for_appointment(a.apt_status),
            CandidateKind::Appointment(a.apt_status),
            a.pat_num,
            appointment_minutes(&a.pattern),
            a.apt_date_time,
            providers.get(&a.prov_num),
        );
    }
    for r in &recalls {
        let minutes = recall_types
            .get(&r.recall_type_num)
            .map_or(0, |t| recall_minutes(&t.time_pattern, prefs.appointment_time_increment));
        push(CandidateKey::Recall(r.recall_num), FKeyType::Recall, CandidateKind::Recall, r.pat_num, minutes, recall_orig(r.date_due), None);
    }
    list.sort_by_key(|(c, kind)| asap_order_key(*kind, c.original, key_num(c.key)));
    let kinds = list.iter().map(|(c, kind)| (c.key, *kind)).collect();
    Ok(AsapListBase { list: list.into_iter().map(|(c, _)| c).collect(), f_key_types, kinds, patients })
}

/// A provider as the front desk says it: their name, else their abbreviation.
fn provider_name(p: &app::model::Provider) -> String {
    let name = format!("{} {}", p.f_name.trim(), p.l_name.trim()).trim().to_string();
    if name.is_empty() { p.abbr.clone() } else { name }
}

fn key_num(k: CandidateKey) -> i64 {
    match k {
        CandidateKey::Appointment(n) | CandidateKey::Recall(n) => n,
    }
}

fn kind_label(kind: CandidateKind) -> &'static str {
    match kind {
        CandidateKind::Appointment(AptStatus::UnschedList) => "Unscheduled",
        CandidateKind::Appointment(AptStatus::Planned) => "Planned",
        CandidateKind::Appointment(AptStatus::Broken) => "Broken",
        CandidateKind::Appointment(_) => "Scheduled",
        CandidateKind::Recall => "Recall",
    }
}

