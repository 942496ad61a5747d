//! The engine with the `default` trainer fires every hook in the documented order: 2 epochs × 3
//! batches with validation, checked event by event; and a run's own callbacks belong to that
//! run only.

use std::sync::{Arc, Mutex};

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use frameworm_core::config::{Config, LayeredConfig};
use frameworm_core::{Outcome, TrainOptions};
use frameworm_core::{
    Batch, Callback, ComponentError, Dataset, Declared, EngineHost, FromConfig, Hook, HookContext, HookEvent, HookResult,
    FieldNeed, LossOutput, Model, PipelineHost, PluginInfo, PluginOrigin, Registrar, Registry, RegistryError, Sample, Schema,
};
use frameworm_plugin_default_trainer::DefaultTrainer;

#[derive(Module, Debug)]
struct Tiny {
    layer: Linear,
}

impl Model for Tiny {
    type Config = ();
    type Output = Tensor<2>;
    fn reads(_: &()) -> Vec<FieldNeed> {
        vec![FieldNeed::float("image").rank(3), FieldNeed::int("label").rank(0)]
    }
    fn new(_: &(), schema: &Schema, device: &Device) -> Result<Self, ComponentError> {
        let inputs = schema.field("image").map_or(4, |field| field.len());
        Ok(Tiny { layer: LinearConfig::new(inputs, 2).init(device) })
    }
    fn forward(&self, batch: &Batch) -> Result<Tensor<2>, ComponentError> {
        Ok(self.layer.forward(batch.image()?.flatten(1, 3)))
    }
    fn compute_loss(&self, batch: &Batch) -> Result<LossOutput, ComponentError> {
        let logits = self.forward(batch)?;
        let labels = batch.label()?;
        Ok(LossOutput::new(CrossEntropyLossConfig::new().init(&logits.device()).forward(logits, labels)))
    }
}

/// 8 items: 6 train (3 batches of 2) and 2 held out.
struct Eight;

impl FromConfig for Eight {
    type Config = ();
    fn from_config(_: ()) -> Result<Self, ComponentError> {
        Ok(Eight)
    }
}

impl Dataset for Eight {
    fn len(&self) -> usize {
        8
    }
    fn get(&self, index: usize) -> Result<Sample, ComponentError> {
        Ok(Sample::image(vec![index as f32 / 8.0; 4], Some(index % 2)))
    }
    fn schema(&self) -> Schema {
        Schema::image(1, 2, 2, Some(2))
    }
}

static PARTS: PluginInfo = PluginInfo {
    name: "parts",
    version: "0.1.0",
    author: "",
    description: "test components",
    manifest: "tests/hook_sequence.rs",
    package: "test",
    origin: PluginOrigin::Workspace,
    dependencies: &[],
    hooks: &Hook::ALL,
    provides: &[],
};

fn declared(name: &'static str) -> Declared {
    Declared { name, type_name: name, manifest: "tests/hook_sequence.rs", description: "", tags: &[] }
}

type Log = Arc<Mutex<Vec<String>>>;

fn log() -> &'static Log {
    static LOG: std::sync::OnceLock<Log> = std::sync::OnceLock::new();
    LOG.get_or_init(Log::default)
}

fn register(registrar: &mut Registrar) -> Result<(), RegistryError> {
    let mut plugin = registrar.plugin(&PARTS)?.expect("enabled");
    plugin.model::<Tiny>(declared("tiny"))?;
    plugin.dataset::<Eight>(declared("eight"))?;
    plugin.trainer::<DefaultTrainer>(declared("default"))?;
    for hook in Hook::ALL {
        plugin.on(hook, "recorder", 0, move |ctx, event| {
            let detail = match event {
                HookEvent::EpochEnd(metrics) | HookEvent::ValidationEnd(metrics) => {
                    format!("({})", metrics.keys().cloned().collect::<Vec<_>>().join(","))
                }
                HookEvent::BackwardBegin(loss) | HookEvent::BatchEnd(loss) => {
                    assert!(loss.value().is_finite());
                    String::new()
                }
                _ => String::new(),
            };
            log().lock().unwrap().push(format!("{}{detail}@{}.{}", event.hook(), ctx.epoch, ctx.batch_idx));
            Ok(())
        })?;
    }
    Ok(())
}

#[test]
fn two_epochs_of_three_batches_fire_every_hook_in_order() {
    let output = tempfile::tempdir().unwrap();
    let yaml = format!(
        "model: tiny\ndataset: eight\ndata: {{batch_size: 2, val_split: 0.25}}\ntraining: {{epochs: 2}}\noutput_dir: {}\n",
        output.path().display()
    );
    let layers = LayeredConfig::from_value("test.yaml".as_ref(), serde_yaml::from_str(&yaml).unwrap());
    let config = Config::from_layers(layers).unwrap();
    let mut registry = Registry::build(register, &[]).unwrap();
    let options = TrainOptions::on(Device::default());
    let report = frameworm_core::train(&mut registry, &config, options).unwrap();
    assert_eq!(report.outcome, Outcome::Completed);
    assert_eq!(report.steps, 6);

    let mut expected = vec!["on_train_begin@0.0".to_string()];
    for epoch in 0..2 {
        // No batch of the epoch has run yet: index 0, not the previous epoch's last batch.
        expected.push(format!("on_epoch_begin@{epoch}.0"));
        for batch in 0..3 {
            for hook in ["on_batch_begin", "on_backward_begin", "on_backward_end", "on_optimizer_step", "on_batch_end"] {
                expected.push(format!("{hook}@{epoch}.{batch}"));
            }
        }
        expected.push(format!("on_validation_begin@{epoch}.2"));
        expected.push(format!("on_validation_end(val_loss)@{epoch}.2"));
        expected.push(format!("on_epoch_end(loss,lr,val_loss)@{epoch}.2"));
        expected.push(format!("on_checkpoint_save@{epoch}.2"));
    }
    expected.push("on_train_end@1.2".to_string());
    assert_eq!(*log().lock().unwrap(), expected);
}

/// What the run's own `counter` callbacks saw, across runs.
fn counted() -> &'static Mutex<Vec<String>> {
    static COUNTED: std::sync::OnceLock<Mutex<Vec<String>>> = std::sync::OnceLock::new();
    COUNTED.get_or_init(Mutex::default)
}

/// The `counter` callback's section: a label for what it records.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
struct CounterConfig {
    label: String,
}

/// A callback component: built anew, from its section, for every run that lists it.
struct Counter {
    label: String,
}

impl FromConfig for Counter {
    type Config = CounterConfig;
    fn from_config(config: CounterConfig) -> Result<Self, ComponentError> {
        Ok(Counter { label: config.label })
    }
}

impl Callback for Counter {
    fn on_train_begin(&mut self, _: &mut HookContext) -> HookResult {
        counted().lock().unwrap().push(format!("{}:on_train_begin", self.label));
        Ok(())
    }
}

static COUNTING: PluginInfo = PluginInfo {
    name: "counting",
    version: "0.1.0",
    author: "",
    description: "test components with a callback",
    manifest: "tests/hook_sequence.rs",
    package: "test",
    origin: PluginOrigin::Workspace,
    dependencies: &[],
    hooks: &[Hook::TrainBegin],
    provides: &[],
};

fn register_counting(registrar: &mut Registrar) -> Result<(), RegistryError> {
    let mut plugin = registrar.plugin(&COUNTING)?.expect("enabled");
    plugin.model::<Tiny>(declared("tiny"))?;
    plugin.dataset::<Eight>(declared("eight"))?;
    plugin.trainer::<DefaultTrainer>(declared("default"))?;
    plugin.callback::<Counter>(declared("counter"))
}

#[test]
fn a_pipeline_that_trains_twice_subscribes_the_run_callbacks_once_each_time() {
    let output = tempfile::tempdir().unwrap();
    let yaml = format!("model: tiny\ndataset: eight\ncallbacks: [{{name: counter, label: run}}]\ndata: {{batch_size: 4}}\noutput_dir: {}\n", output.path().display());
    let config = Config::from_layers(LayeredConfig::from_value("test.yaml".as_ref(), serde_yaml::from_str(&yaml).unwrap())).unwrap();
    let mut registry = Registry::build(register_counting, &[]).unwrap();
    let subscribers = registry.hooks().len();
    let mut host = EngineHost::new(&mut registry, &config, TrainOptions::on(Device::default()));
    let first = host.train().unwrap();
    let second = host.train().unwrap();
    assert_ne!(first.run_dir, second.run_dir);
    assert_eq!(*counted().lock().unwrap(), ["run:on_train_begin", "run:on_train_begin"], "each run fires its own callback once");
    assert_eq!(registry.hooks().len(), subscribers, "the runs left no subscriber in the registry");
}
