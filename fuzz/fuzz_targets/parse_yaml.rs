//! YAML text → tree must never panic, whatever the text (saphyr's scanner, our builder and the
//! re-indenting second pass all run on it).
#![no_main]

use iamlint::parse::parse_yaml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_yaml(text);
    }
});
