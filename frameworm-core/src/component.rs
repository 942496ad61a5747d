//! Building components from their typed config section.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ComponentError;

/// A component's config section: deserialised from YAML (deny unknown fields to get
/// did-you-mean errors), serialisable so `config show` can print defaults, and defaultable so an
/// absent section means "all defaults".
pub trait ComponentConfig: DeserializeOwned + Serialize + Default + std::fmt::Debug + Send + 'static {}

impl<T: DeserializeOwned + Serialize + Default + std::fmt::Debug + Send + 'static> ComponentConfig for T {}

/// Builds a trainer, pipeline, dataset, metric or callback from its config section.
/// (Models are built by [`Model::new`](crate::Model::new), which also takes the device.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` is declared in a plugin.yaml but cannot be built from a config section",
    label = "declared here",
    note = "implement `frameworm_core::FromConfig for {Self}` (type Config = YourConfig; fn from_config(config) -> Result<Self, ComponentError>), e.g. `type Config = ();` for none"
)]
pub trait FromConfig: Sized {
    /// The typed config section (`()` for none).
    type Config: ComponentConfig;
    /// Builds the component, failing with a message that names the bad field.
    fn from_config(config: Self::Config) -> Result<Self, ComponentError>;
}

/// Deserialises a config section into `C`, naming the section in errors with a did-you-mean.
pub fn parse_section<C: ComponentConfig>(section: &str, value: &serde_yaml::Value) -> Result<C, ComponentError> {
    if value.is_null() {
        return Ok(C::default());
    }
    serde_yaml::from_value(value.clone()).map_err(|error| ComponentError::Config {
        section: section.to_string(),
        message: frameworm_manifest::suggest::enrich_serde_message(&error.to_string()),
    })
}

/// The defaults of `C` as a YAML value (for `config show`).
pub fn default_section<C: ComponentConfig>() -> serde_yaml::Value {
    serde_yaml::to_value(C::default()).unwrap_or(serde_yaml::Value::Null)
}
