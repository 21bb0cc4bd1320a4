//! The wire types: Open Dental's JSON, one definition used by the REST API, the server
//! functions and the pages.

mod asapcomm;
mod enums;
mod error;
mod formats;
mod office;
#[cfg(feature = "ssr")]
pub mod sql;
mod time;

pub use asapcomm::{AsapComm, NewAsapComm, lenient_num};
pub use enums::{AptStatus, ContactMethod, FKeyType, OpeningState, Priority, ResponseStatus, SchedType, SmsSendStatus, TxtMsgOk, UnknownMember};
pub use error::AppError;
pub use formats::{EmailAddress, OdBool, PatternError, TimePattern, WirelessPhone};
pub use office::{
    address_line, Appointment, Clinic, CommOptOut, Definition, OfficeIdentity, OpList, Operatory, Patient, Preferences, Provider,
    Recall, RecallType, Schedule, Slot,
};
pub use time::{FormatError, OdDate, OdDateTime, OdTime};
#[cfg(feature = "ssr")]
pub use sql::{AnyQuery, Table, statements};
