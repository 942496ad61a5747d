//! What the registry knows about plugins and components: [`PluginInfo`] (static, from the
//! build script), [`Declared`] (one `provides:` entry), [`ComponentMeta`] and the
//! [`RegistrySummary`] that `plugins list` and `info` print.

use std::collections::BTreeMap;

use frameworm_manifest::{Hook, Kind, PluginOrigin};

/// A plugin as its plugin.yaml describes it (static data written by the build script).
#[derive(Debug)]
pub struct PluginInfo {
    /// Its name.
    pub name: &'static str,
    /// Its version.
    pub version: &'static str,
    /// Its author.
    pub author: &'static str,
    /// One line about it.
    pub description: &'static str,
    /// Its plugin.yaml, relative to the workspace when inside it.
    pub manifest: &'static str,
    /// Its cargo package.
    pub package: &'static str,
    /// Workspace member or dependency.
    pub origin: PluginOrigin,
    /// `(plugin, requirement)` pairs, including `frameworm`.
    pub dependencies: &'static [(&'static str, &'static str)],
    /// The hooks it declares.
    pub hooks: &'static [Hook],
    /// The components its plugin.yaml declares (so a disabled plugin's names are recognised).
    pub provides: &'static [(Kind, &'static str)],
}

/// A component declaration, from plugin.yaml's `provides:` (or made by code in an entry point).
#[derive(Debug, Clone, Copy)]
pub struct Declared {
    /// Its name within its kind.
    pub name: &'static str,
    /// Its Rust type, as written in plugin.yaml.
    pub type_name: &'static str,
    /// The plugin.yaml that declares it.
    pub manifest: &'static str,
    /// One line about it.
    pub description: &'static str,
    /// Tags for search.
    pub tags: &'static [&'static str],
}

/// Everything known about a registered component.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ComponentMeta {
    /// Its name.
    pub name: String,
    /// `plugin::name`.
    pub qualified_name: String,
    /// Its kind.
    pub kind: Kind,
    /// Its plugin.
    pub plugin: String,
    /// Its plugin's version.
    pub version: String,
    /// Its plugin's author.
    pub author: String,
    /// One line about it (the plugin's description when the component has none).
    pub description: String,
    /// The plugin.yaml it comes from.
    pub source: String,
    /// Its Rust type.
    pub type_name: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The fields its plugin.yaml declares (a dataset's items, a model's reads), as written
    /// there (`image: f32[1, 8, 8]`); empty when it declares none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<(String, String)>,
}

/// The counts and names per kind (the seed's `print_registry_summary`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RegistrySummary {
    /// Enabled plugins.
    pub plugins: Vec<String>,
    /// Plugins disabled at run time.
    pub disabled_plugins: Vec<String>,
    /// Component names per kind.
    pub components: BTreeMap<Kind, Vec<String>>,
    /// Hook subscribers registered by plugins.
    pub hook_subscribers: usize,
}

