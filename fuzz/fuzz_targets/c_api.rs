//! Fuzz target: see `rdrive::fuzz_api::c_api`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rdrive::fuzz_api::c_api(data));
