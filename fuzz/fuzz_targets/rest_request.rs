//! The REST API's request parsing: any bytes as the POST body, and as a query string read the
//! way the list, slots and schedules endpoints read theirs. Nothing may panic.
#![no_main]

use app::domain::params::{day_range, entry_range, key_number, paging};
use app::model::OdDate;
use libfuzzer_sys::fuzz_target;
use server::http::auth::ApiClient;
use server::service::Params;

fuzz_target!(|data: &[u8]| {
    let client = ApiClient { name: "fuzz".into(), clinics: None };
    let _ = server::http::api::offer_request(data, &client);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(text) else { return };
    let params = Params(pairs);
    let today = OdDate::parse("2031-03-17").expect("a date");
    let (Ok(date), Ok(start), Ok(end)) = (params.get("date"), params.get("dateStart"), params.get("dateEnd")) else { return };
    let _ = entry_range(date, start, end, today);
    let _ = day_range(date, start, end, today, 14);
    if let (Ok(offset), Ok(limit)) = (params.get("Offset"), params.get("Limit")) {
        let _ = paging(offset, limit);
    }
    for key in ["ClinicNum", "ProvNum", "OpNum", "AsapCommNum"] {
        if let Ok(Some(raw)) = params.get(key) {
            let _ = key_number(key, raw);
        }
    }
});
