//! A whole client session driven by arbitrary bytes: server input, time steps,
//! transport events and commands (see `natrs_core::fuzzing::session`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| natrs_core::fuzzing::session(data));
