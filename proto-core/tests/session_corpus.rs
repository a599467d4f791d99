//! Replays the `session` fuzz target's seed corpus (`fuzz/corpus/session/`),
//! checks that each seed reaches what it was written for, and runs the target
//! on random inputs.

use natrs_core::error::CloseReason;
use natrs_core::fuzzing::{SessionOutcome, session, session_outcome};
use proptest::prelude::*;
use std::path::Path;

fn seed(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus/session")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn every_seed_replays() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/session");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 6, "seeds in {}", dir.display());
    for file in files {
        let data = std::fs::read(&file).unwrap();
        eprintln!("session: {}", file.display());
        session(&data);
    }
}

#[test]
fn seeds_reach_what_they_were_written_for() {
    let o = session_outcome(&seed("handshake_pubsub_drain"));
    assert_eq!(o.connections, 1, "{o:?}");
    assert_eq!(o.messages, 1, "{o:?}");
    assert_eq!(o.close_reason, Some(CloseReason::Drained), "{o:?}");

    let o = session_outcome(&seed("request_reply_many"));
    assert_eq!(o.connections, 1, "{o:?}");
    assert!(o.replies >= 2, "{o:?}");
    assert!(
        o.requests_ended >= 1,
        "the sentinel ends the request_many: {o:?}"
    );

    let o = session_outcome(&seed("request_reply_many"));
    assert_eq!(o.close_reason, Some(CloseReason::Closed), "{o:?}");

    let o = session_outcome(&seed("reconnect_tls_stale"));
    assert_eq!(
        o.connections, 2,
        "connected, then reconnected over TLS: {o:?}"
    );
    assert!(o.disconnects >= 2, "{o:?}");

    let o = session_outcome(&seed("errors_and_garbage"));
    assert!(o.connections >= 1 && o.disconnects >= 1, "{o:?}");

    let o = session_outcome(&seed("timers_drain_timeout"));
    assert_eq!(o.connections, 1, "{o:?}");
    assert_eq!(o.close_reason, Some(CloseReason::DrainTimeout), "{o:?}");

    let o = session_outcome(&seed("retry_initial_no_echo"));
    assert!(o.actions > 5, "{o:?}");

    assert_eq!(session_outcome(&[]), SessionOutcome::default());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_sessions_keep_the_invariants(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        session(&data);
    }

    /// Inputs built from whole actions get further than random bytes.
    #[test]
    fn random_action_sequences_keep_the_invariants(
        flags in any::<u8>(),
        seed in any::<u8>(),
        actions in proptest::collection::vec((0u8..16, any::<u8>(), any::<u8>(), any::<u8>()), 0..120),
    ) {
        let mut data = vec![flags, seed];
        for (op, a, b, c) in actions {
            data.extend_from_slice(&[op, a, b, c]);
        }
        session(&data);
    }
}
