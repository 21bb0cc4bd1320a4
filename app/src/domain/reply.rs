//! Booking by text reply: a patient answers an offer's text with YES (or Y, or 1) instead of
//! tapping its link, and the claim is exactly the link's (same rules, same race safety). With
//! several offers waiting for their number, they are texted a numbered list and answer with the
//! number. STOP and HELP are read first and never claim anything.

use super::datetext::{short_day, time_text};
use crate::model::OdDateTime;

/// What a reply that books says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyWord {
    /// YES or Y.
    Yes,
    /// A number, 1 to 9: one from the list texted, or (as 1) a yes.
    Number(u32),
}

/// One offer a reply can take: its opening is open, its text went to this number, and the
/// patient has not answered it. Given most recently texted first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitingOffer {
    pub asap_comm_num: i64,
    pub start: OdDateTime,
    pub minutes: i64,
}

/// At most this many openings in one list: each takes one digit to answer.
pub const MOST_LISTED: usize = 9;

/// What a booking reply does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyPlan {
    /// Claim this offer, as its link would.
    Claim(i64),
    /// Several wait: text them as a numbered list (these, in this order) and wait for a number.
    List(Vec<i64>),
    /// Nothing waits for an answer from this number.
    NothingWaiting,
    /// A number that is not on the list texted.
    NotOnList { listed: usize },
}

/// `waiting`: the offers that reply could take, most recently texted first. `listed`: the list
/// last texted to this number, in its order (empty when none is current).
pub fn plan_reply(word: ReplyWord, waiting: &[WaitingOffer], listed: &[i64]) -> ReplyPlan {
    match word {
        ReplyWord::Number(n) if !listed.is_empty() => match listed.get((n as usize).wrapping_sub(1)) {
            Some(num) => ReplyPlan::Claim(*num),
            None => ReplyPlan::NotOnList { listed: listed.len() },
        },
        ReplyWord::Yes | ReplyWord::Number(1) => match waiting {
            [] => ReplyPlan::NothingWaiting,
            [only] => ReplyPlan::Claim(only.asap_comm_num),
            several => ReplyPlan::List(several.iter().take(MOST_LISTED).map(|o| o.asap_comm_num).collect()),
        },
        ReplyWord::Number(_) => match waiting {
            [] => ReplyPlan::NothingWaiting,
            [_] => ReplyPlan::NotOnList { listed: 0 },
            several => ReplyPlan::List(several.iter().take(MOST_LISTED).map(|o| o.asap_comm_num).collect()),
        },
    }
}

/// The numbered list: "3 openings are waiting for you at Northside Dental. Reply 1 for Tue 12/02
/// 10:20 AM (60 min), 2 for …, or tap the link in its text."
pub fn list_text(office_name: &str, listed: &[&WaitingOffer]) -> String {
    let choices: Vec<String> = listed
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{} for {} {} ({} min)", i + 1, short_day(o.start.date()), time_text(o.start), o.minutes))
        .collect();
    format!(
        "{} openings are waiting for you at {office_name}. Reply {}, or tap the link in its text.",
        listed.len(),
        choices.join(", ")
    )
}

/// The reply when nothing waits for an answer from the number.
pub fn nothing_waiting_text(office_name: &str, office_phone: &str) -> String {
    format!(
        "{office_name}: no opening is waiting for your answer now (it may have been taken). You stay on our list; \
         we will text you when another opens. Questions? Call {office_phone}."
    )
}

/// The reply to a number that is not on the list.
pub fn not_on_list_text(listed: usize) -> String {
    if listed > 1 {
        format!("Please reply with a number from 1 to {listed}, or tap the link in the text.")
    } else {
        "Please reply YES to book, or tap the link in the text.".to_string()
    }
}

/// How the claim a reply made came out, as the reply says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyOutcome {
    Booked { start: OdDateTime, minutes: i64 },
    /// Someone else took it first, or the office booked the time.
    Taken,
    /// They took another opening for the same appointment already.
    AlreadyMoved { start: OdDateTime },
    /// The office took it back, or it has ended.
    Gone,
}

pub fn outcome_text(outcome: &ReplyOutcome, office_name: &str, office_phone: &str) -> String {
    match outcome {
        ReplyOutcome::Booked { start, minutes } => format!(
            "You're booked: {} {} ({minutes} min) at {office_name}. To change it, call {office_phone}.",
            short_day(start.date()),
            time_text(*start)
        ),
        ReplyOutcome::Taken => {
            format!("Sorry, that opening was just taken. You stay on {office_name}'s list; we will text you when another opens.")
        }
        ReplyOutcome::AlreadyMoved { start } => {
            format!("You already booked {} {} for this visit at {office_name}.", short_day(start.date()), time_text(*start))
        }
        ReplyOutcome::Gone => {
            format!("That opening is no longer offered. You stay on {office_name}'s list; we will text you when another opens.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(num: i64, at: &str, minutes: i64) -> WaitingOffer {
        WaitingOffer { asap_comm_num: num, start: OdDateTime::parse(at).unwrap(), minutes }
    }

    #[test]
    fn yes_takes_the_one_waiting_offer_and_lists_several() {
        let one = [offer(7, "2026-12-02 10:20:00", 60)];
        assert_eq!(plan_reply(ReplyWord::Yes, &one, &[]), ReplyPlan::Claim(7));
        assert_eq!(plan_reply(ReplyWord::Number(1), &one, &[]), ReplyPlan::Claim(7), "1 is a yes");
        assert_eq!(plan_reply(ReplyWord::Number(2), &one, &[]), ReplyPlan::NotOnList { listed: 0 });
        assert_eq!(plan_reply(ReplyWord::Yes, &[], &[]), ReplyPlan::NothingWaiting);
        let three = [offer(9, "2026-12-03 09:00:00", 30), offer(8, "2026-12-02 14:00:00", 30), offer(7, "2026-12-02 10:20:00", 60)];
        assert_eq!(plan_reply(ReplyWord::Yes, &three, &[]), ReplyPlan::List(vec![9, 8, 7]), "most recently texted first");
        assert_eq!(plan_reply(ReplyWord::Number(1), &three, &[]), ReplyPlan::List(vec![9, 8, 7]), "1 before any list is a yes");
    }

    #[test]
    fn a_number_takes_its_place_on_the_list_texted() {
        let three = [offer(9, "2026-12-03 09:00:00", 30), offer(8, "2026-12-02 14:00:00", 30), offer(7, "2026-12-02 10:20:00", 60)];
        let listed = [9, 8, 7];
        assert_eq!(plan_reply(ReplyWord::Number(2), &three, &listed), ReplyPlan::Claim(8));
        assert_eq!(plan_reply(ReplyWord::Number(3), &three, &listed), ReplyPlan::Claim(7));
        assert_eq!(plan_reply(ReplyWord::Number(4), &three, &listed), ReplyPlan::NotOnList { listed: 3 });
        // An offer on the list that was taken meanwhile is still claimed: the claim says it was taken.
        assert_eq!(plan_reply(ReplyWord::Number(1), &three[1..], &listed), ReplyPlan::Claim(9));
        assert_eq!(plan_reply(ReplyWord::Yes, &three, &listed), ReplyPlan::List(vec![9, 8, 7]), "YES after a list lists again");
    }

    #[test]
    fn the_texts_say_what_to_reply() {
        let a = offer(9, "2026-12-03 09:00:00", 30);
        let b = offer(8, "2026-12-02 14:00:00", 60);
        assert_eq!(
            list_text("Northside Dental", &[&a, &b]),
            "2 openings are waiting for you at Northside Dental. Reply 1 for Thu 12/03 9:00 AM (30 min), 2 for Wed 12/02 2:00 PM (60 min), or tap the link in its text."
        );
        assert_eq!(not_on_list_text(3), "Please reply with a number from 1 to 3, or tap the link in the text.");
        let booked = ReplyOutcome::Booked { start: a.start, minutes: 30 };
        assert_eq!(
            outcome_text(&booked, "Northside Dental", "(503) 555-0100"),
            "You're booked: Thu 12/03 9:00 AM (30 min) at Northside Dental. To change it, call (503) 555-0100."
        );
        assert!(outcome_text(&ReplyOutcome::Taken, "Northside Dental", "").starts_with("Sorry, that opening was just taken."));
    }
}
