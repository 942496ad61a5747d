//! Subscribes a closure to `on_epoch_end` from code (no plugin, no callback type) and trains the
//! MLP on the embedded digits: the closure sees every epoch's metrics as the run produces them.
//!
//! ```sh
//! cargo run --release --example on_epoch_end [-- OUTPUT_DIR]   # default: runs/
//! ```

use std::error::Error;
use std::sync::{Arc, Mutex};

use frameworm::core::burn::tensor::Device;
use frameworm::core::{Hook, HookEvent};
use frameworm::TrainOptions;

fn main() -> Result<(), Box<dyn Error>> {
    let output = std::env::args().nth(1).unwrap_or_else(|| "runs".into());
    let mut registry = frameworm::registry()?;
    let seen: Arc<Mutex<Vec<f64>>> = Arc::default();
    let record = seen.clone();
    registry.hooks_mut().on(Hook::EpochEnd, "example", "held-out-accuracy", 0, move |ctx, event| {
        if let HookEvent::EpochEnd(metrics) = event {
            let accuracy = metrics.get("val_accuracy").copied().unwrap_or(f64::NAN);
            println!("on_epoch_end: epoch {} val_accuracy {accuracy:.3}", ctx.epoch + 1);
            record.lock().map_err(|_| "poisoned")?.push(accuracy);
        }
        Ok(())
    });
    let config = frameworm::load_config(
        "configs/mlp-digits.yaml",
        &["training.epochs=4", "callbacks=[]", "name=example-hooks", &format!("output_dir={output}")],
    )?;
    frameworm::train(&mut registry, &config, TrainOptions::on(Device::default()))?;
    let seen = seen.lock().map_err(|_| "poisoned")?;
    println!("the closure ran {} times; last held-out accuracy {:.3}", seen.len(), seen.last().copied().unwrap_or(f64::NAN));
    Ok(())
}
