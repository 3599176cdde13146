//! Any bytes as an email, as an mbox file and as log and JSON lines: the
//! readers must never panic, whatever they are given.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static ENGINE: OnceLock<rebound::Engine> = OnceLock::new();
    let engine = ENGINE.get_or_init(|| rebound::Engine::embedded().expect("the built-in rules load"));
    let report = engine.extract(data);
    let _ = engine.answers(&report);
    for message in rebound::input::mbox::split(data) {
        let _ = engine.extract(message);
    }
    let _ = rebound::input::detect(data);
    for line in data.split(|&b| b == b'\n') {
        let _ = rebound::input::log::parse(&String::from_utf8_lossy(line));
        if let Ok(value) = rebound::input::json::object(line) {
            let _ = engine.extract_json(&value);
            let _ = rebound::input::json::reply(&value, None);
        }
    }
});
