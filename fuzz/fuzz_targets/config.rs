//! Run-config loader (frameworm-core `config`): `--set` lines and up to five YAML files with
//! `_base_` chains between them, in memory (`frameworm_core::fuzzing::config` says the layout).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    frameworm_core::fuzzing::config(data);
});
