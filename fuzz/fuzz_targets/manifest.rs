//! plugin.yaml parser and set validator (frameworm-manifest): up to eight manifests separated
//! by NUL bytes are parsed, validated together, and turned into registry code when valid.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    frameworm_manifest::fuzzing::manifests(data);
});
