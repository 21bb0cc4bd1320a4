//! The office's Open Dental, reached through its documented REST API: the client (`client`) and
//! its objects (`wire`). The sync pass and the write-back that use them are use cases
//! (`service::sync`, `service::writeback`); the claim's re-check is part of `service::claim`.

pub mod client;
pub mod wire;

pub use client::{Connection, OdError, OdResult, OpenDental};
