//! Fuzz target `backup`: see `natrs_jetstream::fuzzing::backup`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| natrs_jetstream::fuzzing::backup(data));
