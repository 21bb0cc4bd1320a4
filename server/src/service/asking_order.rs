//! The asking order for one opening: each patient who fits, ranked from their answers on record
//! (`app::domain::ranking`), for the picker's list and for the order waves go out in.

use crate::store;
use app::domain::asap_list::CandidateKind;
use app::domain::ranking::{OpeningFit, Rank, WEIGHTS, Waiting, booked_for, facts_for, histories, rank, waiting_since};
use app::model::OdDateTime;
use sqlx::AnyConnection;

/// One patient as the order needs them.
#[derive(Clone, Copy, Debug)]
pub struct Asked {
    pub pat_num: i64,
    pub kind: CandidateKind,
    /// The appointment's time or the recall's due date.
    pub original: OdDateTime,
    pub minutes: i64,
    pub prov_num: i64,
}

/// The rank of each of `asked` for `opening`, in the order given.
pub async fn ranks(conn: &mut AnyConnection, asked: &[Asked], opening: OpeningFit, now: OdDateTime) -> store::StoreResult<Vec<Rank>> {
    let mut pat_nums: Vec<i64> = asked.iter().map(|a| a.pat_num).collect();
    pat_nums.sort_unstable();
    pat_nums.dedup();
    let on_record = histories(&store::board::offers_on_record(conn, &pat_nums).await?, now);
    let today = now.date();
    Ok(asked
        .iter()
        .map(|a| {
            let history = on_record.get(&a.pat_num).cloned().unwrap_or_default();
            let waiting = Waiting {
                visit_minutes: a.minutes,
                prov_num: a.prov_num,
                since: waiting_since(a.kind, a.original, today),
                booked_for: booked_for(a.kind, a.original),
            };
            rank(&facts_for(&history, waiting, opening, today), &WEIGHTS)
        })
        .collect())
}

/// Higher points first; equal points keep the order they came in (the ASAP list's).
pub fn by_rank(a: &Rank, b: &Rank) -> std::cmp::Ordering {
    b.points.total_cmp(&a.points)
}
