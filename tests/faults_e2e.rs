//! Injected I/O faults through the real binary, one test per fault point: the `write`, `fsync`
//! and `rename` of a checkpoint, of the run folder's metrics logs and of an `export` output each
//! fail once (`FAILPOINTS`, the `failpoints` feature the test build turns on; see
//! `frameworm_core::fsio::faults`). Each run must fail with exit status 1 and a message naming
//! the file, the operation and the fault, leave no temporary file, keep its last good
//! checkpoint loadable (`frameworm evaluate` scores it) and resume from it once the fault is
//! gone. `full-disk` trains into a tmpfs too small for a second checkpoint (in a private mount
//! namespace, `unshare -m`); where no such folder can be made it is an ignored test saying why.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::sync::Arc;

use common::{copy_tree, frameworm, text};
use libtest_mimic::{Arguments, Failed, Trial};

const CONFIG: &str = "configs/mlp-digits.yaml";

/// One epoch of three steps, no callbacks: a run folder with one good checkpoint.
const FIXTURE: [&str; 6] = ["--set", "training.epochs=1", "--set", "data.batch_size=512", "--set", "callbacks=[]"];

/// The operations of a durable write, as the fault points and the messages name them.
const STEPS: [(&str, &[&str]); 3] = [
    ("write", &["cannot write", "cannot save model"]),
    ("fsync", &["cannot flush to disk"]),
    ("rename", &["cannot rename into place", "cannot replace link"]),
];

fn main() -> ExitCode {
    let arguments = Arguments::from_args();
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("faults_e2e-{}", std::process::id()));
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).unwrap();
    let fixture = Arc::new(std::sync::OnceLock::<Result<PathBuf, String>>::new());
    let fixture_dir = scratch.join("fixture");
    let good_run = {
        let fixture = Arc::clone(&fixture);
        move || -> Result<PathBuf, Failed> {
            let made = fixture.get_or_init(|| {
                let output = train(&fixture_dir, &[], &FIXTURE, None);
                if !output.status.success() {
                    return Err(format!("training the fixture failed:\n{}", text(&output)));
                }
                fs::read_dir(&fixture_dir).unwrap().flatten().map(|e| e.path()).next().ok_or_else(|| "no run folder".to_string())
            });
            made.clone().map_err(Failed::from)
        }
    };
    let mut trials = Vec::new();
    for site in ["checkpoint", "metrics"] {
        for (step, actions) in STEPS {
            let point = format!("{site}::{step}");
            let (good_run, tmp) = (good_run.clone(), scratch.join(point.replace("::", "-")));
            trials.push(Trial::test(format!("resume/{point}"), move || {
                let run = tmp.join("run");
                copy_tree(&good_run()?, &run).map_err(|e| format!("copy: {e}"))?;
                resume_with_fault(&run, &point, actions)?;
                let _ = fs::remove_dir_all(&tmp);
                Ok(())
            }));
        }
    }
    for (step, actions) in STEPS {
        let point = format!("export::{step}");
        let (good_run, tmp) = (good_run.clone(), scratch.join(point.replace("::", "-")));
        trials.push(Trial::test(format!("export/{point}"), move || {
            export_with_fault(&good_run()?, &tmp, &point, actions)?;
            let _ = fs::remove_dir_all(&tmp);
            Ok(())
        }));
    }
    let tmp = scratch.join("full-disk");
    let good_run_for_disk = good_run.clone();
    let trial = match full_disk_unavailable() {
        None => Trial::test("full-disk", move || full_disk(&good_run_for_disk()?, &tmp)),
        Some(why) => Trial::test(format!("full-disk (ignored: {why})"), || Ok(())).with_ignored_flag(true),
    };
    trials.push(trial);
    let conclusion = libtest_mimic::run(&arguments, trials);
    if !conclusion.has_failed() {
        let _ = fs::remove_dir_all(&scratch);
    }
    conclusion.exit_code()
}

/// `frameworm train --quiet --config CONFIG --set output_dir=OUTPUT RESUME… EXTRA…`, with
/// `FAILPOINTS` set to `faults` (or unset).
fn train(output: &Path, resume: &[&str], extra: &[&str], faults: Option<&str>) -> Output {
    let mut command = frameworm();
    command.args(["train", "--quiet", "--config", CONFIG, "--set"]).arg(format!("output_dir={}", output.display()));
    command.args(resume).args(extra).env_remove("RUST_BACKTRACE");
    match faults {
        Some(faults) => command.env("FAILPOINTS", faults),
        None => command.env_remove("FAILPOINTS"),
    };
    command.output().expect("the binary runs")
}

/// Checks that a failed command's message names the fault point, one of the operations in
/// `actions` and a path under `under`, and holds no panic.
fn check_failure(output: &Output, point: &str, actions: &[&str], under: &Path) -> Result<(), Failed> {
    let message = String::from_utf8_lossy(&output.stderr);
    let shown = || format!("exit {:?}\n{}", output.status.code(), text(output));
    if output.status.code() != Some(1) {
        return Err(format!("exit status {:?}, wanted 1; {}", output.status.code(), shown()).into());
    }
    if message.contains("panicked") {
        return Err(format!("a panic; {}", shown()).into());
    }
    if !message.contains(&format!("injected fault at failpoint `{point}`")) {
        return Err(format!("the message does not name the fault; {}", shown()).into());
    }
    if !actions.iter().any(|action| message.contains(action)) {
        return Err(format!("the message names none of the operations {actions:?}; {}", shown()).into());
    }
    if !message.contains(&under.display().to_string()) {
        return Err(format!("the message names no file under {}; {}", under.display(), shown()).into());
    }
    Ok(())
}

/// Resumes the copied run `run` for two more epochs with fault `point` firing once; then checks
/// the failure, the last good checkpoint and a fault-free resume.
fn resume_with_fault(run: &Path, point: &str, actions: &[&str]) -> Result<(), Failed> {
    let output_dir = run.parent().unwrap().join("runs");
    let more = ["--set", "training.epochs=3", "--set", "data.batch_size=512", "--set", "callbacks=[]"];
    let resume = ["--resume", run.to_str().unwrap()];
    let latest_before = fs::read_link(run.join("checkpoints/latest")).map_err(|e| format!("the fixture has no `latest`: {e}"))?;
    let failed = train(&output_dir, &resume, &more, Some(&format!("{point}=1*return")));
    check_failure(&failed, point, actions, run)?;
    let leftovers = temporaries(run);
    if !leftovers.is_empty() {
        return Err(format!("the failed run left temporary files: {leftovers:?}").into());
    }
    let latest = fs::read_link(run.join("checkpoints/latest")).map_err(|e| format!("no `latest` after the fault: {e}"))?;
    if !run.join("checkpoints").join(&latest).join("model.bpk").is_file() {
        return Err(format!("`latest` -> {} is not a complete checkpoint", latest.display()).into());
    }
    // The last good checkpoint still scores, and a resume without the fault finishes the run.
    let evaluate = frameworm().args(["evaluate", "--checkpoint", run.to_str().unwrap(), "--metrics", "accuracy", "--json"]).output().unwrap();
    if !evaluate.status.success() || !text(&evaluate).contains("accuracy") {
        return Err(format!("the last good checkpoint does not evaluate:\n{}", text(&evaluate)).into());
    }
    let resumed = train(&output_dir, &resume, &more, None);
    if !resumed.status.success() {
        return Err(format!("the fault-free resume failed (latest was {}, before {}):\n{}", latest.display(), latest_before.display(), text(&resumed)).into());
    }
    let state: serde_json::Value = serde_json::from_slice(&fs::read(run.join("checkpoints/latest/state.json")).unwrap()).unwrap();
    if state["epoch"].as_u64() != Some(3) {
        return Err(format!("the resumed run ended at epoch {} instead of 3", state["epoch"]).into());
    }
    let csv = fs::read_to_string(run.join("metrics.csv")).unwrap();
    let epochs: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    if epochs != ["1", "2", "3"] {
        return Err(format!("metrics.csv epochs after the fault and the resume: {epochs:?}\n{csv}").into());
    }
    let left = temporaries(run);
    if !left.is_empty() {
        return Err(format!("the resume left temporary files: {left:?}").into());
    }
    Ok(())
}

/// Exports the good run with fault `point` firing once: the command fails, nothing is left
/// where the output was to go, and the export succeeds once the fault is gone.
fn export_with_fault(run: &Path, tmp: &Path, point: &str, actions: &[&str]) -> Result<(), Failed> {
    fs::create_dir_all(tmp).unwrap();
    let out = tmp.join("model.safetensors");
    let export = |faults: Option<&str>| {
        let mut command = frameworm();
        command.args(["export", "--checkpoint", run.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        match faults {
            Some(faults) => command.env("FAILPOINTS", faults),
            None => command.env_remove("FAILPOINTS"),
        };
        command.output().unwrap()
    };
    let failed = export(Some(&format!("{point}=1*return")));
    check_failure(&failed, point, actions, &out)?;
    let left: Vec<_> = fs::read_dir(tmp).unwrap().flatten().map(|e| e.path()).collect();
    if !left.is_empty() {
        return Err(format!("the failed export left {left:?}").into());
    }
    let exported = export(None);
    if !exported.status.success() || !out.is_file() {
        return Err(format!("the fault-free export failed:\n{}", text(&exported)).into());
    }
    Ok(())
}

/// Why no full-disk folder can be made here (`None`: it can).
fn full_disk_unavailable() -> Option<String> {
    let probe = Command::new("unshare").args(["-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt"]).output();
    match probe {
        Ok(output) if output.status.success() => None,
        Ok(output) => Some(format!("no tmpfs in a private mount namespace: {}", String::from_utf8_lossy(&output.stderr).trim())),
        Err(error) => Some(format!("cannot run `unshare`: {error}")),
    }
}

/// Trains into a tmpfs that holds the run folder and one checkpoint but not a second: the run
/// must fail at the second checkpoint naming the file and the full disk, and the first
/// checkpoint must still evaluate, all inside one private mount namespace.
fn full_disk(good_run: &Path, tmp: &Path) -> Result<(), Failed> {
    let one_checkpoint: u64 = {
        let folder = good_run.join("checkpoints").join(fs::read_link(good_run.join("checkpoints/latest")).unwrap());
        fs::read_dir(&folder).unwrap().flatten().map(|e| e.metadata().unwrap().len().div_ceil(4096) * 4096).sum()
    };
    // The run folder's own files (config, logs, lock) take a few pages; a second checkpoint
    // beside the first does not fit.
    let size = one_checkpoint + one_checkpoint / 2 + 64 * 1024;
    let disk = tmp.join("disk");
    fs::create_dir_all(&disk).unwrap();
    let binary = std::env::var_os("FRAMEWORM_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_frameworm").into());
    let script = r#"set -u
mount -t tmpfs -o size="$SIZE" tmpfs "$DISK" || exit 90
"$BIN" train --quiet --config configs/mlp-digits.yaml --set output_dir="$DISK" --set training.epochs=3 --set data.batch_size=512 --set callbacks=[]
echo "train-exit=$?"
run=$(ls -d "$DISK"/*/ | head -n 1)
echo "run=$run"
ls -la "$run/checkpoints"
"$BIN" evaluate --checkpoint "$run" --metrics accuracy --json
echo "evaluate-exit=$?"
umount "$DISK""#;
    let output = Command::new("unshare")
        .args(["-m", "sh", "-c", script])
        .env("SIZE", size.to_string())
        .env("DISK", &disk)
        .env("BIN", &binary)
        .env_remove("FAILPOINTS")
        .env_remove("RUST_BACKTRACE")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let all = text(&output);
    let shown = || format!("tmpfs of {size} bytes (one checkpoint: {one_checkpoint}):\n{all}");
    if !all.contains("train-exit=1") {
        return Err(format!("the run did not fail with exit status 1; {}", shown()).into());
    }
    if !all.contains("No space left on device") || !all.contains(&format!("{}/", disk.display())) || all.contains("panicked") {
        return Err(format!("the failure does not name the file and the full disk; {}", shown()).into());
    }
    if !all.contains("evaluate-exit=0") || !all.contains("accuracy") {
        return Err(format!("the first checkpoint does not evaluate; {}", shown()).into());
    }
    let _ = fs::remove_dir_all(tmp);
    Ok(())
}

/// Temporary files and folders under `dir` (names holding `.tmp`).
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        for entry in fs::read_dir(&path).into_iter().flatten().flatten() {
            if entry.file_name().to_string_lossy().contains(".tmp") {
                found.push(entry.path());
            }
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
            }
        }
    }
    found
}
