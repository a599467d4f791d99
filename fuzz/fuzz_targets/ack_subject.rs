//! Fuzz target `ack_subject`: see `natrs_jetstream::fuzzing::ack_subject`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| natrs_jetstream::fuzzing::ack_subject(data));
