//! One kind's components: name → [`Entry`] (metadata, defaults, a check and a constructor),
//! looked up bare or as `plugin::name`, with did-you-mean errors; [`Lookup`] is the part every
//! kind shares, so the registry answers metadata, defaults and checks for any kind at once.

use std::collections::BTreeMap;

use burn::tensor::Device;
use frameworm_manifest::{Kind, suggest};
use serde_yaml::Value;

use super::plugin_info::ComponentMeta;
use crate::contract::{ComponentError, DynModel, FieldNeed, RegistryError, Schema};

/// A model's two constructors: the fields it reads, from its config section (`section` labels
/// errors), and the model itself, for a schema and a device.
#[derive(Clone, Copy)]
pub struct ModelBuilder {
    /// The fields the model reads ([`crate::Model::reads`]).
    pub reads: fn(&str, &Value) -> Result<Vec<FieldNeed>, ComponentError>,
    /// Builds the model.
    pub build: fn(&str, &Value, &Schema, &Device) -> Result<Box<dyn DynModel>, ComponentError>,
}
/// Builds a trait object of another kind from its config section.
pub type Builder<T> = fn(&str, &Value) -> Result<Box<T>, ComponentError>;

/// A registered component: metadata, defaults, a check, and its constructor.
pub struct Entry<B> {
    /// Its metadata.
    pub meta: ComponentMeta,
    /// Its config defaults (for `config show`).
    pub default_config: fn() -> Value,
    /// Checks a config section without building (`config validate`).
    pub check: fn(&str, &Value) -> Result<(), ComponentError>,
    /// Its constructor.
    pub build: B,
}

/// The kind-independent side of an entry.
pub struct Facts<'a> {
    /// Its metadata.
    pub meta: &'a ComponentMeta,
    /// Its config defaults.
    pub default_config: fn() -> Value,
    /// Its section check.
    pub check: fn(&str, &Value) -> Result<(), ComponentError>,
}

/// Lookups every kind's table answers, whatever its constructor type.
pub trait Lookup {
    /// The entry answering to `name` (bare or `plugin::name`).
    fn find(&self, name: &str) -> Result<Facts<'_>, RegistryError>;
    /// Every entry's metadata, by name.
    fn metas(&self) -> Vec<&ComponentMeta>;
}

/// One kind's entries.
pub struct Table<B> {
    kind: Kind,
    entries: BTreeMap<String, Entry<B>>,
}

impl<B> Table<B> {
    /// An empty table of `kind`.
    pub fn new(kind: Kind) -> Self {
        Table { kind, entries: BTreeMap::new() }
    }

    /// The entry answering to `name`, or an error listing the closest names.
    pub fn get(&self, name: &str) -> Result<&Entry<B>, RegistryError> {
        // `my_model` finds `my-model`: `-` and `_` are one name, as on crates.io.
        let lookup = |bare: &str| {
            self.entries.get(bare).or_else(|| {
                let wanted = frameworm_manifest::schema::canonical_name(bare);
                self.entries.values().find(|e| frameworm_manifest::schema::canonical_name(&e.meta.name) == wanted)
            })
        };
        let found = match name.split_once("::") {
            Some((plugin, bare)) => lookup(bare).filter(|e| frameworm_manifest::schema::canonical_name(&e.meta.plugin) == frameworm_manifest::schema::canonical_name(plugin)),
            None => lookup(name),
        };
        found.ok_or_else(|| {
            let names = self.entries.values().flat_map(|e| [e.meta.name.as_str(), e.meta.qualified_name.as_str()]);
            let known: Vec<&str> = self.entries.keys().map(String::as_str).collect();
            RegistryError::Unknown {
                kind: self.kind,
                name: name.to_string(),
                hint: suggest::did_you_mean(name, names),
                known: if known.is_empty() { "none".to_string() } else { known.join(", ") },
            }
        })
    }

    /// Adds `entry`; a name already taken is an error naming both plugins.
    pub fn insert(&mut self, entry: Entry<B>) -> Result<(), RegistryError> {
        let canonical = frameworm_manifest::schema::canonical_name(&entry.meta.name);
        if let Some(existing) = self.entries.values().find(|e| frameworm_manifest::schema::canonical_name(&e.meta.name) == canonical) {
            return Err(RegistryError::Duplicate {
                kind: self.kind,
                name: entry.meta.name.clone(),
                first: existing.meta.plugin.clone(),
                second: entry.meta.plugin.clone(),
            });
        }
        self.entries.insert(entry.meta.name.clone(), entry);
        Ok(())
    }

    /// Sets the declared fields of entry `name`.
    pub fn declare_fields(&mut self, name: &str, fields: Vec<(String, String)>) -> Result<(), RegistryError> {
        let kind = self.kind;
        let entry = self.entries.get_mut(name).ok_or_else(|| {
            RegistryError::Component(ComponentError::Invalid(format!("fields declared for {kind} `{name}`, which is not registered")))
        })?;
        entry.meta.fields = fields;
        Ok(())
    }

    /// Builds `name` with `call`, labelling errors `kind.name`.
    pub fn build_with<T>(&self, name: &str, call: impl FnOnce(&B, &str) -> Result<T, ComponentError>) -> Result<T, RegistryError> {
        let entry = self.get(name)?;
        Ok(call(&entry.build, &format!("{}.{}", self.kind, entry.meta.name))?)
    }
}

impl<B> Lookup for Table<B> {
    fn find(&self, name: &str) -> Result<Facts<'_>, RegistryError> {
        self.get(name).map(|e| Facts { meta: &e.meta, default_config: e.default_config, check: e.check })
    }

    fn metas(&self) -> Vec<&ComponentMeta> {
        self.entries.values().map(|e| &e.meta).collect()
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return text == pattern;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_whole_names() {
        assert!(glob_match("*gan*", "dcgan"));
        assert!(glob_match("*gan*", "gan-trainer"));
        assert!(glob_match("dc*", "dcgan"));
        assert!(!glob_match("dc*", "mdcgan"));
        assert!(glob_match("*-digits", "fd-digits"));
        assert!(!glob_match("*gan", "gans"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(!glob_match("a*b*c", "acb"));
        assert!(glob_match("vae", "vae"));
    }
}
