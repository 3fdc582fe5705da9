//! Fuzz target: see `compose2k8s::fuzzing::interpolate`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| compose2k8s::fuzzing::interpolate(data));
