//! Trains the VAE on the embedded digits from code, reports each epoch through a closure, then
//! loads the checkpoint the run wrote and draws 16 samples into a PNG.
//!
//! ```sh
//! cargo run --release --example train_vae [-- OUTPUT_DIR]   # default: runs/
//! ```

use std::error::Error;
use std::sync::Arc;

use frameworm::core::burn::tensor::Device;
use frameworm::{ProgressEvent, TrainOptions};

fn main() -> Result<(), Box<dyn Error>> {
    let output = std::env::args().nth(1).unwrap_or_else(|| "runs".into());
    let mut registry = frameworm::registry()?;
    let config = frameworm::load_config(
        "configs/vae-digits.yaml",
        &["training.epochs=3", "callbacks=[]", "name=example-vae", &format!("output_dir={output}")],
    )?;
    let progress = |event: &ProgressEvent<'_>| {
        if let ProgressEvent::EpochFinished { epoch, epochs, metrics, .. } = event {
            println!("epoch {}/{epochs}: val_loss {:.2}", epoch + 1, metrics.get("val_loss").copied().unwrap_or(f64::NAN));
        }
    };
    let device = Device::default();
    let options = TrainOptions { progress: Some(Arc::new(progress)), ..TrainOptions::on(device.clone()) };
    let report = frameworm::train(&mut registry, &config, options)?;
    let checkpoint = report.checkpoint.ok_or("the run wrote no checkpoint")?;

    let trained = frameworm::load_trained(&registry, &checkpoint, &device)?;
    let images = frameworm::sample(&trained, 16, 1, &device)?;
    let png = report.run_dir.join("samples.png");
    frameworm::core::write_grid(&images, &png, Some(4))?;
    println!("trained {} steps; 16 samples in {}", report.steps, png.display());
    Ok(())
}
