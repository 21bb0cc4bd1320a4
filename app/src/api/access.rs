//! Who is asking: the signed-in staff user behind every page and server function, the users an
//! administrator manages, and the audit trail.

use crate::model::AppError;
use crate::view::access::*;
use leptos::prelude::*;

/// The signed-in user, for the page header.
#[server(prefix = "/ui-api", endpoint = "me", input = crate::api::codec::NamedJson)]
pub async fn load_me() -> Result<Caller, AppError> {
    crate::api::port::caller()
}

#[server(prefix = "/ui-api", endpoint = "users", input = crate::api::codec::NamedJson)]
pub async fn list_users() -> Result<Vec<StaffUser>, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.users(&caller).await)
}

#[server(prefix = "/ui-api", endpoint = "users/add", input = crate::api::codec::NamedJson)]
pub async fn add_user(user: NewStaffUser) -> Result<StaffUser, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.add_user(&caller, user).await)
}

#[server(prefix = "/ui-api", endpoint = "users/change", input = crate::api::codec::NamedJson)]
pub async fn change_user(user_num: i64, change: UserChange) -> Result<StaffUser, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.change_user(&caller, user_num, change).await)
}

#[server(prefix = "/ui-api", endpoint = "audit", input = crate::api::codec::NamedJson)]
pub async fn load_audit(query: AuditQuery) -> Result<AuditPage, AppError> {
    let caller = crate::api::port::caller()?;
    crate::api::port::answer(crate::api::port::port()?.audit(&caller, query).await)
}
