//! Replays the committed fuzz seed corpus (`fuzz/corpus/<target>/`) of the
//! JetStream targets through their bodies in `natrs_jetstream::fuzzing`, so
//! every `cargo test` runs them.

use std::path::Path;

/// Runs `target` on every file of `fuzz/corpus/<name>/`, in name order.
fn replay(name: &str, target: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(name);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    for file in files {
        let data =
            std::fs::read(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        eprintln!("{name}: {}", file.display());
        target(&data);
    }
}

#[test]
fn js_api_corpus() {
    replay("js_api", natrs_jetstream::fuzzing::js_api);
}

#[test]
fn js_status_corpus() {
    replay("js_status", natrs_jetstream::fuzzing::js_status);
}

#[test]
fn ack_subject_corpus() {
    replay("ack_subject", natrs_jetstream::fuzzing::ack_subject);
}

#[test]
fn object_meta_corpus() {
    replay("object_meta", natrs_jetstream::fuzzing::object_meta);
}

#[test]
fn backup_corpus() {
    replay("backup", natrs_jetstream::fuzzing::backup);
}

#[test]
fn events_corpus() {
    replay("events", natrs_jetstream::fuzzing::events);
}
