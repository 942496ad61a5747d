//! [`Scalar`]: a one-element tensor read from the device only when someone asks.
//!
//! Hooks receive losses as `Scalar`s, so a step whose subscribers never read the loss costs no
//! device synchronisation.

use std::cell::OnceCell;

use burn::tensor::Tensor;

/// A scalar value, lazily copied from a one-element tensor.
#[derive(Debug, Clone)]
pub struct Scalar {
    tensor: Option<Tensor<1>>,
    value: OnceCell<f64>,
}

impl Scalar {
    /// Wraps a one-element tensor (detached from the autodiff graph by the caller if needed).
    pub fn from_tensor(tensor: Tensor<1>) -> Self {
        Scalar { tensor: Some(tensor), value: OnceCell::new() }
    }

    /// Wraps a known value.
    pub fn from_value(value: f64) -> Self {
        Scalar { tensor: None, value: OnceCell::from(value) }
    }

    /// The value, synchronising with the device on first read.
    pub fn value(&self) -> f64 {
        *self.value.get_or_init(|| match &self.tensor {
            Some(tensor) => tensor.clone().into_scalar::<f32>() as f64,
            None => f64::NAN,
        })
    }

    /// The underlying tensor, when there is one.
    pub fn tensor(&self) -> Option<&Tensor<1>> {
        self.tensor.as_ref()
    }
}

impl From<f64> for Scalar {
    fn from(value: f64) -> Self {
        Scalar::from_value(value)
    }
}
