//! `frameworm train` end to end through the real binary on the embedded digits: the shipped
//! configs learn, resume replays an uninterrupted run exactly, Ctrl-C leaves a resumable
//! checkpoint, and bad configs fail before training with file:line messages. Also the command
//! line's own outputs: `info`, shell completions and man pages.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{column, csv, frameworm, run_dir, step_losses, text, train};
use std::time::{Duration, Instant};


#[test]
fn mlp_digits_reaches_90_percent_held_out_accuracy() {
    let output = tempfile::tempdir().unwrap();
    let run = train("configs/mlp-digits.yaml", output.path(), &[]);
    assert!(run.status.success(), "{}", text(&run));
    let dir = run_dir(output.path(), "mlp-digits-");
    let accuracy = column(&dir, "val_accuracy");
    assert!(*accuracy.last().unwrap() >= 0.90, "held-out accuracy {accuracy:?}");
    assert!(dir.join("checkpoints/best/model.bpk").is_file() && dir.join("checkpoints/latest/state.json").is_file());
    assert!(dir.join("config.yaml").is_file());
    assert!(dir.join("metrics-logger/metrics/val_accuracy").is_file(), "metrics-logger wrote its files");
}

#[test]
fn vae_digits_loss_falls_with_reconstruction_and_kl_reported() {
    let output = tempfile::tempdir().unwrap();
    let run = train("configs/vae-digits.yaml", output.path(), &["--set", "training.epochs=4"]);
    assert!(run.status.success(), "{}", text(&run));
    let dir = run_dir(output.path(), "vae-digits-");
    let loss = column(&dir, "loss");
    assert_eq!(loss.len(), 4);
    assert!(loss[3] < loss[0] * 0.8, "loss should fall: {loss:?}");
    for name in ["reconstruction", "kl", "val_loss", "val_reconstruction", "val_kl", "val_mae"] {
        assert!(column(&dir, name).iter().all(|v| v.is_finite()), "{name}");
    }
}

/// The `tensorboard` callback's event files, read back with its own reader (the same files load
/// in TensorBoard's `EventAccumulator`: README, Tracking runs): every epoch metric once per epoch
/// at the epoch's last step, `batch_loss` every 5 steps, and a resumed run adds a file whose
/// curves go on from where the first stopped.
#[test]
fn tensorboard_event_files_carry_every_epoch_metric_and_go_on_after_a_resume() {
    use frameworm_plugin_tensorboard::events;
    let output = tempfile::tempdir().unwrap();
    let common = ["--set", "training.epochs=2", "--set", "name=tb", "--set", "callbacks=[{name: tensorboard, log_every: 5}]"];
    let part = train("configs/mlp-digits.yaml", output.path(), &[&common[..], &["--set", "training.max_steps=30"]].concat());
    assert!(part.status.success(), "{}", text(&part));
    let resumed = train("configs/mlp-digits.yaml", output.path(), &[&common[..], &["--resume", "auto"]].concat());
    assert!(resumed.status.success(), "{}", text(&resumed));
    let dir = run_dir(output.path(), "tb-").join("tensorboard");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 2, "one event file per session: {files:?}");
    let mut scalars = Vec::new();
    for file in &files {
        let read = events::read(file).unwrap();
        assert_eq!(read[0].file_version, "brain.Event:2");
        scalars.extend(read.iter().flat_map(events::scalars));
    }
    let curve = |tag: &str| scalars.iter().filter(|(t, ..)| t == tag).map(|(_, value, step)| (*value, *step)).collect::<Vec<_>>();
    for tag in ["loss", "accuracy", "val_loss", "val_accuracy", "lr"] {
        let values = curve(tag);
        assert_eq!(values.len(), 2, "{tag}: once per epoch: {values:?}");
        assert!(values[0].1 < values[1].1 && values.iter().all(|(v, _)| v.is_finite()), "{tag}: {values:?}");
    }
    let batch = curve("batch_loss");
    assert!(batch.len() >= 8 && batch.iter().all(|(_, step)| step % 5 == 0), "{batch:?}");
    assert!(batch.windows(2).all(|w| w[0].1 < w[1].1), "the resumed session goes on from the first's last step: {batch:?}");
}

#[test]
fn a_resumed_run_replays_the_uninterrupted_one_exactly() {
    let output = tempfile::tempdir().unwrap();
    let common = ["--set", "training.epochs=2", "--set", "callbacks=[]"];
    let full = train("configs/vae-digits.yaml", output.path(), &[&common[..], &["--set", "name=full"]].concat());
    assert!(full.status.success(), "{}", text(&full));
    let part = train("configs/vae-digits.yaml", output.path(), &[&common[..], &["--set", "name=part", "--set", "training.max_steps=30"]].concat());
    assert!(part.status.success(), "{}", text(&part));
    assert!(text(&part).contains("resume with:"), "{}", text(&part));
    let resumed = train("configs/vae-digits.yaml", output.path(), &[&common[..], &["--set", "name=part", "--resume", "auto"]].concat());
    assert!(resumed.status.success(), "{}", text(&resumed));
    let (full_dir, part_dir) = (run_dir(output.path(), "full-"), run_dir(output.path(), "part-"));
    let (a, b) = (step_losses(&full_dir), step_losses(&part_dir));
    assert!(a.len() > 30 && a == b, "step losses differ:\n{a:?}\n{b:?}");
    assert_eq!(csv(&full_dir).1.len(), 2);
    assert_eq!(format!("{:?}", csv(&full_dir).1), format!("{:?}", csv(&part_dir).1), "epoch rows differ");
}

#[test]
fn ctrl_c_writes_a_checkpoint_that_resumes() {
    let output = tempfile::tempdir().unwrap();
    let slow = ["--set", "data.batch_size=4", "--set", "callbacks=[]"];
    let mut command = frameworm();
    command
        .args(["train", "--quiet", "--config", "configs/vae-digits.yaml", "--set", "name=interrupted"])
        .args(slow)
        .arg("--set")
        .arg(format!("output_dir={}", output.path().display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    let started = Instant::now();
    let jsonl = loop {
        let found = std::fs::read_dir(output.path()).ok().and_then(|mut d| d.next()).and_then(|e| e.ok()).map(|e| e.path().join("metrics.jsonl"));
        if let Some(path) = found
            && std::fs::read_to_string(&path).is_ok_and(|t| t.lines().count() >= 3)
        {
            break path;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "training did not start");
        std::thread::sleep(Duration::from_millis(20));
    };
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(130), "{all}");
    assert!(all.contains("resume with:") && all.contains("--resume"), "{all}");
    let dir = jsonl.parent().unwrap();
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("checkpoints/latest/state.json")).unwrap()).unwrap();
    let stopped_at = state["step"].as_u64().unwrap();
    assert!(stopped_at >= 3 && state["epoch"].as_u64() == Some(0), "{state}");

    // Resumed to the end of epoch 1, it matches an uninterrupted one-epoch run step for step.
    let one_epoch = ["--set", "training.epochs=1"];
    let resumed = train("configs/vae-digits.yaml", output.path(), &[&slow[..], &one_epoch, &["--set", "name=interrupted", "--resume", "auto"]].concat());
    assert!(resumed.status.success(), "{}", text(&resumed));
    let straight = train("configs/vae-digits.yaml", output.path(), &[&slow[..], &one_epoch, &["--set", "name=straight"]].concat());
    assert!(straight.status.success(), "{}", text(&straight));
    assert_eq!(step_losses(dir), step_losses(&run_dir(output.path(), "straight-")));
}

fn validate(config: &Path, extra: &[&str]) -> (bool, String) {
    let out = frameworm().arg("config").arg("validate").arg(config).args(extra).output().unwrap();
    (out.status.success(), text(&out))
}

#[test]
fn bad_configs_fail_before_training_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize("configs/base.yaml").unwrap();
    let write = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        path
    };
    let vae = write("vae.yaml", &format!("_base_: {}\nmodel:\n  name: vae\n  lattent_dim: 4\n", base.display()));
    let (ok, message) = validate(&vae, &[]);
    assert!(!ok);
    assert!(message.contains("vae.yaml:4: unknown field `lattent_dim` in model.vae, did you mean `latent_dim`?"), "{message}");

    let typo = write("typo.yaml", &format!("_base_: {}\nmodel:\n  name: vea\n", base.display()));
    let (ok, message) = validate(&typo, &[]);
    assert!(!ok && message.contains("typo.yaml:3: unknown model `vea`, did you mean `vae`?"), "{message}");

    let (ok, message) = validate(&vae, &["--set", "model.lattent_dim=null", "--set", "training.epochs=many"]);
    assert!(!ok && message.contains("--set training.epochs=many: `training.epochs`: invalid type: string \"many\""), "{message}");

    let engine = write("engine.yaml", &format!("_base_: {}\nmodel: {{name: vae}}\ntraning:\n  epochs: 2\n", base.display()));
    let (ok, message) = validate(&engine, &[]);
    assert!(!ok && message.contains("engine.yaml:3: unknown field `traning` in the config, did you mean `training`?"), "{message}");

    write("a.yaml", "_base_: b.yaml\n");
    let b = write("b.yaml", "_base_: a.yaml\n");
    let (ok, message) = validate(&b, &[]);
    assert!(!ok && message.contains("`_base_` cycle:") && message.contains("b.yaml -> ") && message.contains("a.yaml -> "), "{message}");

    // Monitoring a metric nobody produces fails before any run folder exists.
    let output = dir.path().join("runs");
    let run = train(
        "configs/mlp-digits.yaml",
        &output,
        &["--set", "callbacks=[{name: early-stopping, monitor: val_acc}]"],
    );
    let message = text(&run);
    assert!(!run.status.success() && message.contains("callback `early-stopping` monitors `val_acc`, which no component of this run produces, did you mean `val_accuracy`?"), "{message}");
    assert!(!output.exists() || std::fs::read_dir(&output).unwrap().next().is_none(), "no run folder for a failed start");

    // A checkpoint of another model is refused with both names.
    let mlp = train("configs/mlp-digits.yaml", &output, &["--set", "training.epochs=1", "--set", "callbacks=[]"]);
    assert!(mlp.status.success(), "{}", text(&mlp));
    let checkpoint = run_dir(&output, "mlp-digits-").join("checkpoints/latest");
    let other = train("configs/vae-digits.yaml", &output, &["--resume", checkpoint.to_str().unwrap()]);
    let message = text(&other);
    assert!(!other.status.success() && message.contains("holds model `mlp-classifier`") && message.contains("trains `vae`"), "{message}");

    // A missing data folder names the file.
    let missing = train("configs/mlp-digits.yaml", &output, &["--set", "dataset={name: mnist-idx, dir: /nonexistent/mnist}"]);
    let message = text(&missing);
    assert!(!missing.status.success() && message.contains("/nonexistent/mnist"), "{message}");
}

#[test]
fn config_show_prints_the_merged_config_with_defaults_and_overrides() {
    let out = frameworm().args(["config", "show", "configs/vae-digits.yaml", "--set", "optimizer.lr=5e-4", "--model", "mlp-classifier"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let shown: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["model"]["name"], "mlp-classifier");
    assert_eq!(shown["model"]["hidden"], serde_yaml::from_str::<serde_yaml::Value>("[128, 64]").unwrap(), "component defaults filled in");
    assert!(shown["model"].get("latent_dim").is_none(), "the vae's keys are dropped with --model");
    assert_eq!(shown["optimizer"]["lr"].as_f64(), Some(5e-4));
    assert_eq!(shown["optimizer"]["grad_clip_norm"].as_f64(), Some(10.0), "the file beats its base");
    assert_eq!(shown["data"]["batch_size"].as_u64(), Some(64), "the base is inherited");
}

#[test]
fn info_reports_backends_and_device_errors_name_the_feature() {
    let info = frameworm().args(["info", "--json"]).output().unwrap();
    assert!(info.status.success(), "{}", text(&info));
    let report: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    let backends = report["backends"].as_array().unwrap();
    let names: Vec<&str> = backends.iter().map(|b| b["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["cuda", "wgpu", "tch", "flex", "llvm", "ndarray"]);
    let flex = &backends[3];
    assert_eq!((flex["compiled"].as_bool(), flex["devices"].as_u64()), (Some(true), Some(1)), "{flex}");
    assert!(report["plugins"].as_u64().unwrap() >= 20 && report["components"]["models"].as_u64().unwrap() >= 5, "{report}");

    let output = tempfile::tempdir().unwrap();
    // A backend this build lacks, an unknown name, and a device picked explicitly.
    let missing = backends.iter().find(|b| b["compiled"] == false).map(|b| b["name"].as_str().unwrap().to_string());
    if let Some(name) = missing {
        let run = train("configs/mlp-digits.yaml", output.path(), &["--device", &name]);
        assert_eq!(run.status.code(), Some(1), "{}", text(&run));
        assert!(text(&run).contains("rebuild with `cargo build --release --features"), "{}", text(&run));
    }
    let run = train("configs/mlp-digits.yaml", output.path(), &["--device", "gpu"]);
    assert!(text(&run).contains("unknown device `gpu`; use auto, cpu, cuda"), "{}", text(&run));
    assert_eq!(std::fs::read_dir(output.path()).unwrap().count(), 0, "no run folder for a refused device");
    let run = train("configs/mlp-digits.yaml", output.path(), &["--device", "flex", "--set", "training.epochs=1", "--set", "callbacks=[]"]);
    assert!(run.status.success(), "{}", text(&run));
}

/// What bash offers for the words after `frameworm` (the last one being completed), through the
/// script `frameworm completions bash` printed.
fn bash_offers(script: &Path, words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=(frameworm {}); COMP_CWORD={}; _frameworm frameworm '{}' '{}'; echo \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len(),
        words[words.len() - 1],
        words.get(words.len().wrapping_sub(2)).copied().unwrap_or("frameworm"),
    );
    let output = Command::new("bash").args(["--norc", "-c", &program]).output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn completions_offer_the_registry_and_man_pages_cover_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = frameworm().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}: {}", text(&output));
        let script = String::from_utf8_lossy(&output.stdout);
        // elvish's and powershell's scripts complete flags and commands only.
        let offers_names = ["bash", "zsh", "fish"].contains(&shell);
        assert!(script.contains("disable-plugin") && (!offers_names || script.contains("mlp-classifier")), "{shell}: {script}");
        std::fs::write(dir.path().join(shell), script.as_bytes()).unwrap();
    }
    let bash = dir.path().join("bash");
    let syntax = Command::new("bash").arg("-n").arg(&bash).output().unwrap();
    assert!(syntax.status.success(), "{}", text(&syntax));
    let models = bash_offers(&bash, &["train", "--model", ""]);
    for model in ["mlp-classifier", "vae", "tabular", "char-transformer"] {
        assert!(models.split_whitespace().any(|m| m == model), "--model offers {models}");
    }
    let keys = bash_offers(&bash, &["train", "--set", "training.ep"]);
    assert_eq!(keys.trim(), "training.epochs=", "--set training.ep offers {keys}");
    let plugins = bash_offers(&bash, &["--disable-plugin", "early"]);
    assert_eq!(plugins.trim(), "early-stopping");
    let metrics = bash_offers(&bash, &["evaluate", "--metrics", "acc"]);
    assert_eq!(metrics.trim(), "accuracy");
    // The names are offered, not enforced: the parser still takes any value (and says what is wrong).
    let unknown = frameworm().args(["evaluate", "--checkpoint", "nowhere", "--metrics", "acuracy"]).output().unwrap();
    assert!(!text(&unknown).contains("invalid value"), "{}", text(&unknown));

    let man = dir.path().join("man");
    let written = frameworm().args(["manpage", "--out", man.to_str().unwrap()]).output().unwrap();
    assert!(written.status.success(), "{}", text(&written));
    for page in ["frameworm.1", "frameworm-train.1", "frameworm-plugins-list.1", "frameworm-completions.1"] {
        let roff = std::fs::read_to_string(man.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(roff.starts_with(".ie") || roff.contains(".TH"), "{page} is not a man page: {roff}");
    }
    let train = std::fs::read_to_string(man.join("frameworm-train.1")).unwrap();
    assert!(train.contains("resume") && train.contains("devices"), "{train}");
}
