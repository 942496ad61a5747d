//! Runs every program in `examples/` (the library flows: train from code, build by name, a
//! closure on a hook, load a checkpoint and predict) and checks what each prints and writes.
//!
//! `cargo test` builds the examples with the other targets; this test runs those binaries
//! (`target/<profile>/examples/<name>`), each bounded in time, from the repository root.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Every example and the lines its output must contain.
const EXAMPLES: [(&str, &[&str]); 4] = [
    ("train_vae", &["epoch 3/3: val_loss", "16 samples in"]),
    ("build_by_name", &["`features` f32[10], `target` f32[5]", "55 parameters (Linear(10, 5))", "after"]),
    ("on_epoch_end", &["on_epoch_end: epoch 4 val_accuracy", "the closure ran 4 times"]),
    ("predict", &["held-out flowers right"]),
];

/// Each example's time bound.
const LIMIT: Duration = Duration::from_secs(300);

/// The examples folder of this test's target directory and profile.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its path");
    // target/<profile>/deps/examples_run-HASH → target/<profile>/examples
    exe.parent().and_then(Path::parent).expect("target/<profile>/deps").join("examples")
}

/// Runs `name` with `output` as its argument; (success, stdout + stderr).
fn run(name: &str, output: &Path) -> (bool, String) {
    let binary = examples_dir().join(name);
    assert!(binary.is_file(), "{} is not built: `cargo test` builds the examples (or run `cargo build --release --examples`)", binary.display());
    let log = output.join(format!("{name}.log"));
    let file = std::fs::File::create(&log).unwrap();
    let mut child = Command::new(&binary)
        .arg(output)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::from(file.try_clone().unwrap()))
        .stderr(Stdio::from(file))
        .spawn()
        .unwrap();
    let status = common::wait_bounded(&mut child, LIMIT, &format!("example {name}"));
    (status.success(), std::fs::read_to_string(&log).unwrap_or_default())
}

#[test]
fn every_example_runs_and_prints_its_results() {
    for (name, expected) in EXAMPLES {
        let output = tempfile::tempdir().unwrap();
        let (ok, text) = run(name, output.path());
        assert!(ok, "example {name} failed:\n{text}");
        for line in expected {
            assert!(text.contains(line), "example {name} did not print `{line}`:\n{text}");
        }
        if name == "train_vae" {
            let png = text.split("16 samples in ").nth(1).map(str::trim).expect("the PNG path");
            let bytes = std::fs::read(png).unwrap_or_else(|e| panic!("{png}: {e}"));
            assert_eq!(&bytes[1..4], b"PNG", "{png} is not a PNG");
        }
    }
}

#[test]
fn the_examples_folder_holds_exactly_the_tested_examples() {
    let mut found: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"))
        .unwrap()
        .flatten()
        .filter_map(|e| e.path().file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    found.sort();
    let mut tested: Vec<String> = EXAMPLES.iter().map(|(name, _)| name.to_string()).collect();
    tested.sort();
    assert_eq!(found, tested, "every example in examples/ must be run by this test");
}
