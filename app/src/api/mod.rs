//! Server functions: the pages' only way to the server. They live under their own URL prefix,
//! apart from the REST API, and hand every request to the service port; they hold no SQL. What they carry is
//! defined in `view`.

#[cfg(feature = "ssr")]
mod port;
mod access;
pub mod codec;
mod day;
mod history;
mod messages;
mod outbox;
mod overview;
mod sync;

#[cfg(feature = "ssr")]
pub use port::{AsapPort, SharedPort};
pub use access::{AddUser, ChangeUser, ListUsers, LoadAudit, LoadMe, add_user, change_user, list_users, load_audit, load_me};
pub use day::{LoadAsapList, LoadDay, SendOffer, WithdrawOpening, load_asap_list, load_day, send_offer, withdraw_opening};
pub use history::{LoadHistory, WithdrawOffer, load_history, withdraw_offer};
pub use messages::{LoadMessageSetup, ResetMessageSetup, SaveMessageSetup, load_message_setup, reset_message_setup, save_message_setup};
pub use outbox::{LoadOutbox, ReplyAsPatient, load_outbox, reply_as_patient};
pub use overview::{LoadClinics, LoadOfficeOverview, SaveReckoning, load_clinics, load_office_overview, save_reckoning};
pub use sync::{LoadSyncStatus, load_sync_status};

/// URL prefix of every server function.
pub const SERVER_FN_PREFIX: &str = "/ui-api";
