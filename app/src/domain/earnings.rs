//! What ASAP texting earned, per clinic and week or month: chair hours filled, the production
//! value of the visits booked, texts and emails sent, what the texts cost per booking, and how
//! fast openings filled. Pure: the server reads the openings, this adds them up.

use super::outcomes::{median, week_start};
use crate::model::{OdDate, OdDateTime};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Weeks (Monday to Sunday) or calendar months.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Period {
    #[default]
    Week,
    Month,
}

impl Period {
    pub fn start_of(self, day: OdDate) -> OdDate {
        match self {
            Period::Week => week_start(day),
            Period::Month => day.add_days(1 - i64::from(day.get().day())),
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    pub fn from_key(key: &str) -> Option<Period> {
        match key.trim() {
            "week" => Some(Period::Week),
            "month" => Some(Period::Month),
            _ => None,
        }
    }
}

/// What the office set for reckoning: the value of a booked visit (in cents) when no procedure
/// fees are on record, by kind, and what one text costs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reckoning {
    /// A recall (hygiene) visit made from the ASAP list.
    pub recall_visit_cents: i64,
    /// Any other appointment moved in from the list (treatment, broken or unscheduled).
    pub treatment_visit_cents: i64,
    pub text_cents: i64,
}

/// One opening as the earnings read it, counted in the period it was offered in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpeningEarned {
    pub clinic_num: i64,
    pub offered_at: OdDateTime,
    /// Booked: the chair minutes taken, whether the visit was a recall, its procedure fees in
    /// cents when known, and minutes from the first message to the booking.
    pub booked: Option<Booked>,
    pub texts: i64,
    pub emails: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Booked {
    pub minutes: i64,
    pub recall: bool,
    pub fees_cents: Option<i64>,
    pub minutes_to_fill: Option<i64>,
}

/// One clinic's period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Earned {
    pub period_start: OdDate,
    pub clinic_num: i64,
    pub clinic: String,
    pub openings: i64,
    pub bookings: i64,
    pub chair_minutes: i64,
    pub production_cents: i64,
    /// Bookings whose value came from the office's value per visit, not procedure fees.
    pub valued_by_kind: i64,
    pub texts: i64,
    pub emails: i64,
    pub text_cost_cents: i64,
    pub median_minutes_to_fill: Option<i64>,
}

impl Earned {
    pub fn chair_hours(&self) -> f64 {
        self.chair_minutes as f64 / 60.0
    }

    /// What the texts cost per booking, in cents.
    pub fn cost_per_booking_cents(&self) -> Option<i64> {
        (self.bookings > 0).then(|| (self.text_cost_cents + self.bookings / 2) / self.bookings)
    }
}

/// Adds the openings up per (period, clinic), newest period first, clinics in key order.
pub fn earned(openings: &[OpeningEarned], period: Period, reckoning: &Reckoning, clinic_name: impl Fn(i64) -> String) -> Vec<Earned> {
    let mut groups: BTreeMap<(std::cmp::Reverse<OdDate>, i64), (Earned, Vec<i64>)> = BTreeMap::new();
    for o in openings {
        let start = period.start_of(o.offered_at.date());
        let (e, waits) = groups.entry((std::cmp::Reverse(start), o.clinic_num)).or_insert_with(|| {
            let empty = Earned {
                period_start: start,
                clinic_num: o.clinic_num,
                clinic: clinic_name(o.clinic_num),
                openings: 0,
                bookings: 0,
                chair_minutes: 0,
                production_cents: 0,
                valued_by_kind: 0,
                texts: 0,
                emails: 0,
                text_cost_cents: 0,
                median_minutes_to_fill: None,
            };
            (empty, Vec::new())
        });
        e.openings += 1;
        e.texts += o.texts;
        e.emails += o.emails;
        e.text_cost_cents += o.texts * reckoning.text_cents;
        if let Some(b) = &o.booked {
            e.bookings += 1;
            e.chair_minutes += b.minutes;
            e.production_cents += match b.fees_cents {
                Some(fees) => fees,
                None => {
                    e.valued_by_kind += 1;
                    if b.recall { reckoning.recall_visit_cents } else { reckoning.treatment_visit_cents }
                }
            };
            if let Some(m) = b.minutes_to_fill {
                waits.push(m);
            }
        }
    }
    groups
        .into_values()
        .map(|(mut e, mut waits)| {
            waits.sort_unstable();
            e.median_minutes_to_fill = median(&waits);
            e
        })
        .collect()
}

/// Dollars and cents, as the office reads money: "$1,234.50".
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.abs();
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

/// The earnings as CSV (RFC 4180), one row per clinic and period, amounts in dollars.
pub fn earnings_csv(rows: &[Earned], period: Period) -> String {
    let quote = |s: &str| if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
    let money = |c: i64| format!("{}.{:02}", c / 100, (c % 100).abs());
    let mut out = format!(
        "{}_start,clinic,openings,bookings,chair_hours,production,valued_by_kind,texts,emails,text_cost,cost_per_booking,median_minutes_to_fill\r\n",
        period.key()
    );
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{:.2},{},{},{},{},{},{},{}\r\n",
            r.period_start,
            quote(&r.clinic),
            r.openings,
            r.bookings,
            r.chair_hours(),
            money(r.production_cents),
            r.valued_by_kind,
            r.texts,
            r.emails,
            money(r.text_cost_cents),
            r.cost_per_booking_cents().map(money).unwrap_or_default(),
            r.median_minutes_to_fill.map(|m| m.to_string()).unwrap_or_default()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> OdDateTime {
        OdDateTime::parse(s).unwrap()
    }

    fn booked(minutes: i64, recall: bool, fees: Option<i64>, wait: i64) -> Option<Booked> {
        Some(Booked { minutes, recall, fees_cents: fees, minutes_to_fill: Some(wait) })
    }

    #[test]
    fn a_hand_checked_week_and_month() {
        let reckoning = Reckoning { recall_visit_cents: 12_000, treatment_visit_cents: 30_000, text_cents: 2 };
        let list = [
            OpeningEarned { clinic_num: 1, offered_at: at("2031-03-17 09:00:00"), booked: booked(60, false, Some(45_050), 12), texts: 5, emails: 1 },
            OpeningEarned { clinic_num: 1, offered_at: at("2031-03-18 09:00:00"), booked: booked(30, true, None, 30), texts: 3, emails: 0 },
            OpeningEarned { clinic_num: 1, offered_at: at("2031-03-19 09:00:00"), booked: None, texts: 6, emails: 2 },
            OpeningEarned { clinic_num: 2, offered_at: at("2031-03-31 09:00:00"), booked: booked(90, false, None, 5), texts: 2, emails: 0 },
        ];
        let weeks = earned(&list, Period::Week, &reckoning, |c| format!("Clinic {c}"));
        assert_eq!(weeks.len(), 2);
        let w = &weeks[1];
        assert_eq!((w.period_start.to_string().as_str(), w.clinic_num), ("2031-03-17", 1));
        assert_eq!((w.openings, w.bookings, w.chair_minutes), (3, 2, 90));
        assert_eq!(w.chair_hours(), 1.5);
        // $450.50 in fees for the first, the office's $120 for the recall visit.
        assert_eq!((w.production_cents, w.valued_by_kind), (57_050, 1));
        assert_eq!((w.texts, w.emails, w.text_cost_cents), (14, 3, 28));
        assert_eq!(w.cost_per_booking_cents(), Some(14));
        assert_eq!(w.median_minutes_to_fill, Some(21), "12 and 30");
        let months = earned(&list, Period::Month, &reckoning, |c| format!("Clinic {c}"));
        assert_eq!(months.iter().map(|m| (m.period_start.to_string(), m.clinic_num)).collect::<Vec<_>>(), [("2031-03-01".to_string(), 1), ("2031-03-01".to_string(), 2)]);
        assert_eq!(months[1].production_cents, 30_000);
    }

    #[test]
    fn money_and_csv_read_as_an_office_expects() {
        assert_eq!(dollars(123_456_750), "$1,234,567.50");
        assert_eq!(dollars(5), "$0.05");
        let row = Earned {
            period_start: OdDate::parse("2031-03-17").unwrap(),
            clinic_num: 1,
            clinic: "North, \"Main\"".into(),
            openings: 3,
            bookings: 2,
            chair_minutes: 90,
            production_cents: 57_050,
            valued_by_kind: 1,
            texts: 14,
            emails: 3,
            text_cost_cents: 28,
            median_minutes_to_fill: Some(21),
        };
        let csv = earnings_csv(&[row], Period::Week);
        assert_eq!(
            csv,
            "week_start,clinic,openings,bookings,chair_hours,production,valued_by_kind,texts,emails,text_cost,cost_per_booking,median_minutes_to_fill\r\n\
             2031-03-17,\"North, \"\"Main\"\"\",3,2,1.50,570.50,1,14,3,0.28,0.14,21\r\n"
        );
        assert_eq!(Period::from_key("month"), Some(Period::Month));
        assert_eq!(Period::from_key("year"), None);
    }
}
