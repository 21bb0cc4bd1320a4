//! Server functions: the pages' only way to the server. They live under their own URL prefix,
//! apart from the REST API, and hand every request to the service port; they hold no SQL.

#[cfg(feature = "ssr")]
mod port;
mod overview;

#[cfg(feature = "ssr")]
pub use port::{AsapPort, SharedPort};
pub use overview::{LoadOfficeOverview, OfficeOverview, load_office_overview};

/// URL prefix of every server function.
pub const SERVER_FN_PREFIX: &str = "/ui-api";
