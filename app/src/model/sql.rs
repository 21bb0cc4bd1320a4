//! How the model is stored (server only). Values: dates, times and time patterns as Open Dental's
//! text, flags and enum members as integers, so queries bind and read model values directly
//! (`.bind(start)`, `row.try_get::<OdDateTime, _>(…)`) and a value the model refuses comes back as
//! a decode error naming the column, never a panic. Entities: one column list each (`table!`),
//! from which sqlx's `FromRow` and the insert, upsert and select statements are all made, so an
//! insert can no longer drift from its upsert. The server's store runs the statements.

use super::{
    AptStatus, ContactMethod, FKeyType, OdBool, OdDate, OdDateTime, OdTime, OpeningState, Priority, ResponseStatus, SchedType, SmsSendStatus,
    TimePattern, TxtMsgOk,
};
use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};
use sqlx::any::AnyArguments;
use super::{Clinic, CommOptOut, Definition, Operatory, Patient, Provider, Recall, RecallType, Appointment, AsapComm, Schedule, OpList};

/// Stored as its text form, read back through its parser.
macro_rules! stored_as_text {
    ($($ty:ty),+ $(,)?) => {$(
        impl Type<Any> for $ty {
            fn type_info() -> AnyTypeInfo {
                <String as Type<Any>>::type_info()
            }
            fn compatible(ty: &AnyTypeInfo) -> bool {
                <String as Type<Any>>::compatible(ty)
            }
        }

        impl<'q> Encode<'q, Any> for $ty {
            fn encode_by_ref(&self, buf: &mut <Any as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
                <String as Encode<'q, Any>>::encode(self.to_string(), buf)
            }
        }

        impl<'r> Decode<'r, Any> for $ty {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                let raw = <String as Decode<'r, Any>>::decode(value)?;
                <$ty>::parse(&raw).map_err(|e| format!("`{raw}` is not a stored {}: {e}", stringify!($ty)).into())
            }
        }
    )+};
}

stored_as_text!(OdDateTime, OdDate, OdTime, TimePattern);

/// Stored as an integer: `$to` writes it, `$from` reads it back (None: not a value of the type).
macro_rules! stored_as_integer {
    ($($ty:ty => $to:expr, $from:expr);+ $(;)?) => {$(
        impl Type<Any> for $ty {
            fn type_info() -> AnyTypeInfo {
                <i64 as Type<Any>>::type_info()
            }
            fn compatible(ty: &AnyTypeInfo) -> bool {
                <i64 as Type<Any>>::compatible(ty)
            }
        }

        impl<'q> Encode<'q, Any> for $ty {
            fn encode_by_ref(&self, buf: &mut <Any as Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
                let to: fn(&$ty) -> i64 = $to;
                <i64 as Encode<'q, Any>>::encode(to(self), buf)
            }
        }

        impl<'r> Decode<'r, Any> for $ty {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                let n = <i64 as Decode<'r, Any>>::decode(value)?;
                let from: fn(i64) -> Option<$ty> = $from;
                from(n).ok_or_else(|| format!("{n} is not a stored {}", stringify!($ty)).into())
            }
        }
    )+};
}

stored_as_integer! {
    OdBool => |b| i64::from(b.0), |n| Some(OdBool(n != 0));
    AptStatus => |s| s.as_i64(), AptStatus::from_i64;
    FKeyType => |s| s.as_i64(), FKeyType::from_i64;
    ContactMethod => |s| s.as_i64(), ContactMethod::from_i64;
    Priority => |s| s.as_i64(), Priority::from_i64;
    ResponseStatus => |s| s.as_i64(), ResponseStatus::from_i64;
    SchedType => |s| s.as_i64(), SchedType::from_i64;
    SmsSendStatus => |s| s.as_i64(), SmsSendStatus::from_i64;
    TxtMsgOk => |s| s.as_i64(), TxtMsgOk::from_i64;
    OpeningState => |s| s.as_i64(), OpeningState::from_i64;
}

pub type AnyQuery<'q> = sqlx::query::Query<'q, Any, AnyArguments<'q>>;

/// An entity stored as one row of one table, its key first.
pub trait Table: Send + Sync {
    const NAME: &'static str;
    /// Column names; the first is the key.
    const COLUMNS: &'static [&'static str];
    /// Binds every column's value, the key first, in `COLUMNS` order.
    fn bind_all<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q>;
    /// Binds every column's value but the key's.
    fn bind_without_key<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q>;
    /// The table's statements, made once from `COLUMNS` (see `statements`).
    fn statements() -> &'static [String; 3];
}

/// A table's statements from its column list: `INSERT … ON CONFLICT (key) DO UPDATE SET` every
/// other column; `INSERT` of every column but the key, `RETURNING` the key the database chose;
/// `SELECT` every column (no condition).
/// `kept`: columns an upsert leaves as they are on a row that exists.
pub fn statements(name: &str, columns: &[&str], kept: &[&str]) -> [String; 3] {
    let key = columns[0];
    let numbered = |n: usize| (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let updates: Vec<String> =
        columns[1..].iter().filter(|c| !kept.contains(c)).map(|c| format!("{c} = excluded.{c}")).collect();
    [
        format!(
            "INSERT INTO {name} ({}) VALUES ({}) ON CONFLICT ({key}) DO UPDATE SET {}",
            columns.join(", "),
            numbered(columns.len()),
            updates.join(", ")
        ),
        format!(
            "INSERT INTO {name} ({}) VALUES ({}) RETURNING {key}",
            columns[1..].join(", "),
            numbered(columns.len() - 1)
        ),
        format!("SELECT {} FROM {name}", columns.join(", ")),
    ]
}

/// Declares how a type is stored: `table!(Clinic in "clinic" { clinic_num: "clinicnum", … })`,
/// the key first; `keeping ["col"]` names columns an upsert does not overwrite. Fields may be paths into the value (`comm.f_key: "fkey"`); a type whose
/// fields are all plain names also gets sqlx's `FromRow` (`readable`).
#[macro_export]
macro_rules! table {
    ($ty:ident in $name:literal { $($($field:ident).+ : $col:literal),+ $(,)? }) => {
        $crate::table!($ty in $name keeping [] { $($($field).+ : $col),+ });
    };
    ($ty:ident in $name:literal keeping [$($kept:literal),*] { $($($field:ident).+ : $col:literal),+ $(,)? }) => {
        impl $crate::model::Table for $ty {
            const NAME: &'static str = $name;
            const COLUMNS: &'static [&'static str] = &[$($col),+];
            fn bind_all<'q>(&'q self, q: $crate::model::AnyQuery<'q>) -> $crate::model::AnyQuery<'q> {
                q$(.bind(&self$(.$field)+))+
            }
            fn bind_without_key<'q>(&'q self, q: $crate::model::AnyQuery<'q>) -> $crate::model::AnyQuery<'q> {
                $crate::table!(@skip_first q, self, $($($field).+),+)
            }
            fn statements() -> &'static [String; 3] {
                static SQL: std::sync::LazyLock<[String; 3]> =
                    std::sync::LazyLock::new(|| $crate::model::statements($name, &[$($col),+], &[$($kept),*]));
                &SQL
            }
        }
    };
    (@skip_first $q:ident, $self:ident, $($first:ident).+ $(, $($field:ident).+)*) => {
        $q$(.bind(&$self$(.$field)+))*
    };
    (readable $ty:ident in $name:literal { $($field:ident : $col:literal),+ $(,)? }) => {
        $crate::table!($ty in $name { $($field: $col),+ });
        $crate::from_row!($ty { $($field: $col),+ });
    };
}

/// sqlx's `FromRow` for a type read column by column: `from_row!(AsapComm { f_key: "fkey", … })`.
#[macro_export]
macro_rules! from_row {
    ($ty:ident { $($field:ident : $col:literal),+ $(,)? }) => {
        impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for $ty {
            fn from_row(row: &'r sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok($ty { $($field: row.try_get($col)?),+ })
            }
        }
    };
}

table!(readable Clinic in "clinic" {
    clinic_num: "clinicnum", description: "description", abbr: "abbr", phone: "phone",
    address: "address", address2: "address2", city: "city", state: "state", zip: "zip"
});

table!(readable Provider in "provider" {
    prov_num: "provnum", abbr: "abbr", f_name: "fname", l_name: "lname", is_secondary: "issecondary", is_hidden: "ishidden",
});

table!(readable Operatory in "operatory" {
    operatory_num: "operatorynum", op_name: "opname", abbrev: "abbrev", item_order: "itemorder", is_hidden: "ishidden",
    clinic_num: "clinicnum", prov_dentist: "provdentist", prov_hygienist: "provhygienist", is_hygiene: "ishygiene",
    is_web_sched: "iswebsched",
});

table!(readable Patient in "patient" {
    pat_num: "patnum", l_name: "lname", f_name: "fname", wireless_phone: "wirelessphone", txt_msg_ok: "txtmsgok",
    clinic_num: "clinicnum", email: "email", prefer_contact_method: "prefercontactmethod",
});

table!(readable CommOptOut in "commoptout" { pat_num: "patnum", opt_out_sms: "optoutsms", opt_out_email: "optoutemail" });

table!(readable RecallType in "recalltype" { recall_type_num: "recalltypenum", description: "description", time_pattern: "timepattern" });

table!(readable Recall in "recall" {
    recall_num: "recallnum", pat_num: "patnum", recall_type_num: "recalltypenum", date_due: "datedue", priority: "priority",
    is_disabled: "isdisabled",
});

table!(readable Definition in "definition" {
    def_num: "defnum", category: "category", item_name: "itemname", item_value: "itemvalue", item_order: "itemorder",
    is_hidden: "ishidden",
});

table!(readable Appointment in "appointment" {
    apt_num: "aptnum", pat_num: "patnum", apt_status: "aptstatus", pattern: "pattern", op: "op", prov_num: "provnum",
    apt_date_time: "aptdatetime", clinic_num: "clinicnum", priority: "priority", next_apt_num: "nextaptnum",
});

// The API object's columns; a new offer's row (with the columns the API does not show) is the
// store's `NewAsapCommRow`.
from_row!(AsapComm {
    asap_comm_num: "asapcommnum", f_key: "fkey", f_key_type: "fkeytype", schedule_num: "schedulenum", pat_num: "patnum",
    clinic_num: "clinicnum", date_time_entry: "datetimeentry", date_time_expire: "datetimeexpire",
    date_time_sms_scheduled: "datetimesmsscheduled", sms_send_status: "smssendstatus", date_time_sms_sent: "datetimesmssent",
    response_status: "responsestatus", date_time_orig: "datetimeorig", template_text: "templatetext", note: "note",
});

table!(Schedule in "schedule" {
    schedule_num: "schedulenum", sched_date: "scheddate", start_time: "starttime", stop_time: "stoptime",
    sched_type: "schedtype", prov_num: "provnum", blockout_type: "blockouttype", note: "note", employee_num: "employeenum",
});

/// A schedule as read with its blockout type's name (`blockoutname`); its operatories are
/// attached afterwards from scheduleop.
impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for Schedule {
    fn from_row(r: &'r sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Schedule {
            schedule_num: r.try_get("schedulenum")?,
            sched_date: r.try_get("scheddate")?,
            start_time: r.try_get("starttime")?,
            stop_time: r.try_get("stoptime")?,
            sched_type: r.try_get("schedtype")?,
            prov_num: r.try_get("provnum")?,
            blockout_type: r.try_get("blockouttype")?,
            blockout_type_name: r.try_get("blockoutname")?,
            note: r.try_get("note")?,
            operatories: OpList::default(),
            employee_num: r.try_get("employeenum")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_come_from_the_column_list() {
        let [upsert, insert, select] = statements("clinic", &["clinicnum", "abbr", "phone"], &[]);
        assert_eq!(
            upsert,
            "INSERT INTO clinic (clinicnum, abbr, phone) VALUES ($1, $2, $3) ON CONFLICT (clinicnum) DO UPDATE SET \
             abbr = excluded.abbr, phone = excluded.phone"
        );
        assert_eq!(insert, "INSERT INTO clinic (abbr, phone) VALUES ($1, $2) RETURNING clinicnum");
        assert_eq!(select, "SELECT clinicnum, abbr, phone FROM clinic");
        let [upsert, ..] = statements("clinic", &["clinicnum", "abbr", "phone"], &["abbr"]);
        assert!(upsert.ends_with("DO UPDATE SET phone = excluded.phone"), "{upsert}");
    }
}
