//! Pure rules of Web Sched ASAP: no I/O, each unit-tested beside its code.

pub mod answer;
pub mod asap_list;
pub mod channels;
pub mod confirmation;
pub mod datetext;
pub mod earnings;
pub mod params;
pub mod sending;
pub mod length;
pub mod occupancy;
pub mod offer;
pub mod outcomes;
pub mod ranking;
pub mod reply;
pub mod send_window;
pub mod slots;
mod span;
pub mod status;
pub mod template;
pub mod waves;

pub use send_window::SendWindow;
pub use span::Span;
