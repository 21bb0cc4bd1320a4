//! Server functions: the pages' only way to the server. They live under their own URL prefix,
//! apart from the REST API, and hand every request to the service port; they hold no SQL.

#[cfg(feature = "ssr")]
mod port;
mod access;
pub mod changes;
pub mod codec;
mod day;
mod history;
mod outbox;
mod overview;

#[cfg(feature = "ssr")]
pub use port::{AsapPort, SharedPort};
pub use access::{
    AddUser, AuditEvent, AuditPage, AuditQuery, Caller, ChangeUser, ListUsers, LoadAudit, LoadMe, NewStaffUser, StaffUser,
    UserChange, actions, add_user, change_user, list_users, load_audit, load_me,
};
pub use day::{
    ASAP_LIST_PAGE_SIZE, AsapListPage, AsapListQuery, Candidate, CandidateKey, DayBoard, DayQuery, GridItem, ItemKind,
    LoadAsapList, LoadDay, OfferOutcome, OpColumn, OpeningSummary, SendOffer, WithdrawOpening, load_asap_list, load_day,
    send_offer, withdraw_opening,
};
pub use history::{
    HISTORY_PAGE_SIZE, HistoryDay, HistoryPage, HistoryQuery, HistoryRow, HistoryTotals, LoadHistory, load_history,
};
pub use outbox::{LoadOutbox, OUTBOX_PAGE_SIZE, OutboxMessage, OutboxPage, load_outbox};
pub use overview::{LoadClinics, LoadOfficeOverview, OfficeOverview, WeekOutcome, load_clinics, load_office_overview};

/// URL prefix of every server function.
pub const SERVER_FN_PREFIX: &str = "/ui-api";
