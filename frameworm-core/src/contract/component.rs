//! Building components from their typed config section.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ComponentError;
use crate::config::error_key_and_message;


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
    let is_empty = value.is_null() || value.as_mapping().is_some_and(|map| map.is_empty());
    if is_empty {
        return Ok(C::default());
    }
    if default_section::<C>().is_null()
        && let Some(key) = value.as_mapping().and_then(|map| map.keys().next()).and_then(|key| key.as_str())
    {
        return Err(ComponentError::Config {
            section: section.to_string(),
            key: String::new(),
            message: format!("unknown field `{key}`: this component takes no settings"),
        });
    }
    serde_path_to_error::deserialize(value.clone()).map_err(|error| {
        let (key, message) = error_key_and_message(error);
        ComponentError::Config {
            section: section.to_string(),
            key,
            message: frameworm_manifest::suggest::enrich_serde_message(&message),
        }
    })
}

/// Checks that `value` deserialises into `C`, without building anything (`config validate`).
pub fn check_section<C: ComponentConfig>(section: &str, value: &serde_yaml::Value) -> Result<(), ComponentError> {
    parse_section::<C>(section, value).map(|_| ())
}

/// The defaults of `C` as a YAML value (for `config show`).
pub fn default_section<C: ComponentConfig>() -> serde_yaml::Value {
    serde_yaml::to_value(C::default()).unwrap_or(serde_yaml::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
    #[serde(deny_unknown_fields, default)]
    struct Section {
        hidden: Vec<usize>,
        rate: f64,
    }

    #[test]
    fn errors_carry_the_key_path() {
        let value: serde_yaml::Value = serde_yaml::from_str("{hidden: [1, x]}").unwrap();
        let error = parse_section::<Section>("model.m", &value).unwrap_err();
        assert!(matches!(&error, ComponentError::Config { key, .. } if key == "hidden.1"), "{error:?}");
        let value: serde_yaml::Value = serde_yaml::from_str("{rat: 1}").unwrap();
        let error = parse_section::<Section>("model.m", &value).unwrap_err().to_string();
        assert_eq!(error, "model.m: unknown field `rat`, did you mean `rate`?");
        let error = parse_section::<()>("trainer.t", &value).unwrap_err().to_string();
        assert_eq!(error, "trainer.t: unknown field `rat`: this component takes no settings");
        assert!(parse_section::<()>("trainer.t", &serde_yaml::Value::Mapping(Default::default())).is_ok());
    }
}
