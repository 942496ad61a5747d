//! `char-transformer`: a decoder-only transformer language model. Token and learned position
//! embeddings feed pre-norm blocks of causal self-attention and a feed-forward layer (burn's
//! `TransformerEncoder` with an autoregressive mask, so position `t` sees positions `≤ t`), then
//! a layer norm and a linear head scoring every token of the vocabulary at every position. It
//! reads `tokens` `int[T]` (its vocabulary is the field's class count; its context, `T`, the
//! dataset's window) and is trained with cross-entropy against `next_tokens` `int[T]`.
//!
//! As a [`Generator`] it continues a prompt one token at a time, each step reading at most the
//! last `T` tokens, drawing from the softmax of the scores divided by the temperature
//! (temperature 0: the most likely token).

use burn::module::Module;
use burn::nn::attention::generate_autoregressive_mask;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::transformer::{TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput};
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use frameworm_core::{Batch, ComponentError, FieldNeed, Generator, LossOutput, Model, Predictions, Schema, fields};
use serde::{Deserialize, Serialize};

/// The `model.char-transformer` config section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CharTransformerConfig {
    /// Transformer blocks.
    pub layers: usize,
    /// Width of the embeddings and of every block.
    pub d_model: usize,
    /// Attention heads per block (`d_model` must be a multiple).
    pub heads: usize,
    /// Width of the feed-forward layers; default `4 × d_model`.
    pub d_ff: Option<usize>,
    /// Dropout probability in the blocks.
    pub dropout: f64,
}

impl Default for CharTransformerConfig {
    fn default() -> Self {
        CharTransformerConfig { layers: 4, d_model: 128, heads: 4, d_ff: None, dropout: 0.1 }
    }
}

/// The model.
#[derive(Module, Debug)]
pub struct CharTransformer {
    tokens: Embedding,
    positions: Embedding,
    blocks: TransformerEncoder,
    norm: LayerNorm,
    head: Linear,
    context: usize,
    vocabulary: usize,
}

impl CharTransformer {
    /// Next-token scores `[N, T, vocabulary]` for token ids `[N, T]` (`T ≤ context`).
    pub fn logits(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        let [n, t] = ids.dims();
        let device = ids.device();
        let positions = Tensor::<1, Int>::arange(0..t as i64, &device).reshape([1, t]).repeat_dim(0, n);
        let x = self.tokens.forward(ids) + self.positions.forward(positions);
        let mask = generate_autoregressive_mask(n, t, &device);
        let x = self.blocks.forward(TransformerEncoderInput::new(x).mask_attn(mask));
        self.head.forward(self.norm.forward(x))
    }
}

impl Model for CharTransformer {
    type Config = CharTransformerConfig;
    type Output = Tensor<3>;

    fn reads(_: &Self::Config) -> Vec<FieldNeed> {
        let mut tokens = FieldNeed::int(fields::TOKENS).rank(1);
        tokens.classes = true;
        vec![tokens, FieldNeed::int(fields::NEXT_TOKENS).rank(1)]
    }

    fn new(config: &Self::Config, schema: &Schema, device: &Device) -> Result<Self, ComponentError> {
        let invalid = |message: String| ComponentError::Invalid(format!("model.char-transformer: {message}"));
        let field = schema.field(fields::TOKENS).ok_or_else(|| invalid("the data has no `tokens` field".into()))?;
        let vocabulary = field.classes.ok_or_else(|| invalid("the `tokens` field declares no vocabulary size".into()))?;
        let context = field.len();
        if config.layers == 0 || config.d_model == 0 || config.heads == 0 || !config.d_model.is_multiple_of(config.heads) {
            return Err(invalid(format!("`layers`, `d_model` and `heads` must be positive and `d_model` ({}) a multiple of `heads` ({})", config.d_model, config.heads)));
        }
        if !(0.0..1.0).contains(&config.dropout) || vocabulary == 0 || context == 0 {
            return Err(invalid("`dropout` must be in [0, 1), and the vocabulary and the context positive".into()));
        }
        let d_ff = config.d_ff.unwrap_or(4 * config.d_model);
        Ok(CharTransformer {
            tokens: EmbeddingConfig::new(vocabulary, config.d_model).init(device),
            positions: EmbeddingConfig::new(context, config.d_model).init(device),
            blocks: TransformerEncoderConfig::new(config.d_model, d_ff, config.heads, config.layers)
                .with_dropout(config.dropout)
                .with_norm_first(true)
                .init(device),
            norm: LayerNormConfig::new(config.d_model).init(device),
            head: LinearConfig::new(config.d_model, vocabulary).init(device),
            context,
            vocabulary,
        })
    }

    fn forward(&self, batch: &Batch) -> Result<Tensor<3>, ComponentError> {
        Ok(self.logits(batch.int::<2>(fields::TOKENS)?))
    }

    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        let logits = self.forward(batch)?;
        let next = batch.int::<2>(fields::NEXT_TOKENS)?;
        let [n, t, v] = logits.dims();
        let loss = CrossEntropyLossConfig::new().init(&logits.device()).forward(logits.reshape([n * t, v]), next.reshape([n * t]));
        Ok(LossOutput::new(loss))
    }

    fn predictions(&self, batch: &Batch) -> Result<Option<Predictions>, ComponentError> {
        Ok(Some(Predictions::Tokens { logits: self.forward(batch)?, next: batch.int::<2>(fields::NEXT_TOKENS)? }))
    }

    fn generator(&self) -> Option<&dyn Generator> {
        Some(self)
    }
}

impl Generator for CharTransformer {
    fn generate(&self, prompt: &[i64], tokens: usize, temperature: f64, device: &Device) -> Result<Vec<i64>, ComponentError> {
        if prompt.is_empty() {
            return Err(ComponentError::Invalid("char-transformer: the prompt is empty; give it at least one character".into()));
        }
        if let Some(bad) = prompt.iter().find(|&&id| id < 0 || id as usize >= self.vocabulary) {
            return Err(ComponentError::Invalid(format!("char-transformer: token {bad} is outside the vocabulary of {}", self.vocabulary)));
        }
        let mut ids = prompt.to_vec();
        let mut new = Vec::with_capacity(tokens);
        for _ in 0..tokens {
            let window = &ids[ids.len().saturating_sub(self.context)..];
            let t = window.len();
            let input = Tensor::<2, Int>::from_data(TensorData::new(window.to_vec(), [1, t]), device);
            let last = self.logits(input).slice([0..1, t - 1..t]).reshape([self.vocabulary]);
            let next = if temperature == 0.0 {
                last.argmax(0).into_scalar::<i64>()
            } else {
                let probabilities = softmax(last.div_scalar(temperature), 0).into_data().convert::<f32>().try_to_vec::<f32>().unwrap_or_default();
                let draw = Tensor::<1>::random([1], Distribution::Uniform(0.0, 1.0), device).into_scalar::<f32>();
                let mut total = 0.0;
                let mut chosen = probabilities.len().saturating_sub(1);
                for (i, p) in probabilities.iter().enumerate() {
                    total += p;
                    if draw < total {
                        chosen = i;
                        break;
                    }
                }
                chosen as i64
            };
            ids.push(next);
            new.push(next);
        }
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frameworm_core::testing::assert_adam_lowers_loss;
    use frameworm_core::{FieldSpec, Sample, Value};
    use std::sync::Arc;

    fn schema(vocabulary: usize, context: usize) -> Arc<Schema> {
        Arc::new(Schema::new(vec![FieldSpec::int("tokens", [context], vocabulary), FieldSpec::int("next_tokens", [context], vocabulary)]))
    }

    fn small() -> CharTransformerConfig {
        CharTransformerConfig { layers: 1, d_model: 16, heads: 2, d_ff: None, dropout: 0.0 }
    }

    /// Windows of the repeating sequence 0, 1, 2, 3, 0, 1, …: perfectly predictable.
    fn cycle(device: &Device) -> Batch {
        let items: Vec<Sample> = (0..8)
            .map(|s| {
                let tokens: Vec<i64> = (0..6).map(|i| ((s + i) % 4) as i64).collect();
                let next: Vec<i64> = (0..6).map(|i| ((s + i + 1) % 4) as i64).collect();
                Sample::new(vec![Value::Int(tokens), Value::Int(next)])
            })
            .collect();
        Batch::stack(&schema(4, 6), &items, device)
    }

    #[test]
    fn learns_a_cycle_and_continues_it() {
        let _rng = frameworm_core::testing::rng_lock();
        let device = Device::default().autodiff();
        device.seed(7);
        let batch = cycle(&device);
        let model = CharTransformer::new(&small(), batch.schema(), &device).unwrap();
        let [n, t, v] = model.forward(&batch).unwrap().dims();
        assert_eq!((n, t, v), (8, 6, 4));
        let (model, _) = assert_adam_lowers_loss(model, &batch, 1, 150, 0.01, 0.2);
        let continued = model.generate(&[0, 1], 6, 0.0, &device).unwrap();
        assert_eq!(continued, vec![2, 3, 0, 1, 2, 3]);
        assert_eq!(model.generate(&[0], 5, 1.0, &device).unwrap().len(), 5);
    }

    #[test]
    fn causal_a_later_token_does_not_change_earlier_scores() {
        let device = Device::default();
        let model = CharTransformer::new(&small(), &schema(4, 6), &device).unwrap();
        let a = model.logits(Tensor::from_data(TensorData::new(vec![0i64, 1, 2, 3], [1, 4]), &device));
        let b = model.logits(Tensor::from_data(TensorData::new(vec![0i64, 1, 2, 0], [1, 4]), &device));
        let difference = (a.slice([0..1, 0..3]) - b.slice([0..1, 0..3])).abs().max().into_scalar::<f32>();
        assert!(difference < 1e-5, "{difference}");
    }

    #[test]
    fn bad_configs_and_prompts_are_errors() {
        let device = Device::default();
        let error = CharTransformer::new(&CharTransformerConfig { heads: 3, ..small() }, &schema(4, 6), &device).unwrap_err().to_string();
        assert!(error.contains("a multiple of `heads` (3)"), "{error}");
        let model = CharTransformer::new(&small(), &schema(4, 6), &device).unwrap();
        assert!(model.generate(&[], 3, 1.0, &device).unwrap_err().to_string().contains("the prompt is empty"));
        assert!(model.generate(&[9], 3, 1.0, &device).unwrap_err().to_string().contains("outside the vocabulary of 4"));
    }
}
