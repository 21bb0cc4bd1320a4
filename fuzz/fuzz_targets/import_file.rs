//! The office-data import file: any text is read into rows or refused with a reason.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = server::import::parse(text) {
            assert!(!e.to_string().is_empty());
        }
    }
});
