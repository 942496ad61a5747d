//! The Model kind: a burn module with `forward` and `compute_loss`, and [`DynModel`], its
//! type-erased form that the registry stores and the engine drives.

use std::any::Any;
use std::path::Path;

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Gradients, Tensor};

use super::batch::Batch;
use super::component::ComponentConfig;
use super::error::ComponentError;
use super::generator::Generator;
use super::prediction::Predictions;
use super::sampler::Sampler;
use super::schema::{FieldNeed, Schema};
use super::scalar::Scalar;

/// What `compute_loss` returns: the loss to minimise and named scalar metrics (the seed's
/// "dict with a `loss` key"), kept as tensors so reading them is the caller's choice.
#[derive(Debug, Clone)]
pub struct LossOutput {
    /// The scalar loss (`[1]`), attached to the autodiff graph during training.
    pub loss: Tensor<1>,
    /// Extra named scalars (`[1]` each), e.g. `accuracy`, `reconstruction`, `kl`.
    pub metrics: Vec<(&'static str, Tensor<1>)>,
}

impl LossOutput {
    /// A loss with no extra metrics.
    pub fn new(loss: Tensor<1>) -> Self {
        LossOutput { loss, metrics: Vec::new() }
    }

    /// Adds a named metric.
    pub fn with_metric(mut self, name: &'static str, value: Tensor<1>) -> Self {
        self.metrics.push((name, value));
        self
    }
}

/// A model plugin: a burn `#[derive(Module)]` struct built from its config section.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared as a model in a plugin.yaml but does not implement `frameworm_core::Model`",
    label = "declared as a model here",
    note = "add `impl frameworm_core::Model for {Self}` with `new`, `forward` and `compute_loss`, on a `#[derive(Module)]` struct (README: Plugin guide)"
)]
pub trait Model: Module + 'static {
    /// The typed config section (`model.<name>` in the run config).
    type Config: ComponentConfig;
    /// What `forward` returns (logits, a reconstruction, …).
    type Output;

    /// The fields this model reads and what it requires of each, for its config: checked
    /// against the dataset's schema before the model is built, so a pairing that does not fit
    /// is refused with both names and the field.
    fn reads(config: &Self::Config) -> Vec<FieldNeed>;

    /// Builds the model for data of `schema` (which meets [`Model::reads`]) on `device`.
    fn new(config: &Self::Config, schema: &Schema, device: &Device) -> Result<Self, ComponentError>
    where
        Self: Sized;

    /// The forward pass on the fields of `batch`.
    fn forward(&self, batch: &Batch) -> Result<Self::Output, ComponentError>;

    /// The loss (and metrics) of a batch.
    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError>;

    /// The model's reconstruction of the batch's images (same shape as its `image` field, values
    /// in `[0, 1]`), for models that make images; image metrics compare it with the real
    /// images. `Ok(None)`: the model makes none.
    fn reconstruction(&self, batch: &Batch) -> Result<Option<Tensor<4>>, ComponentError> {
        let _ = batch;
        Ok(None)
    }

    /// The model's predictions for `batch` with their targets (class scores and labels, values
    /// and regression targets, next-token scores and next tokens); metric plugins score them.
    /// `Ok(None)`: the model predicts nothing metrics can score.
    fn predictions(&self, batch: &Batch) -> Result<Option<Predictions>, ComponentError> {
        let _ = batch;
        Ok(None)
    }

    /// The model's [`Sampler`], for generative image models (`Some(self)`); `None`: it cannot sample.
    fn sampler(&self) -> Option<&dyn Sampler> {
        None
    }

    /// The model's [`Generator`], for language models (`Some(self)`); `None`: it cannot
    /// continue a prompt.
    fn generator(&self) -> Option<&dyn Generator> {
        None
    }
}

/// A type-erased model: everything the engine needs, with no generic parameter.
pub trait DynModel: Send {
    /// The loss of a batch, on the autodiff graph when the model lives on an autodiff device.
    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError>;
    /// The loss of a batch without autodiff tracking (validation).
    fn compute_loss_inference(&self, batch: &Batch) -> Result<LossOutput, ComponentError>;
    /// A copy of the model without autodiff tracking, for a whole validation pass.
    fn inference(&self) -> Box<dyn DynModel>;
    /// See [`Model::reconstruction`].
    fn reconstruction(&self, batch: &Batch) -> Result<Option<Tensor<4>>, ComponentError>;
    /// See [`Model::predictions`].
    fn predictions(&self, batch: &Batch) -> Result<Option<Predictions>, ComponentError>;
    /// Whether the model implements [`Sampler`].
    fn can_sample(&self) -> bool;
    /// `count` generated images (see [`Sampler::sample`]); `None` when the model cannot sample.
    fn sample(&self, count: usize, device: &Device) -> Option<Tensor<4>>;
    /// `tokens` new tokens after `prompt` (see [`Generator::generate`]); `None` when the model
    /// cannot continue a prompt.
    fn generate(&self, prompt: &[i64], tokens: usize, temperature: f64, device: &Device) -> Option<Result<Vec<i64>, ComponentError>>;
    /// `sum + more` per parameter (gradient accumulation).
    fn add_gradients(&self, sum: GradientsParams, more: GradientsParams) -> GradientsParams;
    /// Backpropagates `loss` and collects the gradients of this model's parameters.
    fn gradients(&self, loss: &Tensor<1>) -> GradientsParams;
    /// Applies `grads` with `optimizer` at learning rate `lr`.
    fn apply_gradients(&mut self, optimizer: &mut ModuleOptimizer, lr: f64, grads: GradientsParams);
    /// A copy on `device` with the same parameter ids and gradient leaves of its own
    /// (`Module::fork`): one data-parallel replica for one step.
    fn replica(&self, device: &Device) -> Box<dyn DynModel>;
    /// The gradients of this model's parameters, taken out of `grads` (a backward pass that
    /// may also hold other replicas' gradients).
    fn collect_gradients(&self, grads: &mut Gradients) -> GradientsParams;
    /// `grads` (of this model's parameters) moved to `device`.
    fn gradients_to_device(&self, grads: GradientsParams, device: &Device) -> GradientsParams;
    /// Number of trainable values.
    fn num_params(&self) -> usize;
    /// The Rust type name, to tell checkpoints of other models apart.
    fn type_name(&self) -> &'static str;
    /// Saves the parameters (burnpack) to `path`.
    fn save(&self, path: &Path) -> Result<(), ComponentError>;
    /// Loads parameters saved by [`DynModel::save`] from `path`.
    fn load(&mut self, path: &Path) -> Result<(), ComponentError>;
    /// The parameters as a safetensors file (tensors under their module paths, e.g.
    /// `hidden.0.weight`, burn's `[in, out]` layout for linear weights) with `metadata` in its
    /// header.
    fn to_safetensors(&self, metadata: &[(String, String)]) -> Result<Vec<u8>, ComponentError>;
    /// Loads parameters from safetensors bytes written by [`DynModel::to_safetensors`].
    fn load_safetensors(&mut self, bytes: Vec<u8>) -> Result<(), ComponentError>;
    /// The concrete model, for trainers and tools that know its type.
    fn as_any(&self) -> &dyn Any;
    /// The concrete model, mutably.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// Wraps a concrete [`Model`] as a [`DynModel`].
pub fn erase<M: Model>(model: M) -> Box<dyn DynModel> {
    Box::new(ModelSlot(Some(model)))
}

/// Holds the model in an `Option` so optimizer steps, which take the module by value, can move it.
struct ModelSlot<M>(Option<M>);

impl<M: Model> ModelSlot<M> {
    fn model(&self) -> &M {
        self.0.as_ref().expect("model slot is refilled after every step")
    }

    /// Replaces the model with what `load` reads (`what` names the format in errors).
    fn replace_guarded<E: std::fmt::Display>(&mut self, what: &str, load: impl FnOnce() -> Result<M, E>) -> Result<(), ComponentError> {
        self.0 = Some(guarded(what, load)?);
        Ok(())
    }
}

/// What `load` reads (`what` names the format in errors). A damaged file must give an error,
/// never take the run down: burn may panic on one.
fn guarded<M, E: std::fmt::Display>(what: &str, load: impl FnOnce() -> Result<M, E>) -> Result<M, ComponentError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(load)) {
        Ok(Ok(model)) => Ok(model),
        Ok(Err(error)) => Err(ComponentError::Invalid(format!("cannot load {what}: {error}"))),
        Err(_) => Err(ComponentError::Invalid(format!("cannot load {what}: the file is damaged"))),
    }
}

/// The largest `model.bpk` read for a model of `params` parameters: 8 bytes a parameter (f64,
/// the widest dtype a checkpoint may hold) plus the metadata allowance.
pub(crate) fn model_file_limit(params: usize) -> u64 {
    crate::fsio::bounded::per_parameter_limit(params, 8)
}

/// `model` with the parameters of the burnpack bytes of a `model.bpk`, cast to the model's own
/// dtypes (a checkpoint saved at another precision, f64 or bf16, would otherwise leave a layer
/// mixing dtypes, which panics). Names, shapes and dtypes are validated; a damaged file is an
/// error, never a panic. The loader behind [`DynModel::load`] and the `model` fuzz target.
pub(crate) fn load_burnpack<M: Module>(model: M, bytes: Vec<u8>) -> Result<M, ComponentError> {
    guarded("model", move || {
        burn::store::ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes)).and_then(|record| model.try_load_record(record.cast_to_module_dtype()))
    })
}

impl<M: Model> DynModel for ModelSlot<M> {
    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        self.model().compute_loss(batch)
    }

    fn compute_loss_inference(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        self.model().valid().compute_loss(batch)
    }

    fn inference(&self) -> Box<dyn DynModel> {
        erase(self.model().valid())
    }

    fn reconstruction(&self, batch: &Batch) -> Result<Option<Tensor<4>>, ComponentError> {
        self.model().reconstruction(batch)
    }

    fn predictions(&self, batch: &Batch) -> Result<Option<Predictions>, ComponentError> {
        self.model().predictions(batch)
    }

    fn can_sample(&self) -> bool {
        self.model().sampler().is_some()
    }

    fn sample(&self, count: usize, device: &Device) -> Option<Tensor<4>> {
        self.model().sampler().map(|sampler| sampler.sample(count, device))
    }

    fn generate(&self, prompt: &[i64], tokens: usize, temperature: f64, device: &Device) -> Option<Result<Vec<i64>, ComponentError>> {
        self.model().generator().map(|generator| generator.generate(prompt, tokens, temperature, device))
    }

    fn add_gradients(&self, sum: GradientsParams, more: GradientsParams) -> GradientsParams {
        let mut accumulator = burn::optim::GradientsAccumulator::<M>::new();
        accumulator.accumulate(self.model(), sum);
        accumulator.accumulate(self.model(), more);
        accumulator.grads()
    }

    fn gradients(&self, loss: &Tensor<1>) -> GradientsParams {
        GradientsParams::from_grads(loss.backward(), self.model())
    }

    fn apply_gradients(&mut self, optimizer: &mut ModuleOptimizer, lr: f64, grads: GradientsParams) {
        let model = self.0.take().expect("model slot is refilled after every step");
        self.0 = Some(optimizer.step(lr, model, grads));
    }

    fn replica(&self, device: &Device) -> Box<dyn DynModel> {
        erase(self.model().clone().fork(device))
    }

    fn collect_gradients(&self, grads: &mut Gradients) -> GradientsParams {
        GradientsParams::from_module(grads, self.model())
    }

    fn gradients_to_device(&self, grads: GradientsParams, device: &Device) -> GradientsParams {
        grads.to_device(device, self.model())
    }

    fn num_params(&self) -> usize {
        self.model().num_params()
    }

    fn type_name(&self) -> &'static str {
        std::any::type_name::<M>()
    }

    fn save(&self, path: &Path) -> Result<(), ComponentError> {
        // `valid()` first folds pending running-state updates (batch norm statistics) into the
        // values saved; saving the training model directly would drop the last step's update.
        self.model().valid().save_file(path).map_err(|error| ComponentError::Invalid(format!(
            "{}: cannot save model: {error}",
            path.display()
        )))
    }

    fn load(&mut self, path: &Path) -> Result<(), ComponentError> {
        let model = self.model();
        let params = model.num_params();
        let bytes = crate::fsio::bounded::read_at_most(path, model_file_limit(params), &format!("a model of {params} parameters"))
            .map_err(|error| ComponentError::Invalid(format!("cannot load model: cannot read: {error}")))?;
        self.0 = Some(load_burnpack(model.clone(), bytes)?);
        Ok(())
    }

    fn to_safetensors(&self, metadata: &[(String, String)]) -> Result<Vec<u8>, ComponentError> {
        use burn::store::ModuleSnapshot;
        let mut store = metadata.iter().fold(burn::store::SafetensorsStore::from_bytes(None), |store, (key, value)| store.metadata(key.clone(), value.clone()));
        self.model().valid().save_into(&mut store).map_err(|e| ComponentError::Invalid(format!("cannot write safetensors: {e}")))?;
        store.get_bytes().map_err(|e| ComponentError::Invalid(format!("cannot write safetensors: {e}")))
    }

    fn load_safetensors(&mut self, bytes: Vec<u8>) -> Result<(), ComponentError> {
        use burn::store::ModuleSnapshot;
        let mut model = self.model().clone();
        let mut store = burn::store::SafetensorsStore::from_bytes(Some(bytes));
        self.replace_guarded("safetensors", move || model.load_from(&mut store).map(|_| model))
    }

    fn as_any(&self) -> &dyn Any {
        self.model()
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self.0.as_mut().expect("model slot is refilled after every step")
    }
}

/// Scalar metrics of a loss output, read lazily.
pub fn scalars(output: &LossOutput) -> Vec<(&'static str, Scalar)> {
    std::iter::once(("loss", Scalar::from_tensor(output.loss.clone().detach())))
        .chain(output.metrics.iter().map(|(name, value)| (*name, Scalar::from_tensor(value.clone().detach()))))
        .collect()
}
