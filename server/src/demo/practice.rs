//! The demo practice's office data: clinics, operatories, providers, hundreds of patients,
//! schedules four weeks back and three ahead (weekdays, not holidays), the appointments that fill
//! them, and an ASAP list. Seeded by the date, so two runs on the same day give the same practice.

use super::calendar::{closing_minutes as closing, is_open as is_workday};
use crate::import::ImportData;
use app::model::{
    Appointment, AptStatus, Clinic, CommOptOut, ContactMethod, Definition, OdBool, OdDate, OdDateTime, OdTime, OpList, Operatory,
    Patient, Preferences, Priority, Provider, Recall, RecallType, SchedType, Schedule, TimePattern, TxtMsgOk,
};
use chrono::{Datelike, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const FIRST: &[&str] = &[
    "Lan", "Jordan", "Maria", "Tess", "Piotr", "Aisha", "Ben", "Chloe", "Diego", "Emma", "Farah", "Gabriel", "Hana",
    "Isaac", "Julia", "Kofi", "Leah", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tomás", "Uma",
    "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Dev", "Elena", "Felix", "Grace", "Hugo",
    "Ines", "Jonah", "Kira", "Luca", "Maya", "Nadia", "Oscar", "Paula", "Rafael", "Sofia", "Theo", "Valentina",
    "Will", "Yara", "Ava", "Ethan", "Mia", "Noah", "Olivia", "Liam", "Harper",
];
const LAST: &[&str] = &[
    "Nguyen", "Smith", "Garcia", "Brown", "Kowalski", "Okafor", "Ruiz", "Patel", "Johnson", "Kim", "Martinez",
    "Davis", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez",
    "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen",
    "King", "Wright", "Scott", "Torres", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Roberts", "Chen", "Novak", "Haddad", "Mensah", "Sato", "Fischer", "Rossi",
    "Dubois", "Silva", "Ivanova", "Murphy",
];

const LUNCH: i64 = 301;
const STAFF_MEETING: i64 = 302;
const EMERGENCY_HOLD: i64 = 303;

pub(super) fn dt(date: OdDate, minutes: i64) -> OdDateTime {
    date.start().plus_minutes(minutes)
}

pub(super) fn hm(minutes: i64) -> OdTime {
    OdTime::new(chrono::NaiveTime::from_hms_opt((minutes / 60) as u32, (minutes % 60) as u32, 0).unwrap_or_default())
}


fn phone(rng: &mut StdRng, n: i64) -> String {
    let line = 1000 + (n * 37) % 9000;
    match rng.random_range(0..100) {
        // Most offices have a mobile number for nearly everyone; a few are missing or mistyped.
        0..=31 => format!("(555) 3{:02}-{line:04}", n % 100),
        32..=63 => format!("555-3{:02}-{line:04}", n % 100),
        64..=93 => format!("5553{:02}{line:04}", n % 100),
        94..=96 => String::new(),
        _ => format!("3{:02}-{line:04}", n % 100),
    }
}

/// An email address for most patients (always for those without a mobile number, who are the
/// ones email reaches), and how they prefer to be contacted.
fn contact(rng: &mut StdRng, n: i64, first: &str, last: &str, wireless_phone: &str) -> (String, ContactMethod) {
    let email = format!("{}.{}{}@example.com", first.to_ascii_lowercase(), last.to_ascii_lowercase(), n);
    let email = if wireless_phone.is_empty() || rng.random_range(0..100) < 70 { email } else { String::new() };
    let method = match rng.random_range(0..100) {
        0..=39 => ContactMethod::TextMessage,
        40..=59 => ContactMethod::WirelessPh,
        60..=74 if !email.is_empty() => ContactMethod::Email,
        75..=79 => ContactMethod::DoNotCall,
        _ => ContactMethod::None,
    };
    (email, method)
}

pub fn office(today: OdDate) -> ImportData {
    let mut rng = StdRng::seed_from_u64(u64::from(today.get().num_days_from_ce().unsigned_abs()));
    let mut d = ImportData::default();
    let prefs = Preferences {
        practice_title: "Riverside Family Dental".into(),
        practice_phone: "5550142200".into(),
        automatic_communication_time_start: hm(8 * 60),
        automatic_communication_time_end: hm(21 * 60),
        ..Preferences::default()
    };
    d.preferences = vec![
        ("PracticeTitle".into(), prefs.practice_title.clone()),
        ("PracticePhone".into(), prefs.practice_phone.clone()),
        ("PracticeAddress".into(), "400 River Rd".into()),
        ("PracticeCity".into(), "Salem".into()),
        ("PracticeST".into(), "OR".into()),
        ("PracticeZip".into(), "97301".into()),
        ("AppointmentTimeIncrement".into(), prefs.appointment_time_increment.to_string()),
        ("WebSchedAsapTextTemplate".into(), prefs.web_sched_asap_text_template.clone()),
        ("WebSchedAsapTextLimit".into(), prefs.web_sched_asap_text_limit.to_string()),
        ("AutomaticCommunicationTimeStart".into(), prefs.automatic_communication_time_start.to_string()),
        ("AutomaticCommunicationTimeEnd".into(), prefs.automatic_communication_time_end.to_string()),
    ];

    let clinics = [
        (1, "Downtown", "5550142201", "120 Commercial St NE", "Suite 200"),
        (2, "Northgate", "5550142202", "3850 Portland Rd NE", ""),
        (3, "Lakeside", "5550142203", "4790 Lakeside Dr S", ""),
    ];
    for (num, place, phone, street, suite) in clinics {
        d.clinics.push(Clinic {
            clinic_num: num,
            description: format!("Riverside Family Dental - {place}"),
            abbr: place.into(),
            phone: phone.into(),
            address: street.into(),
            address2: suite.into(),
            city: "Salem".into(),
            state: "OR".into(),
            zip: "97301".into(),
        });
    }
    let staff = [
        (1, "DOC1", "Ana", "Ruiz", false),
        (2, "DOC2", "Marcus", "Bell", false),
        (3, "DOC3", "Priya", "Shah", false),
        (4, "DOC4", "Owen", "Hart", false),
        (5, "HYG1", "Ben", "Okafor", true),
        (6, "HYG2", "Lucia", "Moreno", true),
        (7, "HYG3", "Dana", "Frost", true),
        (8, "HYG4", "Kai", "Tanaka", true),
    ];
    for (num, abbr, f, l, hyg) in staff {
        d.providers.push(Provider {
            prov_num: num,
            abbr: abbr.into(),
            f_name: f.into(),
            l_name: l.into(),
            is_secondary: OdBool(hyg),
            is_hidden: OdBool(false),
        });
    }
    // (OperatoryNum, clinic, name, abbrev, provider, hygiene)
    let ops: [(i64, i64, &str, &str, i64, bool); 12] = [
        (1, 1, "Op 1", "D1", 1, false),
        (2, 1, "Op 2", "D2", 2, false),
        (3, 1, "Op 3", "D3", 1, false),
        (4, 1, "Hyg 1", "H1", 5, true),
        (5, 1, "Hyg 2", "H2", 6, true),
        (6, 2, "Op 1", "N1", 3, false),
        (7, 2, "Op 2", "N2", 3, false),
        (8, 2, "Hyg 1", "NH1", 7, true),
        (9, 3, "Op 1", "L1", 4, false),
        (10, 3, "Op 2", "L2", 4, false),
        (11, 3, "Hyg 1", "LH1", 8, true),
        (12, 3, "Hyg 2", "LH2", 8, true),
    ];
    for (i, (num, clinic, name, abbrev, prov, hyg)) in ops.iter().enumerate() {
        d.operatories.push(Operatory {
            operatory_num: *num,
            op_name: (*name).into(),
            abbrev: (*abbrev).into(),
            item_order: i as i64,
            is_hidden: OdBool(false),
            clinic_num: *clinic,
            prov_dentist: if *hyg { 0 } else { *prov },
            prov_hygienist: if *hyg { *prov } else { 0 },
            is_hygiene: OdBool(*hyg),
            is_web_sched: OdBool(true),
        });
    }
    for (num, name, value, order) in [
        (LUNCH, "Lunch", "NS", 0),
        (STAFF_MEETING, "Staff meeting", "NS", 1),
        (EMERGENCY_HOLD, "Emergency hold", "", 2),
        (304, "New patients only", "", 3),
    ] {
        d.definitions.push(Definition {
            def_num: num,
            category: Definition::BLOCKOUT_CATEGORY,
            item_name: name.into(),
            item_value: value.into(),
            item_order: order,
            is_hidden: OdBool(false),
        });
    }

    // Patients, spread over the clinics.
    for n in 0..420_i64 {
        let clinic = 1 + n % 3;
        let txt = match rng.random_range(0..100) {
            0..=74 => TxtMsgOk::Yes,
            75..=95 => TxtMsgOk::Unknown,
            _ => TxtMsgOk::No,
        };
        let l_name: String = LAST[rng.random_range(0..LAST.len())].into();
        let f_name: String = FIRST[rng.random_range(0..FIRST.len())].into();
        let wireless_phone = phone(&mut rng, n);
        let (email, prefer_contact_method) = contact(&mut rng, n, &f_name, &l_name, &wireless_phone);
        d.patients.push(Patient {
            pat_num: 1000 + n,
            l_name,
            f_name,
            wireless_phone,
            txt_msg_ok: txt,
            clinic_num: clinic,
            email,
            prefer_contact_method,
        });
        let opt_out = |opt_out_sms, opt_out_email| CommOptOut { pat_num: 1000 + n, opt_out_sms, opt_out_email };
        match rng.random_range(0..100) {
            0..=1 => d.commoptouts.push(opt_out(CommOptOut::WEB_SCHED_ASAP, 0)),
            2 => d.commoptouts.push(opt_out(CommOptOut::ALL, 0)),
            3 => d.commoptouts.push(opt_out(0, CommOptOut::ALL)),
            _ => {}
        }
    }
    let patients_of = |clinic: i64| -> Vec<i64> {
        (0..420_i64).filter(|n| 1 + n % 3 == clinic).map(|n| 1000 + n).collect()
    };

    // Schedules and the appointments that fill them, four weeks back and three ahead.
    let mut schedule_num = 10_000;
    let mut apt_num = 100_000;
    let mut future_scheduled: Vec<usize> = Vec::new();
    for offset in -28..=21 {
        let day = today.add_days(offset);
        if !is_workday(day) {
            continue;
        }
        let close = closing(day);
        for clinic in 1..=3 {
            let clinic_ops: Vec<_> = ops.iter().filter(|o| o.1 == clinic).collect();
            let op_nums: Vec<i64> = clinic_ops.iter().map(|o| o.0).collect();
            let has_lunch = close > 13 * 60;
            if has_lunch {
                schedule_num += 1;
                d.schedules.push(blockout(schedule_num, day, 12 * 60, 13 * 60, LUNCH, "Lunch", &op_nums));
            }
            let meeting = clinic == 2 && day.get().weekday() == Weekday::Wed;
            if meeting {
                schedule_num += 1;
                d.schedules.push(blockout(schedule_num, day, 8 * 60, 9 * 60, STAFF_MEETING, "Monthly staff meeting", &op_nums));
            }
            for (op, _, _, _, prov, hyg) in &clinic_ops {
                schedule_num += 1;
                d.schedules.push(Schedule {
                    schedule_num,
                    sched_date: day,
                    start_time: hm(8 * 60),
                    stop_time: hm(close),
                    sched_type: SchedType::Provider,
                    prov_num: *prov,
                    blockout_type: 0,
                    blockout_type_name: String::new(),
                    note: String::new(),
                    operatories: OpList(vec![*op]),
                    employee_num: 0,
                });
                let hold = rng.random_range(0..6) == 0;
                if hold {
                    schedule_num += 1;
                    d.schedules.push(blockout(schedule_num, day, 15 * 60, 15 * 60 + 30, EMERGENCY_HOLD, "Keep for emergencies", &[*op]));
                }
                // Walk the day, booking appointments and leaving the odd opening.
                let mut t = if meeting { 9 * 60 } else { 8 * 60 };
                while t < close {
                    if has_lunch && (12 * 60..13 * 60).contains(&t) {
                        t = 13 * 60;
                        continue;
                    }
                    let len = if *hyg { [40, 50, 60, 60][rng.random_range(0..4)] } else { [30, 40, 50, 60, 80, 90][rng.random_range(0..6)] };
                    let limit = if has_lunch && t < 12 * 60 { 12 * 60 } else { close };
                    if hold && t < 15 * 60 + 30 && t + len > 15 * 60 {
                        t = 15 * 60 + 30;
                        continue;
                    }
                    if t + len > limit {
                        t = limit;
                        continue;
                    }
                    // Upcoming days have the cancellations the ASAP list exists for.
                    let gap = rng.random_range(0..100) < if offset >= 0 { 28 } else { 8 };
                    if gap {
                        t += [30, 60, 90, 120][rng.random_range(0..4)];
                        continue;
                    }
                    let pool = patients_of(clinic);
                    apt_num += 1;
                    let status = if offset < 0 { AptStatus::Complete } else { AptStatus::Scheduled };
                    d.appointments.push(Appointment {
                        apt_num,
                        pat_num: pool[rng.random_range(0..pool.len())],
                        apt_status: status,
                        pattern: pattern_for(len),
                        op: *op,
                        prov_num: *prov,
                        apt_date_time: dt(day, t),
                        clinic_num: clinic,
                        priority: Priority::Normal,
                        next_apt_num: 0,
                    });
                    if offset >= 7 {
                        future_scheduled.push(d.appointments.len() - 1);
                    }
                    t += len;
                }
            }
        }
    }
    // Patients with a booking weeks away who would come sooner.
    for (k, idx) in future_scheduled.iter().enumerate() {
        if k % 9 == 0 {
            d.appointments[*idx].priority = Priority::ASAP;
        }
    }
    // The rest of the ASAP list: unscheduled, broken and planned appointments. Enough that four
    // weeks of filled openings still leave a list to offer from. One each per patient: two
    // entries alike for one patient read as a mistake on the list.
    let mut on_list = std::collections::HashSet::new();
    for k in 0..150_i64 {
        let clinic = 1 + k % 3;
        let pool = patients_of(clinic);
        let clinic_ops: Vec<_> = ops.iter().filter(|o| o.1 == clinic).collect();
        let (op, _, _, _, prov, hyg) = clinic_ops[rng.random_range(0..clinic_ops.len())];
        let len = if *hyg { 60 } else { [30, 40, 60, 90][rng.random_range(0..4)] };
        let (status, when, op_num) = match k % 9 {
            0..=3 => (AptStatus::UnschedList, dt(today.add_days(-rng.random_range(10..70)), 9 * 60 + 60 * (k % 7)), *op),
            // Broken before the weeks the demo schedules, each on its own day: a broken
            // appointment still holds its time, so no two may share it.
            4..=5 => (AptStatus::Broken, dt(today.add_days(-(30 + k)), 10 * 60 + 30 * (k % 6)), *op),
            _ => (AptStatus::Planned, OdDateTime::never(), 0),
        };
        apt_num += 1;
        let mut pat_num = pool[rng.random_range(0..pool.len())];
        while !on_list.insert(pat_num) {
            pat_num = pool[rng.random_range(0..pool.len())];
        }
        d.appointments.push(Appointment {
            apt_num,
            pat_num,
            apt_status: status,
            pattern: pattern_for(len),
            op: op_num,
            prov_num: *prov,
            apt_date_time: when,
            clinic_num: clinic,
            priority: Priority::ASAP,
            next_apt_num: 0,
        });
    }

    d.recalltypes = vec![
        RecallType { recall_type_num: 1, description: "Prophy".into(), time_pattern: pat("/XXXX/") },
        RecallType { recall_type_num: 2, description: "Perio maintenance".into(), time_pattern: pat("/XXXXXX/") },
        RecallType { recall_type_num: 3, description: "Child prophy".into(), time_pattern: pat("/XX/") },
    ];
    for k in 0..130_i64 {
        d.recalls.push(Recall {
            recall_num: 5000 + k,
            pat_num: 1000 + (k * 7) % 420,
            recall_type_num: 1 + k % 3,
            date_due: today.add_days(rng.random_range(-60..45)),
            priority: if k % 4 == 0 { Priority::ASAP } else { Priority::Normal },
            is_disabled: OdBool(false),
        });
    }

    d
}

fn pat(s: &str) -> TimePattern {
    TimePattern::parse(s).unwrap_or_else(|_| pattern_for(60))
}

/// A pattern of `minutes` at five minutes a character, with assistant time at both ends.
fn pattern_for(minutes: i64) -> TimePattern {
    let n = (minutes / 5).max(2) as usize;
    let text = format!("/{}/", "X".repeat(n - 2));
    TimePattern::parse(&text).unwrap_or_else(|_| TimePattern::parse("XXXXXX").expect("a fixed valid pattern"))
}

fn blockout(num: i64, day: OdDate, from: i64, to: i64, def: i64, note: &str, ops: &[i64]) -> Schedule {
    Schedule {
        schedule_num: num,
        sched_date: day,
        start_time: hm(from),
        stop_time: hm(to),
        sched_type: SchedType::Blockout,
        prov_num: 0,
        blockout_type: def,
        blockout_type_name: String::new(),
        note: note.into(),
        operatories: OpList(ops.to_vec()),
        employee_num: 0,
    }
}

