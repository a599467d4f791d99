//! Fuzz target `headers`: see `natrs_core::fuzzing::headers`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| natrs_core::fuzzing::headers(data));
