//! Data parallelism over several devices: [`DataParallel`] is a [`DynModel`] that trainers
//! drive exactly as they drive one model, while every step runs on all devices.
//!
//! Per step: the global batch is cut into one contiguous slice per device (sizes differ by at
//! most one item), the model is copied to every device but the first (`Module::fork`: the same
//! parameter ids, fresh gradient leaves), each copy computes the loss of its slice, and the
//! losses meet on the first device weighted by slice size, so the loss a trainer sees — and
//! the gradient of one backward pass — is the loss of the whole batch, exactly as on one
//! device. The gradients of every copy move to the first device and are summed there (burn
//! 0.22.1 has no cross-server all-reduce), one optimizer step updates the first device's
//! model, and the next step forks the new parameters again. Batch size and learning rate keep
//! their single-device meaning.
//!
//! Models with batch statistics (batch norm) normalise each slice by its own statistics (as
//! PyTorch's `DataParallel` does without `SyncBatchNorm`), so their curves differ slightly
//! from one device; the running statistics kept are those of the first device's slice.

use std::any::Any;
use std::cell::RefCell;
use std::path::Path;

use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor};

use crate::contract::{Batch, ComponentError, DynModel, LossOutput, Predictions};

/// A model trained on several devices at once; the first device holds the model.
pub struct DataParallel {
    /// The model, on the first device.
    main: Box<dyn DynModel>,
    /// Every device, the first one first (autodiff forms).
    devices: Vec<Device>,
    /// The copies of the current step on devices 2…, kept between `compute_loss` and
    /// `gradients` (a trainer calls them in that order on one thread).
    replicas: RefCell<Vec<Box<dyn DynModel>>>,
}

impl DataParallel {
    /// `main` (on `devices[0]`) trained on every device of `devices` (at least two).
    pub fn new(main: Box<dyn DynModel>, devices: Vec<Device>) -> DataParallel {
        DataParallel { main, devices, replicas: RefCell::new(Vec::new()) }
    }
}

/// `value` on `device`, scaled by `weight`.
fn weighted(value: Tensor<1>, weight: f64, device: &Device) -> Tensor<1> {
    value.to_device(device).mul_scalar(weight)
}

impl DynModel for DataParallel {
    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        let main_device = &self.devices[0];
        let total = batch.len().max(1) as f64;
        let parts = batch.split(self.devices.len());
        let mut replicas = Vec::with_capacity(self.devices.len() - 1);
        let mut combined: Option<LossOutput> = None;
        for (index, part) in parts.into_iter().enumerate() {
            if part.is_empty() {
                continue;
            }
            let weight = part.len() as f64 / total;
            let output = if index == 0 {
                self.main.compute_loss(&part)?
            } else {
                let device = &self.devices[index];
                let replica = self.main.replica(device);
                let output = replica.compute_loss(&part.to_device(device))?;
                replicas.push(replica);
                output
            };
            let loss = weighted(output.loss, weight, main_device);
            let metrics: Vec<(&'static str, Tensor<1>)> =
                output.metrics.into_iter().map(|(name, value)| (name, weighted(value.detach(), weight, main_device))).collect();
            combined = Some(match combined {
                None => LossOutput { loss, metrics },
                Some(sum) => LossOutput {
                    loss: sum.loss + loss,
                    metrics: sum.metrics.into_iter().zip(metrics).map(|((name, a), (_, b))| (name, a + b)).collect(),
                },
            });
        }
        *self.replicas.borrow_mut() = replicas;
        combined.ok_or_else(|| ComponentError::Invalid("data parallel step on an empty batch".into()))
    }

    fn compute_loss_inference(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        self.main.compute_loss_inference(batch)
    }

    fn inference(&self) -> Box<dyn DynModel> {
        self.main.inference()
    }

    fn reconstruction(&self, batch: &Batch) -> Result<Option<Tensor<4>>, ComponentError> {
        self.main.reconstruction(batch)
    }

    fn predictions(&self, batch: &Batch) -> Result<Option<Predictions>, ComponentError> {
        self.main.predictions(batch)
    }

    fn can_sample(&self) -> bool {
        self.main.can_sample()
    }

    fn sample(&self, count: usize, device: &Device) -> Option<Tensor<4>> {
        self.main.sample(count, device)
    }

    fn generate(&self, prompt: &[i64], tokens: usize, temperature: f64, device: &Device) -> Option<Result<Vec<i64>, ComponentError>> {
        self.main.generate(prompt, tokens, temperature, device)
    }

    fn add_gradients(&self, sum: GradientsParams, more: GradientsParams) -> GradientsParams {
        self.main.add_gradients(sum, more)
    }

    /// One backward pass over every device's graph; each copy's gradients move to the first
    /// device and are summed into the model's.
    fn gradients(&self, loss: &Tensor<1>) -> GradientsParams {
        let mut grads = loss.backward();
        let mut sum = self.main.collect_gradients(&mut grads);
        // Gradients are plain (non-autodiff) tensors: move them to the first device's plain form.
        let main_device = self.devices[0].clone().without_autodiff();
        for replica in self.replicas.borrow_mut().drain(..) {
            let theirs = replica.gradients_to_device(replica.collect_gradients(&mut grads), &main_device);
            sum = self.main.add_gradients(sum, theirs);
        }
        sum
    }

    fn apply_gradients(&mut self, optimizer: &mut ModuleOptimizer, lr: f64, grads: GradientsParams) {
        self.main.apply_gradients(optimizer, lr, grads);
    }

    fn replica(&self, device: &Device) -> Box<dyn DynModel> {
        self.main.replica(device)
    }

    fn collect_gradients(&self, grads: &mut burn::tensor::Gradients) -> GradientsParams {
        self.main.collect_gradients(grads)
    }

    fn gradients_to_device(&self, grads: GradientsParams, device: &Device) -> GradientsParams {
        self.main.gradients_to_device(grads, device)
    }

    fn num_params(&self) -> usize {
        self.main.num_params()
    }

    fn type_name(&self) -> &'static str {
        self.main.type_name()
    }

    fn save(&self, path: &Path) -> Result<(), ComponentError> {
        self.main.save(path)
    }

    fn load(&mut self, path: &Path) -> Result<(), ComponentError> {
        self.main.load(path)
    }

    fn to_safetensors(&self, metadata: &[(String, String)]) -> Result<Vec<u8>, ComponentError> {
        self.main.to_safetensors(metadata)
    }

    fn load_safetensors(&mut self, bytes: Vec<u8>) -> Result<(), ComponentError> {
        self.main.load_safetensors(bytes)
    }

    fn as_any(&self) -> &dyn Any {
        self.main.as_any()
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self.main.as_any_mut()
    }
}
