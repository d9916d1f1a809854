//! Fuzz target: see `rdrive::fuzz_api::recovery`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rdrive::fuzz_api::recovery(data));
