//! Each shipped generative config (vae, dcgan, ddpm, resnet-vae) trains briefly through the real
//! binary and `frameworm sample` draws a grid of the right size from its checkpoint; the VAE's
//! and the DDPM's samples score a better `fd-digits` than those of the same model after one step.

mod common;

use std::path::{Path, PathBuf};

use common::{column, frameworm, png_size, run_dir, text, train};

/// Trains `configs/<config>.yaml` as run `name` with `extra` settings and no callbacks; returns the
/// run folder.
fn short_run(config: &str, output: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let mut args = vec!["--set", "callbacks=[]"];
    let name_setting = format!("name={name}");
    args.extend(["--set", &name_setting]);
    for setting in extra {
        args.extend(["--set", setting]);
    }
    let run = train(&format!("configs/{config}.yaml"), output, &args);
    assert!(run.status.success(), "{config}: {}", text(&run));
    run_dir(output, &format!("{name}-"))
}

/// `frameworm sample` of `count` images in `columns` columns; returns the PNG's size.
fn sample_grid(run: &Path, count: usize, columns: usize) -> (u32, u32) {
    let png = run.join("grid.png");
    let sample = frameworm()
        .args(["sample", "--checkpoint"])
        .arg(run.join("checkpoints/latest"))
        .args(["--n", &count.to_string(), "--columns", &columns.to_string(), "--seed", "5", "--out"])
        .arg(&png)
        .output()
        .unwrap();
    assert!(sample.status.success(), "{}", text(&sample));
    assert!(text(&sample).contains(&format!("{count} samples")), "{}", text(&sample));
    png_size(&png)
}

/// The size of a grid of 8×8 digits: cells scaled to 32 px, 2 px gaps around and between.
fn digit_grid(count: usize, columns: usize) -> (u32, u32) {
    let rows = count.div_ceil(columns);
    let side = |cells: usize| (cells * 32 + (cells + 1) * 2) as u32;
    (side(columns), side(rows))
}

/// `fd-digits` of a checkpoint's samples against 100 held-out digits (the evaluation seed is
/// the config's, so both runs of a comparison draw the same noise and the same real digits).
fn fd_digits(run: &Path) -> f64 {
    let evaluate = frameworm()
        .args(["evaluate", "--checkpoint"])
        .arg(run.join("checkpoints/latest"))
        .args(["--metrics", "fd-digits", "--n", "100", "--json"])
        .output()
        .unwrap();
    assert!(evaluate.status.success(), "{}", text(&evaluate));
    let report: serde_json::Value = serde_json::from_slice(&evaluate.stdout).unwrap();
    assert_eq!(report["items"], 100);
    report["scores"][0]["value"].as_f64().unwrap()
}

/// Trains `config` for `epochs` and for a single step, and checks that training at least
/// halved the Fréchet distance of its samples.
fn trained_beats_untrained(config: &str, epochs: usize, output: &Path) -> PathBuf {
    let untrained = short_run(config, output, "untrained", &["training.max_steps=1"]);
    let epochs_setting = format!("training.epochs={epochs}");
    let trained = short_run(config, output, "trained", &[&epochs_setting]);
    let (before, after) = (fd_digits(&untrained), fd_digits(&trained));
    assert!(before.is_finite() && after.is_finite() && after > 0.0, "{before} {after}");
    assert!(after < 0.5 * before, "{config}: fd-digits after {epochs} epochs {after:.1}, after one step {before:.1}");
    trained
}

#[test]
fn vae_samples_beat_an_untrained_vae() {
    // Measured: 1417 after one step, 868 after 5 epochs, 463 after 10 (1.4 s).
    let output = tempfile::tempdir().unwrap();
    let trained = trained_beats_untrained("vae-digits", 10, output.path());
    assert_eq!(sample_grid(&trained, 12, 4), digit_grid(12, 4));
}

#[test]
fn ddpm_samples_beat_an_untrained_ddpm() {
    // Measured: 673 after one step, 279 after 3 epochs (4.4 s; sampling 100 takes 6 s).
    let output = tempfile::tempdir().unwrap();
    let trained = trained_beats_untrained("ddpm-digits", 3, output.path());
    assert_eq!(column(&trained, "val_loss").len(), 3);
    assert_eq!(sample_grid(&trained, 10, 5), digit_grid(10, 5));
}

#[test]
fn dcgan_trains_and_samples_a_grid() {
    let output = tempfile::tempdir().unwrap();
    let run = short_run("dcgan-digits", output.path(), "dcgan", &["training.epochs=1"]);
    assert!(column(&run, "g_loss").iter().all(|v| v.is_finite()));
    assert_eq!(sample_grid(&run, 16, 8), digit_grid(16, 8));
}

#[test]
fn resnet_vae_trains_and_samples_a_grid() {
    let output = tempfile::tempdir().unwrap();
    let run = short_run("resnet-vae-digits", output.path(), "resnet", &["training.epochs=3"]);
    let loss = column(&run, "val_loss");
    assert!(loss.len() == 3 && loss[2] < loss[0], "held-out loss falls: {loss:?}");
    assert_eq!(sample_grid(&run, 7, 3), digit_grid(7, 3));
}
