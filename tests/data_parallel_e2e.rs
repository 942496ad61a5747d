//! Training on several devices at once (`--devices`, `training.devices`) through the real
//! binary: two local devices follow the single-device loss curve at the same global batch, a
//! trainer that cannot spread over devices is refused before anything is written. Remote
//! devices: tests/remote_e2e.rs.

mod common;

use common::{column, run_dir, step_losses, text, train};

/// Three epochs of mlp-digits (no early stopping) at an odd global batch, so the two devices
/// get slices of 17 and 16 items.
const SHORT: [&str; 6] = ["--set", "training.epochs=3", "--set", "callbacks=[]", "--set", "data.batch_size=33"];

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-12)
}

#[test]
fn two_local_devices_follow_the_single_device_loss_curve() {
    let output = tempfile::tempdir().unwrap();
    let runs = [
        ("one-", vec!["--device", "flex"]),
        ("two-", vec!["--devices", "flex,flex"]),
        ("config-", vec!["--set", "training.devices=[flex, flex]"]),
    ];
    for (name, devices) in &runs {
        let run_name = format!("name={}", name.trim_end_matches('-'));
        let args: Vec<&str> = SHORT.iter().copied().chain(["--set", run_name.as_str()]).chain(devices.iter().copied()).collect();
        let run = train("configs/mlp-digits.yaml", output.path(), &args);
        assert!(run.status.success(), "{name}: {}", text(&run));
    }
    let one = step_losses(&run_dir(output.path(), "one-"));
    assert!(one.len() > 100, "{} steps", one.len());
    for name in ["two-", "config-"] {
        let dir = run_dir(output.path(), name);
        let other = step_losses(&dir);
        assert_eq!(other.len(), one.len(), "{name}: step count");
        let worst = one.iter().zip(&other).map(|((_, a), (_, b))| relative(*b, *a)).fold(0.0, f64::max);
        assert!(worst <= 1e-4, "{name}: the loss curve leaves the single-device one by {worst:e} (relative)");
        let (a, b) = (column(&run_dir(output.path(), "one-"), "val_accuracy"), column(&dir, "val_accuracy"));
        assert!(relative(*b.last().unwrap(), *a.last().unwrap()) <= 1e-3, "{name}: held-out accuracy {b:?} vs {a:?}");
    }
}

#[test]
fn a_trainer_for_one_device_is_refused_before_anything_is_written() {
    let output = tempfile::tempdir().unwrap();
    let run = train("configs/dcgan-digits.yaml", output.path(), &["--devices", "flex,flex", "--set", "training.max_steps=1"]);
    let message = text(&run);
    assert_eq!(run.status.code(), Some(1), "{message}");
    assert!(message.contains("trainer `gan` trains on one device") && message.contains("configs/dcgan-digits.yaml"), "{message}");
    assert!(std::fs::read_dir(output.path()).unwrap().next().is_none(), "a refused run wrote into {}", output.path().display());
}
