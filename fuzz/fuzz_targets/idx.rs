//! IDX reader of the mnist-idx plugin: images or labels files, gzipped or not.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    frameworm_plugin_mnist_idx::idx::fuzz_one(data);
});
