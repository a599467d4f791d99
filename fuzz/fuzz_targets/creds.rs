//! Fuzz target `creds`: see `natrs_core::fuzzing::creds`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| natrs_core::fuzzing::creds(data));
