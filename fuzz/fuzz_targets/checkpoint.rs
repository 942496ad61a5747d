//! Checkpoint readers (frameworm-core `engine::checkpoint`): `state.json`, and the burnpack
//! headers of `scheduler.bpk` and `optimizer.bpk`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    frameworm_core::fuzzing::checkpoint(data);
});
