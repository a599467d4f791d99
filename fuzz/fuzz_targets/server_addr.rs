//! Fuzz target `server_addr`: see `natrs_core::fuzzing::server_addr`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| natrs_core::fuzzing::server_addr(data));
