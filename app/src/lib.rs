//! Everything the server and the browser share: the Open Dental wire types (`model`), the pure
//! Web Sched ASAP rules (`domain`), what each page shows (`view`), the server functions the
//! pages call (`api`) and the pages themselves (`ui`).

// Leptos view types nest deeply; the pages need more than the default limit.
#![recursion_limit = "512"]

pub mod api;
pub mod domain;
pub mod model;
pub mod ui;
pub mod view;
