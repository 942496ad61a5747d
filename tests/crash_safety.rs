//! Crash safety through the real binary: a trainer killed with SIGKILL at random (seeded)
//! moments always leaves a run folder that resumes (a complete `latest` checkpoint, a
//! `metrics.csv` and a `metrics.jsonl` that parse, no leftovers after the resume), and a second
//! `frameworm train` into a folder another one is training in is refused, naming the holder.
//!
//! The killed trainers write their checkpoints slowly (each checkpoint file's fsync sleeps
//! [`SLOW_FSYNC`] through the `checkpoint::fsync` fault point), so that kills land inside a
//! checkpoint write; the test asserts that at least [`MIN_MID_CHECKPOINT_KILLS`] of them did.
//!
//! `CRASH_SEED=N` replays another sequence of kill moments.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{frameworm, run_dir, text};

const CONFIG: &str = "configs/mlp-digits.yaml";

/// Runs that never finish on their own (the kill or `max_steps` ends them), with a constant
/// learning rate (so `max_steps` changes nothing else) and no early stopping.
const ENDLESS: [&str; 6] = ["--set", "training.epochs=100000", "--set", "callbacks=[]", "--set", "scheduler.name=constant"];

/// The fault point that makes every checkpoint file's fsync of a killed trainer take 30 ms
/// longer (five files a checkpoint: 150 ms of each epoch's checkpoint is spent inside it).
const SLOW_FSYNC: &str = "checkpoint::fsync=sleep(30)";

/// Of the 20 kills, at least this many must land inside a checkpoint write (leaving its
/// temporary folder or link behind for the resume to clean up).
const MIN_MID_CHECKPOINT_KILLS: usize = 10;

/// splitmix64: the kill moments, reproducible from one seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..max` milliseconds.
    fn millis(&mut self, max: u64) -> Duration {
        Duration::from_millis(self.next() % max)
    }
}

/// `frameworm train --quiet --config CONFIG --set output_dir=OUTPUT ENDLESS… EXTRA…`, stdout
/// discarded and stderr to `log` (read when a check fails).
fn spawn(output: &Path, extra: &[&str], log: &Path) -> Child {
    let mut command = frameworm();
    command.args(["train", "--quiet", "--config", CONFIG, "--set"]).arg(format!("output_dir={}", output.display()));
    command.args(ENDLESS).args(extra).env("FAILPOINTS", SLOW_FSYNC);
    command.stdout(Stdio::null()).stderr(fs::File::create(log).unwrap());
    command.spawn().expect("the binary starts")
}

/// Runs `frameworm train … EXTRA…` to its end.
fn run(output: &Path, extra: &[&str]) -> std::process::Output {
    let mut command: Command = frameworm();
    command.args(["train", "--quiet", "--config", CONFIG, "--set"]).arg(format!("output_dir={}", output.display()));
    command.args(ENDLESS).args(extra);
    command.output().expect("the binary runs")
}

/// The folder `checkpoints/<link>` points to, checked complete: every file a resume reads is
/// there and `state.json` parses.
fn checkpoint(dir: &Path, link: &str) -> Option<(PathBuf, serde_json::Value)> {
    let checkpoints = dir.join("checkpoints");
    let target = fs::read_link(checkpoints.join(link)).ok()?;
    let folder = checkpoints.join(target);
    for file in ["model.bpk", "optimizer.bpk", "scheduler.bpk", "config.yaml", "state.json"] {
        assert!(folder.join(file).is_file(), "{link} -> {}: no {file}", folder.display());
    }
    let state = serde_json::from_slice(&fs::read(folder.join("state.json")).unwrap())
        .unwrap_or_else(|e| panic!("{}: state.json does not parse: {e}", folder.display()));
    Some((folder, state))
}

fn step_of(state: &serde_json::Value) -> u64 {
    state["step"].as_u64().expect("state.json has a step")
}

/// Waits until `checkpoints/latest` exists (the first epoch is done).
fn wait_for_checkpoint(output: &Path, child: &mut Child, log: &Path) -> PathBuf {
    let started = Instant::now();
    loop {
        if let Ok(entries) = fs::read_dir(output)
            && let Some(dir) = entries.flatten().map(|e| e.path()).next()
            && checkpoint(&dir, "latest").is_some()
        {
            return dir;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the trainer ended ({status}) before its first checkpoint: {}", fs::read_to_string(log).unwrap_or_default());
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no checkpoint after 60 s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// metrics.csv parses: a header `epoch,step,…`, rows of as many numbers (or empty cells), and
/// epochs 1, 2, 3, … in order. Returns the epochs.
fn csv_epochs(dir: &Path) -> Vec<u64> {
    let text = fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("metrics.csv has a header").split(',').collect();
    assert_eq!(header[..2], ["epoch", "step"], "{text}");
    let mut epochs = Vec::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len(), "metrics.csv row `{line}` does not fit the header {header:?}");
        for cell in &cells[2..] {
            assert!(cell.is_empty() || cell.parse::<f64>().is_ok(), "metrics.csv cell `{cell}` in `{line}`");
        }
        epochs.push(cells[0].parse::<u64>().unwrap_or_else(|_| panic!("metrics.csv epoch in `{line}`")));
    }
    assert_eq!(epochs, (1..=epochs.len() as u64).collect::<Vec<_>>(), "metrics.csv epochs");
    epochs
}

/// metrics.jsonl holds whole JSON rows, steps increasing. Returns the steps.
fn jsonl_steps(dir: &Path) -> Vec<u64> {
    let text = fs::read_to_string(dir.join("metrics.jsonl")).unwrap();
    let steps: Vec<u64> = text
        .lines()
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("metrics.jsonl row `{line}`: {e}"));
            row["step"].as_u64().unwrap_or_else(|| panic!("metrics.jsonl row without a step: `{line}`"))
        })
        .collect();
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "metrics.jsonl steps go back: {steps:?}");
    steps
}

/// Whatever a killed writer may leave: temporary checkpoint folders and links, temporary files.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for folder in [dir.to_path_buf(), dir.join("checkpoints")] {
        for entry in fs::read_dir(folder).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp-") || name.starts_with(".old-") || name.contains(".tmp-") {
                found.push(name);
            }
        }
    }
    found
}

#[test]
fn a_trainer_killed_at_random_moments_always_resumes() {
    let seed = std::env::var("CRASH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x00C0_FFEE);
    let mut rng = Rng(seed);
    let started = Instant::now();
    let output = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("trainer.log");
    let mut dir: Option<PathBuf> = None;
    let (mut mid_checkpoint, mut before_restore) = (0, 0);
    for kill in 0..20 {
        let latest_before = dir.as_deref().and_then(|d| checkpoint(d, "latest")).map(|(f, _)| f);
        let mut child = match &dir {
            None => {
                // A fresh run, killed some time after its first checkpoint.
                let mut child = spawn(output.path(), &[], &log);
                dir = Some(wait_for_checkpoint(output.path(), &mut child, &log));
                std::thread::sleep(rng.millis(1500));
                child
            }
            Some(dir) => {
                let child = spawn(output.path(), &["--resume", &dir.display().to_string()], &log);
                std::thread::sleep(rng.millis(2000));
                child
            }
        };
        let ended = child.try_wait().unwrap();
        assert!(ended.is_none(), "kill {kill}: the trainer ended by itself ({ended:?}): {}", fs::read_to_string(&log).unwrap_or_default());
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let dir = dir.as_deref().unwrap();
        let why = || format!("seed {seed}, kill {kill}; the killed trainer's stderr: {}", fs::read_to_string(&log).unwrap_or_default());

        // What the kill left: a complete `latest`, logs that parse.
        let (latest, state) = checkpoint(dir, "latest").unwrap_or_else(|| panic!("no loadable `latest` checkpoint; {}", why()));
        checkpoint(dir, "best");
        csv_epochs(dir);
        jsonl_steps(dir);
        // A temporary checkpoint folder or link: the kill landed inside a checkpoint write.
        if leftovers(dir).iter().any(|name| name.starts_with(".tmp-")) {
            mid_checkpoint += 1;
        }
        if latest_before.as_ref() == Some(&latest) {
            before_restore += 1;
        }

        // It resumes: three more steps from exactly that checkpoint, then a clean stop.
        let step = step_of(&state);
        let resumed = run(output.path(), &["--resume", &dir.display().to_string(), "--set", &format!("training.max_steps={}", step + 3)]);
        assert!(resumed.status.success(), "the resume failed; {}\n{}", why(), text(&resumed));
        assert!(text(&resumed).contains(&format!("resumed from {}", latest.display())), "{}", text(&resumed));
        let (_, after) = checkpoint(dir, "latest").expect("the resumed run wrote a checkpoint");
        assert_eq!(step_of(&after), step + 3, "{}", text(&resumed));
        // The logs read as one uninterrupted run: every epoch and every step once, in order.
        let epochs = csv_epochs(dir);
        assert_eq!(epochs.len() as u64, after["epoch"].as_u64().unwrap(), "metrics.csv rows vs the checkpoint's epoch");
        assert_eq!(jsonl_steps(dir), (1..=step + 3).collect::<Vec<_>>(), "metrics.jsonl steps");
        assert_eq!(leftovers(dir), Vec::<String>::new(), "what killed runs left half-written is cleaned up");
        let folders = fs::read_dir(dir.join("checkpoints")).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().starts_with("step-")).count();
        assert!(folders <= 2, "only `latest` and `best` are kept, found {folders} checkpoint folders");
    }
    eprintln!(
        "20 kills (seed {seed}) in {:.1} s: {mid_checkpoint} landed inside a checkpoint write, {before_restore} left `latest` where the killed run found it",
        started.elapsed().as_secs_f64()
    );
    assert!(
        mid_checkpoint >= MIN_MID_CHECKPOINT_KILLS,
        "only {mid_checkpoint} of 20 kills landed inside a checkpoint write (at least {MIN_MID_CHECKPOINT_KILLS} must): the test no longer tests what it says"
    );
}

#[test]
fn a_second_trainer_is_refused_and_a_killed_ones_lock_does_not_block() {
    let output = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("trainer.log");
    let mut first = spawn(output.path(), &[], &log);
    let dir = wait_for_checkpoint(output.path(), &mut first, &log);
    let csv_before = fs::read(dir.join("metrics.csv")).unwrap();

    // `--resume <run>` and `--resume auto` both land in the folder the first one trains in.
    for resume in [dir.display().to_string(), "auto".to_string()] {
        // (Were it not refused, it would stop after one step.)
        let second = run(output.path(), &["--resume", &resume, "--set", "training.max_steps=1"]);
        let message = text(&second);
        assert_eq!(second.status.code(), Some(1), "{message}");
        assert!(message.contains(&format!("run folder {} is in use by another `frameworm train` (pid {})", dir.display(), first.id())), "{message}");
        assert!(message.contains("wait for it to finish or stop it"), "{message}");
    }
    assert_eq!(run_dir(output.path(), "mlp-digits-"), dir, "the refused runs created no folder");
    assert!(first.try_wait().unwrap().is_none(), "the first trainer still runs");
    let csv_now = fs::read(dir.join("metrics.csv")).unwrap();
    assert!(csv_now.starts_with(&csv_before), "the refused runs did not rewrite the first one's log");

    // SIGKILL leaves `train.lock` behind, but not the lock: the next resume just works.
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(dir.join("train.lock").is_file());
    let (_, state) = checkpoint(&dir, "latest").unwrap();
    let resumed = run(output.path(), &["--resume", &dir.display().to_string(), "--set", &format!("training.max_steps={}", step_of(&state) + 1)]);
    assert!(resumed.status.success(), "{}", text(&resumed));
}
