//! `ddpm` end to end through the real binary: a short run of configs/ddpm-digits.yaml learns
//! (the noise-prediction loss falls well below its starting value of 1), writes metrics and a
//! checkpoint, and `frameworm sample` draws a PNG grid from that checkpoint.

mod common;

use common::{column, frameworm, run_dir, text};

#[test]
fn ddpm_digits_learns_checkpoints_and_samples() {
    let output = tempfile::tempdir().unwrap();
    // A small budget: two epochs (46 steps) of a narrower U-Net with 50 diffusion steps.
    let run = frameworm()
        .args(["train", "--quiet", "--config", "configs/ddpm-digits.yaml", "--set"])
        .arg(format!("output_dir={}", output.path().display()))
        .args(["--set", "training.epochs=2", "--set", "model.timesteps=50", "--set", "model.channels=[8,16]"])
        .output()
        .expect("the binary runs");
    assert!(run.status.success(), "{}", text(&run));
    let dir = run_dir(output.path(), "ddpm-digits-");

    // The untrained model predicts ε̂ = 0 (zero-initialised output layer), so the loss starts at
    // E[ε²] = 1; a couple of epochs bring it well below.
    let loss = column(&dir, "loss");
    let val_loss = column(&dir, "val_loss");
    assert_eq!((loss.len(), val_loss.len()), (2, 2), "one row per epoch");
    assert!(loss.iter().chain(&val_loss).all(|v| v.is_finite() && *v > 0.0), "{loss:?} {val_loss:?}");
    assert!(loss[1] < loss[0], "training loss falls: {loss:?}");
    assert!(val_loss[1] < 0.8, "held-out loss after two epochs: {val_loss:?}");
    let checkpoint = dir.join("checkpoints/latest");
    assert!(checkpoint.join("model.bpk").is_file() && checkpoint.join("state.json").is_file());

    let png = output.path().join("samples.png");
    let sample = frameworm()
        .args(["sample", "--checkpoint"])
        .arg(&checkpoint)
        .args(["--n", "6", "--seed", "3", "--out"])
        .arg(&png)
        .output()
        .expect("the binary runs");
    assert!(sample.status.success(), "{}", text(&sample));
    assert!(text(&sample).contains("6 samples") && text(&sample).contains("1×8×8 images"), "{}", text(&sample));
    // Six 8×8 digits in three columns (the default for six), cells scaled to 32 px, 2 px gaps.
    assert_eq!(common::png_size(&png), (3 * 32 + 4 * 2, 2 * 32 + 3 * 2));
}
