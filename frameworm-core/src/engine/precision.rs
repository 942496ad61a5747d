//! `training.precision`: a run's devices set to create, compute and keep float tensors in
//! bf16 or f16 (burn's per-device default float type), checked against what each device's
//! backend can compute, before the run builds anything on them.

use burn::tensor::{Device, FloatDType};

use super::error::TrainError;
use crate::config::{Config, Precision};

/// The float types a device is asked about, in the order messages list them.
const FLOAT_TYPES: [(FloatDType, &str); 4] = [(FloatDType::F64, "f64"), (FloatDType::F32, "f32"), (FloatDType::F16, "f16"), (FloatDType::BF16, "bf16")];

fn dtype(precision: Precision) -> FloatDType {
    match precision {
        Precision::F32 => FloatDType::F32,
        Precision::Bf16 => FloatDType::BF16,
        Precision::F16 => FloatDType::F16,
    }
}

/// Sets every device of the run to `training.precision`. A device already in that type is left
/// as it is; a backend without the type, or a device whose float type is already fixed to
/// another in this process (a library user training twice), is an error at the config key.
pub(super) fn apply<'d>(config: &Config, devices: impl IntoIterator<Item = &'d mut Device>) -> Result<(), TrainError> {
    let precision = config.run.training.precision;
    let wanted = dtype(precision);
    for device in devices {
        if device.settings().float_dtype == wanted {
            continue;
        }
        if !device.supports_dtype(wanted) {
            let has: Vec<&str> = FLOAT_TYPES.iter().filter(|(t, _)| device.supports_dtype(*t)).map(|(_, name)| *name).collect();
            return Err(config
                .error_at(
                    "training.precision",
                    format!("{}: the device {device:?} cannot compute in {} (its backend has {}); use one of those", precision.name(), precision.name(), has.join(", ")),
                )
                .into());
        }
        device.configure(wanted).map_err(|error| {
            config.error_at(
                "training.precision",
                format!(
                    "{}: cannot set the device {device:?} to it ({}); its float type is fixed once tensors exist on it, so train in a fresh process",
                    precision.name(),
                    error.to_string().lines().map(str::trim).collect::<Vec<_>>().join(" ")
                ),
            )
        })?;
    }
    Ok(())
}
