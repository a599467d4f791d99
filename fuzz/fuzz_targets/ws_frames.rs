//! Fuzz target `ws_frames`: see `natrs_core::fuzzing::ws_frames`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| natrs_core::fuzzing::ws_frames(data));
