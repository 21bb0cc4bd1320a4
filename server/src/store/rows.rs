//! Reading typed values out of rows. A value the model refuses means the database was changed
//! behind the server's back; it becomes `StoreError::Corrupt` naming the column, never a panic.

use super::{StoreError, StoreResult};
use app::model::{OdDate, OdDateTime, OdTime, TimePattern};
use sqlx::Row;
use sqlx::any::AnyRow;

pub fn int(row: &AnyRow, col: &str) -> StoreResult<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}

pub fn text(row: &AnyRow, col: &str) -> StoreResult<String> {
    Ok(row.try_get::<String, _>(col)?)
}

pub fn flag(row: &AnyRow, col: &str) -> StoreResult<bool> {
    Ok(int(row, col)? != 0)
}

fn corrupt(col: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("column {col} holds `{value}`"))
}

pub fn date_time(row: &AnyRow, col: &str) -> StoreResult<OdDateTime> {
    let raw = text(row, col)?;
    OdDateTime::parse(&raw).map_err(|_| corrupt(col, raw))
}

pub fn date(row: &AnyRow, col: &str) -> StoreResult<OdDate> {
    let raw = text(row, col)?;
    OdDate::parse(&raw).map_err(|_| corrupt(col, raw))
}

pub fn time(row: &AnyRow, col: &str) -> StoreResult<OdTime> {
    let raw = text(row, col)?;
    OdTime::parse(&raw).map_err(|_| corrupt(col, raw))
}

pub fn pattern(row: &AnyRow, col: &str) -> StoreResult<TimePattern> {
    let raw = text(row, col)?;
    TimePattern::parse(&raw).map_err(|_| corrupt(col, raw))
}

/// An Open Dental enum stored as its integer.
pub fn member<T>(row: &AnyRow, col: &str, from: fn(i64) -> Option<T>) -> StoreResult<T> {
    let n = int(row, col)?;
    from(n).ok_or_else(|| corrupt(col, n))
}
