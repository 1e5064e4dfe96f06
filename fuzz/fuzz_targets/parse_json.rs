//! JSON text → tree must never panic (jsonc-parser recurses; the depth pre-scan must hold).
#![no_main]

use iamlint::parse::parse_json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_json(text);
    }
});
