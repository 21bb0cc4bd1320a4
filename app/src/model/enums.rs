//! Open Dental's enums. On the wire each is its member name; in the database, its integer.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A value that is not a member of an enum; the message lists the members.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {enum_name}. Use one of: {members}.")]
pub struct UnknownMember {
    pub value: String,
    pub enum_name: &'static str,
    pub members: String,
}

macro_rules! od_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $num:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The integer Open Dental stores.
            pub fn as_i64(self) -> i64 {
                match self { $($name::$variant => $num),+ }
            }

            pub fn from_i64(n: i64) -> Option<Self> {
                match n { $($num => Some($name::$variant),)+ _ => None }
            }

            /// The member name used on the wire.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant)),+ }
            }

            pub fn parse(s: &str) -> Result<Self, UnknownMember> {
                match s.trim() {
                    $(stringify!($variant) => Ok($name::$variant),)+
                    other => Err(UnknownMember {
                        value: other.to_string(),
                        enum_name: stringify!($name),
                        members: [$(stringify!($variant)),+].join(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownMember;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

od_enum! {
    /// What an AsapComm's FKey points at.
    FKeyType {
        ScheduledAppt = 1,
        UnscheduledAppt = 2,
        PlannedAppt = 3,
        Recall = 4,
        Broken = 5,
    }
}

od_enum! {
    /// Where the text message stands with the SMS provider.
    SmsSendStatus {
        DoNotSend = 1,
        SendNotAttempted = 2,
        SendSuccessful = 3,
        SendFailed = 4,
        SentAwaitingReceipt = 5,
    }
}

od_enum! {
    /// What became of the offer, from the office's point of view.
    ResponseStatus {
        UnableToSend = 0,
        AwaitingTransmit = 1,
        PendingRsvp = 2,
        Viewed = 3,
        ViewedNotAvailable = 4,
        AcceptedAndMoved = 5,
        AcceptedAndNotAvailable = 6,
        Declined = 7,
        ChoseDifferentSlot = 8,
        Expired = 9,
        Failed = 10,
        DeclinedStopComm = 11,
    }
}

od_enum! {
    /// Appointment.AptStatus.
    AptStatus {
        None = 0,
        Scheduled = 1,
        Complete = 2,
        UnschedList = 3,
        ASAP = 4,
        Broken = 5,
        Planned = 6,
        PtNote = 7,
        PtNoteCompleted = 8,
    }
}

od_enum! {
    /// Appointment.Priority and Recall.Priority.
    Priority {
        Normal = 0,
        ASAP = 1,
    }
}

od_enum! {
    /// Patient.TxtMsgOk: whether the patient agreed to text messages.
    TxtMsgOk {
        Unknown = 0,
        Yes = 1,
        No = 2,
    }
}

od_enum! {
    /// Patient.PreferContactMethod (and PreferConfirmMethod, PreferRecallMethod): how the patient
    /// wants to be reached.
    ContactMethod {
        None = 0,
        DoNotCall = 1,
        HmPhone = 2,
        WkPhone = 3,
        WirelessPh = 4,
        Email = 5,
        SeeNotes = 6,
        Mail = 7,
        TextMessage = 8,
    }
}

od_enum! {
    /// Schedule.SchedType.
    SchedType {
        Practice = 0,
        Provider = 1,
        Blockout = 2,
        Employee = 3,
        WebSchedASAP = 4,
    }
}

impl ResponseStatus {
    /// The words the ASAP history page shows for this status.
    pub fn label(self) -> &'static str {
        match self {
            ResponseStatus::UnableToSend => "Unable to send",
            ResponseStatus::AwaitingTransmit => "Sending",
            ResponseStatus::PendingRsvp => "Sent",
            ResponseStatus::Viewed => "Viewed",
            ResponseStatus::ViewedNotAvailable => "Viewed but taken",
            ResponseStatus::AcceptedAndMoved => "Appointment made",
            ResponseStatus::AcceptedAndNotAvailable => "Accepted but taken",
            ResponseStatus::Declined => "Declined time slot",
            ResponseStatus::ChoseDifferentSlot => "Chose different time",
            ResponseStatus::Expired => "Expired",
            ResponseStatus::Failed => "Failed",
            ResponseStatus::DeclinedStopComm => "Declined, do not contact",
        }
    }

    /// A coarse tone for the badge: the text is always shown beside it.
    pub fn tone(self) -> &'static str {
        match self {
            ResponseStatus::AcceptedAndMoved => "good",
            ResponseStatus::PendingRsvp | ResponseStatus::Viewed | ResponseStatus::AwaitingTransmit => {
                "info"
            }
            ResponseStatus::UnableToSend | ResponseStatus::Failed => "bad",
            _ => "muted",
        }
    }
}

impl SmsSendStatus {
    pub fn label(self) -> &'static str {
        match self {
            SmsSendStatus::DoNotSend => "Not sent",
            SmsSendStatus::SendNotAttempted => "Waiting to send",
            SmsSendStatus::SendSuccessful => "Delivered",
            SmsSendStatus::SendFailed => "Send failed",
            SmsSendStatus::SentAwaitingReceipt => "Sent, awaiting receipt",
        }
    }
}

impl FKeyType {
    /// What was offered, in the words a practice manager uses.
    pub fn label(self) -> &'static str {
        match self {
            FKeyType::ScheduledAppt => "Scheduled appointment",
            FKeyType::UnscheduledAppt => "Unscheduled appointment",
            FKeyType::PlannedAppt => "Planned appointment",
            FKeyType::Recall => "Recall",
            FKeyType::Broken => "Broken appointment",
        }
    }
}

/// What happened to a Web Sched ASAP opening (the product's own, stored in asapopening.state).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OpeningState {
    /// Offered and still free: the first patient to accept gets it.
    Open,
    /// A patient took it.
    Filled,
    /// Staff took it back.
    Withdrawn,
    /// It started (or its offers expired) with nobody taking it.
    Lapsed,
    /// The office booked the time another way (an import or sync from the practice system).
    Booked,
}

impl OpeningState {
    pub fn as_i64(self) -> i64 {
        match self {
            OpeningState::Open => 1,
            OpeningState::Filled => 2,
            OpeningState::Withdrawn => 3,
            OpeningState::Lapsed => 4,
            OpeningState::Booked => 5,
        }
    }

    pub fn from_i64(n: i64) -> Option<Self> {
        Some(match n {
            1 => OpeningState::Open,
            2 => OpeningState::Filled,
            3 => OpeningState::Withdrawn,
            4 => OpeningState::Lapsed,
            5 => OpeningState::Booked,
            _ => return None,
        })
    }

    /// How the slot picker and the history name it.
    pub fn label(self) -> &'static str {
        match self {
            OpeningState::Open => "Offered",
            OpeningState::Filled => "Filled",
            OpeningState::Withdrawn => "Withdrawn",
            OpeningState::Lapsed => "Not filled",
            OpeningState::Booked => "Booked by the office",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_round_trip_as_names_and_integers() {
        for s in ResponseStatus::ALL {
            assert_eq!(ResponseStatus::from_i64(s.as_i64()), Some(*s));
            assert_eq!(ResponseStatus::parse(s.name()), Ok(*s));
        }
        assert_eq!(serde_json::to_string(&FKeyType::Broken).unwrap(), "\"Broken\"");
        assert_eq!(SmsSendStatus::SentAwaitingReceipt.as_i64(), 5);
        assert_eq!(ResponseStatus::DeclinedStopComm.as_i64(), 11);
        assert_eq!(SchedType::WebSchedASAP.as_i64(), 4);
    }

    #[test]
    fn unknown_member_names_the_choices() {
        let err = Priority::parse("Urgent").unwrap_err();
        assert_eq!(err.to_string(), "`Urgent` is not a valid Priority. Use one of: Normal, ASAP.");
        assert!(serde_json::from_str::<TxtMsgOk>("\"maybe\"").is_err());
    }

    #[test]
    fn labels_follow_the_history_page() {
        assert_eq!(ResponseStatus::PendingRsvp.label(), "Sent");
        assert_eq!(ResponseStatus::ViewedNotAvailable.label(), "Viewed but taken");
        assert_eq!(ResponseStatus::DeclinedStopComm.label(), "Declined, do not contact");
    }
}
