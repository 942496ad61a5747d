//! `model.bpk` (frameworm-core's checkpoint loader): fuzzed burnpack bytes loaded into a small
//! model of every saved layer kind, which then runs once. Burn panics inside the loader are
//! caught in a real run (an error, "the file is damaged"), but libFuzzer's panic hook reports
//! them all the same: each is a finding to turn into a burn issue or a check of our own.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    frameworm_core::fuzzing::model(data);
});
