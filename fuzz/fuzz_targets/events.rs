//! Fuzz target `events`: see `natrs_jetstream::fuzzing::events`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| natrs_jetstream::fuzzing::events(data));
