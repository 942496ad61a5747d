//! Exports this plugin's plugin.yaml to the `frameworm` binary's build script (cargo `links` metadata).

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let package = std::env::var("CARGO_PKG_NAME").expect("cargo sets CARGO_PKG_NAME");
    println!("cargo::metadata=manifest={dir}/plugin.yaml");
    println!("cargo::metadata=package={package}");
    println!("cargo::rerun-if-changed=plugin.yaml");
}
