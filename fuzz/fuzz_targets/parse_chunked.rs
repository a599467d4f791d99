//! Fuzz target `parse_chunked`: see `natrs_core::fuzzing::parse_chunked`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| natrs_core::fuzzing::parse_chunked(data));
