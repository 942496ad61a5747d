//! `training.precision` through the real binary: the VAE trained two epochs in bf16 ends within
//! 2 % of the f32 loss with its weights and optimizer state stored in bf16 (half the bytes), and
//! its checkpoint evaluates in a plain f32 process.

mod common;

use common::{column, frameworm, run_dir, text, train};

fn size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).len()
}

#[test]
fn bf16_trains_the_vae_within_two_percent_of_f32_in_half_the_bytes() {
    let output = tempfile::tempdir().unwrap();
    for precision in ["f32", "bf16"] {
        let run = train(
            "configs/vae-digits.yaml",
            output.path(),
            &["--set", "training.epochs=2", "--set", &format!("training.precision={precision}"), "--set", &format!("name={precision}")],
        );
        assert!(run.status.success(), "{precision}: {}", text(&run));
    }
    let (f32_run, bf16_run) = (run_dir(output.path(), "f32-"), run_dir(output.path(), "bf16-"));
    for name in ["loss", "val_loss"] {
        let (a, b) = (*column(&f32_run, name).last().unwrap(), *column(&bf16_run, name).last().unwrap());
        assert!(((b - a) / a).abs() <= 0.02, "{name}: bf16 {b} against f32 {a}");
        assert_ne!(a, b, "{name}: bf16 gave exactly the f32 figure; was it bf16 at all?");
    }
    for file in ["model.bpk", "optimizer.bpk"] {
        let (a, b) = (size(&f32_run.join("checkpoints/latest").join(file)), size(&bf16_run.join("checkpoints/latest").join(file)));
        assert!((b as f64) < 0.6 * a as f64, "{file}: {b} bytes in bf16 against {a} in f32");
    }
    let evaluate = frameworm().args(["evaluate", "--metrics", "mae", "--checkpoint"]).arg(&bf16_run).output().unwrap();
    assert!(evaluate.status.success(), "{}", text(&evaluate));
}
