//! `frameworm train` end to end on the shipped DCGAN config: the `gan` trainer runs through the
//! real binary, reports its adversarial metrics, writes checkpoints with the discriminator
//! optimizer's state and sample grids, and resumes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{column, step_losses, text};

fn train(output: &Path, extra: &[&str]) -> Output {
    common::train("configs/dcgan-digits.yaml", output, extra)
}

#[test]
fn dcgan_digits_trains_with_the_gan_trainer() {
    let output = tempfile::tempdir().unwrap();
    let run = train(output.path(), &["--set", "training.epochs=2"]);
    assert!(run.status.success(), "{}", text(&run));
    let dir = common::run_dir(output.path(), "dcgan-digits-");
    for name in ["loss", "d_loss", "g_loss", "d_real", "d_fake", "val_loss", "val_d_loss", "val_g_loss", "val_d_real", "val_d_fake"] {
        let values = column(&dir, name);
        assert_eq!(values.len(), 2, "{name}: {values:?}");
        assert!(values.iter().all(|v| v.is_finite()), "{name}: {values:?}");
    }
    for name in ["d_real", "d_fake", "val_d_real", "val_d_fake"] {
        assert!(column(&dir, name).iter().all(|p| (0.0..=1.0).contains(p)), "{name} is a probability");
    }
    // Neither network wins outright in two epochs: D's loss stays well above 0.
    assert!(column(&dir, "d_loss").iter().all(|&l| l > 0.3 && l < 3.0), "{:?}", column(&dir, "d_loss"));
    let latest = dir.join("checkpoints/latest");
    assert!(latest.join("model.bpk").is_file() && latest.join("state.json").is_file());
    assert!(latest.join("discriminator-optimizer.bpk").is_file(), "the gan trainer saves its optimizer");
    assert!(dir.join("checkpoints/best/model.bpk").is_file());
    assert!(dir.join("samples/epoch-002.png").is_file(), "sample-grid drew the last epoch");
}

#[test]
fn a_resumed_gan_run_continues_exactly() {
    let output = tempfile::tempdir().unwrap();
    let common = ["--set", "training.epochs=2", "--set", "callbacks=[]"];
    let full = train(output.path(), &[&common[..], &["--set", "name=full"]].concat());
    assert!(full.status.success(), "{}", text(&full));
    // Stopped inside epoch 1 (after 30 of its 45 steps), then resumed.
    let part = train(output.path(), &[&common[..], &["--set", "name=part", "--set", "training.max_steps=30"]].concat());
    assert!(part.status.success(), "{}", text(&part));
    let resumed = train(output.path(), &[&common[..], &["--set", "name=part", "--resume", "auto"]].concat());
    assert!(resumed.status.success(), "{}", text(&resumed));
    let dirs: Vec<PathBuf> = std::fs::read_dir(output.path()).unwrap().flatten().map(|e| e.path()).collect();
    let find = |prefix: &str| dirs.iter().find(|d| d.file_name().unwrap().to_string_lossy().starts_with(prefix)).unwrap().clone();
    let (full_dir, part_dir) = (find("full-"), find("part-"));
    // Every step's loss is identical (the discriminator optimizer's state came back) …
    let (a, b) = (step_losses(&full_dir), step_losses(&part_dir));
    assert!(a.len() >= 90 && a == b, "step losses differ:\n{a:?}\n{b:?}");
    // … and so are the epoch means of the training and validation metrics (up to the last bit
    // of a differently ordered sum): validation noise is seeded from the epoch.
    for name in ["d_loss", "g_loss", "d_real", "d_fake", "val_d_loss", "val_g_loss", "val_d_real", "val_d_fake"] {
        let (x, y) = (column(&full_dir, name), column(&part_dir, name));
        assert_eq!(x.len(), 2);
        assert!(x.iter().zip(&y).all(|(p, q)| (p - q).abs() <= 1e-12 * p.abs().max(1.0)), "{name}: {x:?} vs {y:?}");
    }
}

#[test]
fn another_model_is_refused_before_the_run_starts() {
    let output = tempfile::tempdir().unwrap();
    let run = train(output.path(), &["--set", "model.name=vae", "--set", "metrics=[]", "--set", "checkpoint.monitor=val_loss"]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let message = text(&run);
    assert!(message.contains("trainer `gan` trains the `dcgan` model") && message.contains("trainer: {name: default}"), "{message}");
    assert!(message.contains("configs/dcgan-digits.yaml"), "the error names the config: {message}");
    assert_eq!(std::fs::read_dir(output.path()).unwrap().count(), 0, "no run folder for a run that never started");
}
