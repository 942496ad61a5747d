//! trybuild UI tests: broken plugins fail to compile with messages that name the type, the
//! plugin.yaml and the fix. Regenerate the `.stderr` files with `TRYBUILD=overwrite`. They live
//! in frameworm-core, whose traits they test: trybuild then builds the core and burn without a
//! backend, not the whole workspace.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn broken_plugins_fail_to_compile_with_clear_messages() {
    // trybuild checks every case in one `cargo check --bins` and throws its stderr away: if that
    // cargo fails before it reaches the cases (a full disk, a dependency that does not build),
    // every case reads "expected to fail to compile, but it succeeded". Say why before failing.
    let outcome = std::panic::catch_unwind(|| trybuild::TestCases::new().compile_fail("tests/ui/*.rs"));
    if let Err(panic) = outcome {
        explain_trybuild_failure();
        std::panic::resume_unwind(panic);
    }
}

/// The target dir this test was built in (`target/release/deps/<test>` → `target`).
fn target_dir() -> PathBuf {
    std::env::current_exe().unwrap().ancestors().nth(3).unwrap().to_path_buf()
}

/// Prints the free space of the target dir's disk and the tail of what `cargo check` says in
/// trybuild's project.
fn explain_trybuild_failure() {
    let target = target_dir();
    if let Ok(df) = Command::new("df").arg("-h").arg(&target).output() {
        eprintln!("free space where the build writes:\n{}", String::from_utf8_lossy(&df.stdout));
    }
    let project = target.join("tests/trybuild").join(env!("CARGO_PKG_NAME"));
    if !project.join("Cargo.toml").is_file() {
        eprintln!("no trybuild project at {}", project.display());
        return;
    }
    let checked = Command::new(env!("CARGO"))
        .args(["check", "--bins", "--offline", "--color=never", "--config=build.rustflags=[\"--cfg\",\"trybuild\"]"])
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", target.join("tests/trybuild"))
        .env_remove("RUSTFLAGS")
        .output();
    match checked {
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim_start().starts_with("Checking") && !l.trim_start().starts_with("Compiling")).collect();
            let from = tail.len().saturating_sub(60);
            eprintln!("`cargo check --bins` in {} ({}):\n{}", project.display(), out.status, tail[from..].join("\n"));
        }
        Err(error) => eprintln!("could not run cargo in {}: {error}", project.display()),
    }
}
