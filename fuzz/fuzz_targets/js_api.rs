//! Fuzz target `js_api`: see `natrs_jetstream::fuzzing::js_api`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| natrs_jetstream::fuzzing::js_api(data));
