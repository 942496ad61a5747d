//! The component registry: per kind, `get` / `has` / `list` / `metadata`, qualified names
//! (`plugin::name`), search, a summary, and plugins disabled at run time without a rebuild.
//!
//! It stores *constructors* (monomorphised once per declared type), never built components. The
//! binary fills it through the build-generated `register_plugins`, which calls
//! [`Registrar::plugin`] for every plugin in dependency order.

use std::collections::{BTreeMap, BTreeSet};

use burn::tensor::Device;
use frameworm_manifest::{Hook, Kind, PluginOrigin, suggest};
use serde_yaml::Value;

use crate::batch::DataInfo;
use crate::callback::Callback;
use crate::component::{FromConfig, check_section, default_section, parse_section};
use crate::dataset::Dataset;
use crate::error::{ComponentError, RegistryError};
use crate::hooks::{HookContext, HookEvent, HookRegistry, HookResult};
use crate::metric::Metric;
use crate::model::{DynModel, Model, erase};
use crate::pipeline::Pipeline;
use crate::trainer::Trainer;

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
}

/// Builds a model from its config section (`section` labels errors), data shape and device.
pub type ModelBuilder = fn(&str, &Value, &DataInfo, &Device) -> Result<Box<dyn DynModel>, ComponentError>;
/// Builds a trait object of another kind from its config section.
pub type Builder<T> = fn(&str, &Value) -> Result<Box<T>, ComponentError>;

/// A registered component: metadata and constructor.
pub struct Entry<B> {
    /// Its metadata.
    pub meta: ComponentMeta,
    /// Its config defaults (for `config show`).
    pub default_config: fn() -> Value,
    /// Its constructor.
    pub build: B,
    /// Checks a config section without building (`config validate`).
    pub check: fn(&str, &Value) -> Result<(), ComponentError>,
}

struct Table<B> {
    kind: Kind,
    entries: BTreeMap<String, Entry<B>>,
}

impl<B> Table<B> {
    fn new(kind: Kind) -> Self {
        Table { kind, entries: BTreeMap::new() }
    }

    fn get(&self, name: &str) -> Result<&Entry<B>, RegistryError> {
        let found = match name.split_once("::") {
            Some((plugin, bare)) => self.entries.get(bare).filter(|e| e.meta.plugin == plugin),
            None => self.entries.get(name),
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

    fn insert(&mut self, entry: Entry<B>) -> Result<(), RegistryError> {
        if let Some(existing) = self.entries.get(&entry.meta.name) {
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

    fn metas(&self) -> impl Iterator<Item = &ComponentMeta> {
        self.entries.values().map(|e| &e.meta)
    }
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

/// Every component of every enabled plugin, and the plugins' hook subscribers.
pub struct Registry {
    plugins: Vec<&'static PluginInfo>,
    disabled_plugins: Vec<&'static PluginInfo>,
    models: Table<ModelBuilder>,
    trainers: Table<Builder<dyn Trainer>>,
    pipelines: Table<Builder<dyn Pipeline>>,
    datasets: Table<Builder<dyn Dataset>>,
    metrics: Table<Builder<dyn Metric>>,
    callbacks: Table<Builder<dyn Callback>>,
    hooks: HookRegistry,
}

impl Registry {
    /// Runs `register` (the build-generated `register_plugins`) with `disabled` plugins skipped.
    /// A disabled name that is no plugin, or an enabled plugin that depends on a disabled one,
    /// is an error.
    pub fn build(
        register: fn(&mut Registrar) -> Result<(), RegistryError>,
        disabled: &[String],
    ) -> Result<Registry, RegistryError> {
        let mut registrar = Registrar {
            registry: Registry::empty(),
            disabled: disabled.iter().cloned().collect(),
        };
        register(&mut registrar)?;
        let registry = registrar.registry;
        let known: BTreeSet<&str> = registry.plugins.iter().chain(&registry.disabled_plugins).map(|p| p.name).collect();
        if let Some(unknown) = disabled.iter().find(|name| !known.contains(name.as_str())) {
            return Err(RegistryError::UnknownPlugin {
                name: unknown.clone(),
                hint: suggest::did_you_mean(unknown, known.iter().copied()),
            });
        }
        Ok(registry)
    }

    /// A registry with nothing in it.
    pub fn empty() -> Registry {
        Registry {
            plugins: Vec::new(),
            disabled_plugins: Vec::new(),
            models: Table::new(Kind::Model),
            trainers: Table::new(Kind::Trainer),
            pipelines: Table::new(Kind::Pipeline),
            datasets: Table::new(Kind::Dataset),
            metrics: Table::new(Kind::Metric),
            callbacks: Table::new(Kind::Callback),
            hooks: HookRegistry::new(),
        }
    }

    /// Enabled plugins, in registration (dependency) order.
    pub fn plugins(&self) -> &[&'static PluginInfo] {
        &self.plugins
    }

    /// Plugins disabled at run time.
    pub fn disabled_plugins(&self) -> &[&'static PluginInfo] {
        &self.disabled_plugins
    }

    /// A plugin by name, enabled or not.
    pub fn plugin(&self, name: &str) -> Option<&'static PluginInfo> {
        self.plugins.iter().chain(&self.disabled_plugins).copied().find(|p| p.name == name)
    }

    fn metas(&self, kind: Kind) -> Vec<&ComponentMeta> {
        match kind {
            Kind::Model => self.models.metas().collect(),
            Kind::Trainer => self.trainers.metas().collect(),
            Kind::Pipeline => self.pipelines.metas().collect(),
            Kind::Dataset => self.datasets.metas().collect(),
            Kind::Metric => self.metrics.metas().collect(),
            Kind::Callback => self.callbacks.metas().collect(),
        }
    }

    /// The components of one kind, by name.
    pub fn list(&self, kind: Kind) -> Vec<&ComponentMeta> {
        self.metas(kind)
    }

    /// Every component, kind by kind.
    pub fn all(&self) -> Vec<&ComponentMeta> {
        Kind::ALL.into_iter().flat_map(|kind| self.metas(kind)).collect()
    }

    /// The metadata of a component (bare or `plugin::name`), or an error listing the closest names.
    pub fn metadata(&self, kind: Kind, name: &str) -> Result<&ComponentMeta, RegistryError> {
        let found = match kind {
            Kind::Model => self.models.get(name).map(|e| &e.meta),
            Kind::Trainer => self.trainers.get(name).map(|e| &e.meta),
            Kind::Pipeline => self.pipelines.get(name).map(|e| &e.meta),
            Kind::Dataset => self.datasets.get(name).map(|e| &e.meta),
            Kind::Metric => self.metrics.get(name).map(|e| &e.meta),
            Kind::Callback => self.callbacks.get(name).map(|e| &e.meta),
        };
        found.map_err(|error| self.explain_missing(kind, name, error))
    }

    /// Turns "unknown" into "disabled" when a disabled plugin declares `name`.
    fn explain_missing(&self, kind: Kind, name: &str, error: RegistryError) -> RegistryError {
        let bare = name.split_once("::").map_or(name, |(_, bare)| bare);
        self.disabled_plugins
            .iter()
            .find(|plugin| plugin.provides.contains(&(kind, bare)))
            .map_or(error, |plugin| RegistryError::Disabled { kind, name: name.to_string(), plugin: plugin.name.to_string() })
    }

    /// The config defaults of a component.
    pub fn default_config(&self, kind: Kind, name: &str) -> Result<Value, RegistryError> {
        let defaults = match kind {
            Kind::Model => self.models.get(name).map(|e| e.default_config),
            Kind::Trainer => self.trainers.get(name).map(|e| e.default_config),
            Kind::Pipeline => self.pipelines.get(name).map(|e| e.default_config),
            Kind::Dataset => self.datasets.get(name).map(|e| e.default_config),
            Kind::Metric => self.metrics.get(name).map(|e| e.default_config),
            Kind::Callback => self.callbacks.get(name).map(|e| e.default_config),
        }?;
        Ok(defaults())
    }

    /// Checks `section` against the config type of component `name` of `kind`, building nothing.
    pub fn check_config(&self, kind: Kind, name: &str, section: &Value) -> Result<(), RegistryError> {
        let meta = self.metadata(kind, name)?;
        let label = format!("{kind}.{}", meta.name);
        let check = match kind {
            Kind::Model => self.models.get(name).map(|e| e.check),
            Kind::Trainer => self.trainers.get(name).map(|e| e.check),
            Kind::Pipeline => self.pipelines.get(name).map(|e| e.check),
            Kind::Dataset => self.datasets.get(name).map(|e| e.check),
            Kind::Metric => self.metrics.get(name).map(|e| e.check),
            Kind::Callback => self.callbacks.get(name).map(|e| e.check),
        }?;
        Ok(check(&label, section)?)
    }

    /// Whether a component of `kind` answers to `name`.
    pub fn has(&self, kind: Kind, name: &str) -> bool {
        self.metadata(kind, name).is_ok()
    }

    /// Components whose name or qualified name matches `query`: with `*` wildcards a whole-name
    /// glob (`*gan*`), otherwise a case-insensitive substring of name, description or tags.
    pub fn search(&self, query: &str) -> Vec<&ComponentMeta> {
        let query = query.to_lowercase();
        self.all()
            .into_iter()
            .filter(|meta| {
                if query.contains('*') {
                    glob_match(&query, &meta.name) || glob_match(&query, &meta.qualified_name)
                } else {
                    meta.qualified_name.contains(&query)
                        || meta.description.to_lowercase().contains(&query)
                        || meta.tags.iter().any(|t| t.to_lowercase().contains(&query))
                }
            })
            .collect()
    }

    /// Counts and names per kind.
    pub fn summary(&self) -> RegistrySummary {
        RegistrySummary {
            plugins: self.plugins.iter().map(|p| p.name.to_string()).collect(),
            disabled_plugins: self.disabled_plugins.iter().map(|p| p.name.to_string()).collect(),
            components: Kind::ALL
                .into_iter()
                .map(|kind| (kind, self.metas(kind).into_iter().map(|m| m.name.clone()).collect()))
                .collect(),
            hook_subscribers: self.hooks.len(),
        }
    }

    /// The plugins' hook subscribers.
    pub fn hooks(&self) -> &HookRegistry {
        &self.hooks
    }

    /// The plugins' hook subscribers, mutably (a run adds its configured callbacks here).
    pub fn hooks_mut(&mut self) -> &mut HookRegistry {
        &mut self.hooks
    }

    /// Builds model `name` from its config section for `data` on `device`.
    pub fn build_model(&self, name: &str, section: &Value, data: &DataInfo, device: &Device) -> Result<Box<dyn DynModel>, RegistryError> {
        let entry = self.models.get(name).map_err(|e| self.explain_missing(Kind::Model, name, e))?;
        Ok((entry.build)(&format!("model.{}", entry.meta.name), section, data, device)?)
    }

    /// Builds trainer `name` from its config section.
    pub fn build_trainer(&self, name: &str, section: &Value) -> Result<Box<dyn Trainer>, RegistryError> {
        build_from(&self.trainers, name, section).map_err(|e| self.explain_missing(Kind::Trainer, name, e))
    }

    /// Builds pipeline `name` from its config section.
    pub fn build_pipeline(&self, name: &str, section: &Value) -> Result<Box<dyn Pipeline>, RegistryError> {
        build_from(&self.pipelines, name, section).map_err(|e| self.explain_missing(Kind::Pipeline, name, e))
    }

    /// Builds dataset `name` from its config section.
    pub fn build_dataset(&self, name: &str, section: &Value) -> Result<Box<dyn Dataset>, RegistryError> {
        build_from(&self.datasets, name, section).map_err(|e| self.explain_missing(Kind::Dataset, name, e))
    }

    /// Builds metric `name` from its config section.
    pub fn build_metric(&self, name: &str, section: &Value) -> Result<Box<dyn Metric>, RegistryError> {
        build_from(&self.metrics, name, section).map_err(|e| self.explain_missing(Kind::Metric, name, e))
    }

    /// Builds callback `name` from its config section.
    pub fn build_callback(&self, name: &str, section: &Value) -> Result<Box<dyn Callback>, RegistryError> {
        build_from(&self.callbacks, name, section).map_err(|e| self.explain_missing(Kind::Callback, name, e))
    }
}

fn build_from<T: ?Sized>(table: &Table<Builder<T>>, name: &str, section: &Value) -> Result<Box<T>, RegistryError> {
    let entry = table.get(name)?;
    Ok((entry.build)(&format!("{}.{}", table.kind, entry.meta.name), section)?)
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_match(pattern: &str, text: &str) -> bool {
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

/// Fills a [`Registry`]; handed to the build-generated `register_plugins`.
pub struct Registrar {
    registry: Registry,
    disabled: BTreeSet<String>,
}

impl Registrar {
    /// Starts registering `info`'s components; `None` when the plugin is disabled.
    pub fn plugin(&mut self, info: &'static PluginInfo) -> Result<Option<PluginRegistrar<'_>>, RegistryError> {
        if self.disabled.contains(info.name) {
            self.registry.disabled_plugins.push(info);
            return Ok(None);
        }
        if let Some((dependency, _)) = info.dependencies.iter().find(|(d, _)| self.disabled.contains(*d)) {
            return Err(RegistryError::DisabledDependency {
                plugin: info.name.to_string(),
                dependency: dependency.to_string(),
            });
        }
        self.registry.plugins.push(info);
        Ok(Some(PluginRegistrar { registry: &mut self.registry, info }))
    }
}

/// Registers one plugin's components and hooks. Plugin entry points receive it:
/// `pub fn register(plugin: &mut PluginRegistrar) -> Result<(), RegistryError>`.
pub struct PluginRegistrar<'a> {
    registry: &'a mut Registry,
    info: &'static PluginInfo,
}

macro_rules! object_builder {
    ($fn_name:ident, $trait:ident) => {
        fn $fn_name<T: $trait + FromConfig + 'static>(section: &str, value: &Value) -> Result<Box<dyn $trait>, ComponentError> {
            Ok(Box::new(T::from_config(parse_section::<T::Config>(section, value)?)?))
        }
    };
}
object_builder!(build_trainer_of, Trainer);
object_builder!(build_pipeline_of, Pipeline);
object_builder!(build_dataset_of, Dataset);
object_builder!(build_metric_of, Metric);
object_builder!(build_callback_of, Callback);

fn build_model_of<M: Model>(section: &str, value: &Value, data: &DataInfo, device: &Device) -> Result<Box<dyn DynModel>, ComponentError> {
    let config = parse_section::<M::Config>(section, value)?;
    Ok(erase(M::new(&config, data, device)?))
}

impl PluginRegistrar<'_> {
    /// The plugin being registered.
    pub fn info(&self) -> &'static PluginInfo {
        self.info
    }

    fn meta(&self, kind: Kind, declared: &Declared) -> ComponentMeta {
        ComponentMeta {
            name: declared.name.to_string(),
            qualified_name: format!("{}::{}", self.info.name, declared.name),
            kind,
            plugin: self.info.name.to_string(),
            version: self.info.version.to_string(),
            author: self.info.author.to_string(),
            description: if declared.description.is_empty() { self.info.description } else { declared.description }.to_string(),
            source: declared.manifest.to_string(),
            type_name: declared.type_name.to_string(),
            tags: declared.tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    /// Registers model type `M`.
    pub fn model<M: Model>(&mut self, declared: Declared) -> Result<(), RegistryError> {
        let entry = Entry { meta: self.meta(Kind::Model, &declared), default_config: default_section::<M::Config>, check: check_section::<M::Config>, build: build_model_of::<M> as ModelBuilder };
        self.registry.models.insert(entry)
    }

    /// Registers trainer type `T`.
    pub fn trainer<T: Trainer + FromConfig + 'static>(&mut self, declared: Declared) -> Result<(), RegistryError> {
        let entry = Entry { meta: self.meta(Kind::Trainer, &declared), default_config: default_section::<T::Config>, check: check_section::<T::Config>, build: build_trainer_of::<T> as Builder<dyn Trainer> };
        self.registry.trainers.insert(entry)
    }

    /// Registers pipeline type `T`.
    pub fn pipeline<T: Pipeline + FromConfig + 'static>(&mut self, declared: Declared) -> Result<(), RegistryError> {
        let entry = Entry { meta: self.meta(Kind::Pipeline, &declared), default_config: default_section::<T::Config>, check: check_section::<T::Config>, build: build_pipeline_of::<T> as Builder<dyn Pipeline> };
        self.registry.pipelines.insert(entry)
    }

    /// Registers dataset type `T`.
    pub fn dataset<T: Dataset + FromConfig + 'static>(&mut self, declared: Declared) -> Result<(), RegistryError> {
        let entry = Entry { meta: self.meta(Kind::Dataset, &declared), default_config: default_section::<T::Config>, check: check_section::<T::Config>, build: build_dataset_of::<T> as Builder<dyn Dataset> };
        self.registry.datasets.insert(entry)
    }

    /// Registers metric type `T`.
    pub fn metric<T: Metric + FromConfig + 'static>(&mut self, declared: Declared) -> Result<(), RegistryError> {
        let entry = Entry { meta: self.meta(Kind::Metric, &declared), default_config: default_section::<T::Config>, check: check_section::<T::Config>, build: build_metric_of::<T> as Builder<dyn Metric> };
        self.registry.metrics.insert(entry)
    }

    /// Registers callback type `T` (built per run from the config's `callbacks:` list).
    pub fn callback<T: Callback + FromConfig + 'static>(&mut self, declared: Declared) -> Result<(), RegistryError> {
        let entry = Entry { meta: self.meta(Kind::Callback, &declared), default_config: default_section::<T::Config>, check: check_section::<T::Config>, build: build_callback_of::<T> as Builder<dyn Callback> };
        self.registry.callbacks.insert(entry)
    }

    fn check_declared(&self, hook: Hook) -> Result<(), RegistryError> {
        if self.info.hooks.contains(&hook) {
            Ok(())
        } else {
            Err(RegistryError::UndeclaredHook { plugin: self.info.name.to_string(), hook, manifest: self.info.manifest.to_string() })
        }
    }

    /// Subscribes a closure to `hook`, which the plugin.yaml must list under `hooks:`.
    pub fn on(
        &mut self,
        hook: Hook,
        name: &str,
        priority: i32,
        f: impl FnMut(&mut HookContext, &HookEvent<'_>) -> HookResult + Send + 'static,
    ) -> Result<(), RegistryError> {
        self.check_declared(hook)?;
        self.registry.hooks.on(hook, self.info.name, name, priority, f);
        Ok(())
    }

    /// Subscribes a callback object for every run; the plugin.yaml must list at least one hook.
    pub fn add_callback(&mut self, name: &str, priority: i32, callback: impl Callback + 'static) -> Result<(), RegistryError> {
        let first = self.info.hooks.first().copied().unwrap_or(Hook::TrainBegin);
        self.check_declared(first)?;
        self.registry.hooks.add_callback(self.info.name, name, priority, self.info.hooks.to_vec(), Box::new(callback));
        Ok(())
    }
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
