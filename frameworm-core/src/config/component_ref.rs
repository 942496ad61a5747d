//! [`ComponentRef`]: a config section that picks a plugin component by `name` and passes the
//! rest of its keys to that component's own typed config.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_yaml::{Mapping, Value};

/// `model: {name: vae, latent_dim: 16}` → name `vae`, section `{latent_dim: 16}`. A bare string
/// (`metrics: [mae]`) is a name with an empty section.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentRef {
    /// The component's name (bare or `plugin::name`).
    pub name: String,
    /// The component's own keys (a mapping, possibly empty).
    pub section: Value,
}

impl ComponentRef {
    /// A component with no keys of its own.
    pub fn named(name: &str) -> ComponentRef {
        ComponentRef { name: name.to_string(), section: Value::Mapping(Mapping::new()) }
    }
}

impl<'de> Deserialize<'de> for ComponentRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(name) => Ok(ComponentRef::named(&name)),
            Value::Mapping(mut map) => match map.remove("name") {
                Some(Value::String(name)) => Ok(ComponentRef { name, section: Value::Mapping(map) }),
                Some(_) => Err(de::Error::custom("`name` must be a string (the component's name)")),
                None => Err(de::Error::custom("missing field `name`: which component? e.g. `name: vae` (see `frameworm plugins list`)")),
            },
            _ => Err(de::Error::custom("expected a component: a name, or a mapping with `name` and its settings")),
        }
    }
}

impl Serialize for ComponentRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = Mapping::new();
        map.insert("name".into(), Value::String(self.name.clone()));
        if let Value::Mapping(section) = &self.section {
            map.extend(section.clone());
        }
        Value::Mapping(map).serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_and_mapping_forms() {
        let plain: ComponentRef = serde_yaml::from_str("mae").unwrap();
        assert_eq!(plain, ComponentRef::named("mae"));
        let full: ComponentRef = serde_yaml::from_str("{name: vae, latent_dim: 4}").unwrap();
        assert_eq!(full.name, "vae");
        assert_eq!(full.section, serde_yaml::from_str::<Value>("{latent_dim: 4}").unwrap());
        assert_eq!(serde_yaml::to_string(&full).unwrap(), "name: vae\nlatent_dim: 4\n");
        let error = serde_yaml::from_str::<ComponentRef>("{latent_dim: 4}").unwrap_err().to_string();
        assert!(error.contains("missing field `name`"), "{error}");
    }
}
