//! The data of a run: the datasets the config names, built and split exactly as training
//! splits them (same seed, same split), so `evaluate` after training sees the same held-out items.

use crate::config::{ComponentRef, Config, ConfigError};
use crate::contract::DataInfo;
use crate::data::{self, PluginItems, Subset};
use crate::registry::Registry;

use super::locate::locate;

/// The training subset, the held-out subset and the item shape.
pub struct RunData {
    /// Items trained on.
    pub train: Subset,
    /// Held-out items (`val_dataset`, or `data.val_split` of `dataset`).
    pub validation: Option<Subset>,
    /// The item shape and class count models are built for.
    pub info: DataInfo,
}

/// Builds the datasets `config` names and splits them as training does.
pub fn prepare_data(registry: &Registry, config: &Config) -> Result<RunData, ConfigError> {
    let run = &config.run;
    let build_items = |path: &str, component: &ComponentRef| {
        registry
            .build_dataset(&component.name, &component.section)
            .map(|dataset| PluginItems::new(dataset, format!("{path}.{}", component.name)))
            .map_err(|error| locate(config, path, error))
    };
    let items = build_items("dataset", &run.dataset)?;
    if items_len(&items) == 0 {
        return Err(config.error_at("dataset", format!("dataset `{}` has no items", run.dataset.name)));
    }
    let info = items.info();
    let (train, validation) = match &run.val_dataset {
        Some(val) => {
            let val_items = build_items("val_dataset", val)?;
            let val_info = val_items.info();
            if (val_info.channels, val_info.height, val_info.width) != (info.channels, info.height, info.width) {
                return Err(config.error_at(
                    "val_dataset",
                    format!(
                        "validation items are {}×{}×{} but training items are {}×{}×{}",
                        val_info.channels, val_info.height, val_info.width, info.channels, info.height, info.width
                    ),
                ));
            }
            (data::whole(items), (items_len(&val_items) > 0).then(|| data::whole(val_items)))
        }
        None => data::split(items, run.data.val_split, run.seed),
    };
    if train.indices.is_empty() {
        return Err(config.error_at("data.val_split", "no training items are left after the validation split"));
    }
    Ok(RunData { train, validation, info })
}

fn items_len(items: &PluginItems) -> usize {
    burn::data::dataset::Dataset::len(items)
}
