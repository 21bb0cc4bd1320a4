//! The wire types: Open Dental's JSON, one definition used by the REST API, the server
//! functions and the pages.

mod asapcomm;
mod enums;
mod error;
mod formats;
mod office;
mod time;

pub use asapcomm::{AsapComm, NewAsapComm, lenient_num};
pub use enums::{AptStatus, FKeyType, Priority, ResponseStatus, SchedType, SmsSendStatus, TxtMsgOk, UnknownMember};
pub use error::AppError;
pub use formats::{OdBool, PatternError, TimePattern, WirelessPhone};
pub use office::{
    Appointment, Clinic, CommOptOut, Definition, OpList, Operatory, Patient, Preferences, Provider,
    Recall, RecallType, Schedule, Slot,
};
pub use time::{FormatError, OdDate, OdDateTime, OdTime};
