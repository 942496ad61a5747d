//! Helpers shared by the end-to-end tests: run the real `frameworm` binary and read what it wrote.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output};
use std::time::{Duration, Instant};

/// The binary under test, run from the repository root: the one cargo built for this test, or
/// `$FRAMEWORM_BIN` when set (a copy taken right after the build, where several checkouts share
/// one target folder and another's build may replace the binary while the tests run).
pub fn frameworm() -> Command {
    let binary = std::env::var_os("FRAMEWORM_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_frameworm").into());
    let mut command = Command::new(binary);
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// `frameworm train --quiet --config CONFIG --set output_dir=OUTPUT EXTRA…`.
pub fn train(config: &str, output: &Path, extra: &[&str]) -> Output {
    let mut command = frameworm();
    command.args(["train", "--quiet", "--config", config, "--set"]).arg(format!("output_dir={}", output.display()));
    for arg in extra {
        command.arg(arg);
    }
    command.output().expect("the binary runs")
}

/// stdout and stderr together.
pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The only run folder under `output` whose name starts with `name`.
pub fn run_dir(output: &Path, name: &str) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(output)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(name))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

/// metrics.csv as (header, rows).
pub fn csv(dir: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    let rows = lines.map(|l| l.split(',').map(|v| v.parse().unwrap_or(f64::NAN)).collect()).collect();
    (header, rows)
}

/// One column of metrics.csv.
pub fn column(dir: &Path, name: &str) -> Vec<f64> {
    let (header, rows) = csv(dir);
    let index = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    rows.iter().map(|r| r[index]).collect()
}

/// Width and height of a PNG, from its header.
pub fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[1..4], b"PNG", "{} is not a PNG", path.display());
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

/// `(step, loss)` of every row of `<dir>/metrics.jsonl`.
pub fn step_losses(dir: &Path) -> Vec<(u64, f64)> {
    std::fs::read_to_string(dir.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let row: serde_json::Value = serde_json::from_str(l).unwrap();
            (row["step"].as_u64().unwrap(), row["loss"].as_f64().unwrap())
        })
        .collect()
}

/// Copies a file or a folder tree, keeping symbolic links as links.
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(from)?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    if meta.file_type().is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from)?, to)
    } else if meta.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to).map(|_| ())
    }
}

/// Waits for `child` at most `limit`; past it the child is killed and the test fails naming
/// `what`.
pub fn wait_bounded(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
