//! Fuzz target `js_status`: see `natrs_jetstream::fuzzing::js_status`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| natrs_jetstream::fuzzing::js_status(data));
