//! Any bytes as a JSON Lines queue, and as one `.json` record: the loader
//! never panics, and every non-blank line is either a record or a problem.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let loaded = medcode::queue::load_bytes("fuzz.jsonl", data);
    for p in &loaded.problems {
        assert!(p.line >= 1);
        let _ = p.to_string();
    }
    for r in &loaded.records {
        let _ = medcode::queue::sanitize_for_terminal(&r.documentation);
    }
    let _ = medcode::queue::sanitize_for_terminal(&String::from_utf8_lossy(data));
});
