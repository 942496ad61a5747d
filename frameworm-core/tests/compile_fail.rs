//! trybuild UI tests: broken plugins fail to compile with messages that name the type, the
//! plugin.yaml and the fix. Regenerate the `.stderr` files with `TRYBUILD=overwrite`. They live
//! in frameworm-core, whose traits they test: trybuild then builds the core and burn without a
//! backend, not the whole workspace.

#[test]
fn broken_plugins_fail_to_compile_with_clear_messages() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
