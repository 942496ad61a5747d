//! The data of a run: the datasets the config names, built and split exactly as training
//! splits them (same seed, same split), their preprocessing fitted on the training items only,
//! so `evaluate` after training sees the same held-out items prepared the same way. Also the
//! schema check: the model's [`crate::Model::reads`] against the dataset's fields, before any
//! tensor exists.

use crate::config::{ComponentRef, Config, ConfigError};
use crate::contract::{ComponentError, Dataset, RegistryError, Schema};
use crate::data::{self, PluginItems, Subset};
use crate::registry::Registry;

use super::locate::locate;

/// The training subset, the held-out subset and the fields of their items.
pub struct RunData {
    /// Items trained on.
    pub train: Subset,
    /// Held-out items (`val_dataset`, or `data.val_split` of `dataset`).
    pub validation: Option<Subset>,
    /// The fields models are built for, with the preprocessing fitted on the training items.
    pub schema: Schema,
}

/// Builds the datasets `config` names, fits their preprocessing on the training items and
/// splits them as training does.
pub fn prepare_data(registry: &Registry, config: &Config) -> Result<RunData, ConfigError> {
    let run = &config.run;
    let build = |path: &str, component: &ComponentRef| registry.build_dataset(&component.name, &component.section).map_err(|error| locate(config, path, error));
    let fitting = |path: &str, result: Result<(), ComponentError>| result.map_err(|error| locate(config, path, RegistryError::Component(error)));
    let mut dataset = build("dataset", &run.dataset)?;
    if dataset.is_empty() {
        return Err(config.error_at("dataset", format!("dataset `{}` has no items", run.dataset.name)));
    }
    let label = |component: &ComponentRef, path: &str| format!("{path}.{}", component.name);
    let (train, validation) = match &run.val_dataset {
        Some(val) => {
            let all: Vec<usize> = (0..dataset.len()).collect();
            fitting("dataset", dataset.fit(&all))?;
            let fitted = dataset.schema();
            let mut val_dataset = build("val_dataset", val)?;
            fitting("val_dataset", val_dataset.adopt(&fitted))?;
            let val_schema = val_dataset.schema();
            if !val_schema.same_layout(&fitted) {
                return Err(config.error_at(
                    "val_dataset",
                    format!("validation items have fields {} but training items have {}", val_schema.describe(), fitted.describe()),
                ));
            }
            let val_items = (!val_dataset.is_empty()).then(|| data::whole(PluginItems::new(val_dataset, label(val, "val_dataset"))));
            (data::whole(PluginItems::new(dataset, label(&run.dataset, "dataset"))), val_items)
        }
        None => {
            let (train, validation) = data::split_indices(dataset.len(), run.data.val_split, run.seed);
            if train.is_empty() {
                return Err(config.error_at("data.val_split", "no training items are left after the validation split"));
            }
            fitting("dataset", dataset.fit(&train))?;
            let items = PluginItems::new(dataset, label(&run.dataset, "dataset"));
            match validation {
                Some(validation) => {
                    let validation = data::select(items, validation);
                    let train = data::select_from(&validation, train);
                    (train, Some(validation))
                }
                None => (data::select(items, train), None),
            }
        }
    };
    if train.indices.is_empty() {
        return Err(config.error_at("data.val_split", "no training items are left after the validation split"));
    }
    let schema = (**train.wrapped.schema()).clone();
    Ok(RunData { train, validation, schema })
}

/// Checks that the model `config` names reads only fields `schema` provides, as it requires
/// them; the error names the model, the dataset and the field, at the config's `model` key.
pub fn check_fields(registry: &Registry, config: &Config, schema: &Schema) -> Result<(), ConfigError> {
    let run = &config.run;
    let needs = registry.model_reads(&run.model.name, &run.model.section).map_err(|error| locate(config, "model", error))?;
    schema.check(&needs).map_err(|mismatch| config.error_at("model.name", mismatch.explain(&run.model.name, &run.dataset.name)))
}

/// The datasets' schema and the model's fields checked against it, without splitting or
/// building the model (`frameworm config validate`).
pub fn check_data(registry: &Registry, config: &Config) -> Result<Schema, ConfigError> {
    let run = &config.run;
    let dataset: Box<dyn Dataset> = registry.build_dataset(&run.dataset.name, &run.dataset.section).map_err(|error| locate(config, "dataset", error))?;
    let schema = dataset.schema();
    check_fields(registry, config, &schema)?;
    Ok(schema)
}
