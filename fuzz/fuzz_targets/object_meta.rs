//! Fuzz target `object_meta`: see `natrs_jetstream::fuzzing::object_meta`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| natrs_jetstream::fuzzing::object_meta(data));
