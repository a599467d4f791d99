//! Replays the committed fuzz seed corpus (`fuzz/corpus/<target>/`) through the
//! fuzz target bodies in `natrs_core::fuzzing`, so every `cargo test` runs them.

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
fn parse_chunked_corpus() {
    replay("parse_chunked", natrs_core::fuzzing::parse_chunked);
}

#[test]
fn headers_corpus() {
    replay("headers", natrs_core::fuzzing::headers);
}

#[test]
fn creds_corpus() {
    replay("creds", natrs_core::fuzzing::creds);
}

#[test]
fn server_addr_corpus() {
    replay("server_addr", natrs_core::fuzzing::server_addr);
}

#[test]
fn ws_frames_corpus() {
    replay("ws_frames", natrs_core::fuzzing::ws_frames);
}
