//! The "can continue a sequence" capability: a language model extends a prompt of token ids
//! one token at a time. `frameworm sample --prompt` encodes the prompt with the vocabulary the
//! run saved, calls it, and decodes what comes back.

use burn::tensor::Device;

use super::error::ComponentError;

/// A model that generates tokens after a prompt.
///
/// Implement it on the model and return `Some(self)` from [`crate::Model::generator`].
pub trait Generator {
    /// `tokens` new token ids after `prompt`, drawn at `temperature` (0: always the most likely
    /// token) on `device`. All randomness comes from the device's generator, so seeding the
    /// device beforehand makes the draw repeatable.
    fn generate(&self, prompt: &[i64], tokens: usize, temperature: f64, device: &Device) -> Result<Vec<i64>, ComponentError>;
}

/// Why model `model` cannot continue a prompt, naming it.
pub fn cannot_generate(model: &str) -> String {
    format!("model `{model}` cannot continue a prompt: it does not implement the Generator capability (language models such as char-transformer do)")
}
