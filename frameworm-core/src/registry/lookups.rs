//! The [`Registry`] and what it answers: per kind `list` / `metadata` / `has` / defaults /
//! checks, qualified names (`plugin::name`), search, a summary, "disabled" for the names of
//! plugins switched off at run time, and typed constructors. It is filled by the registrar.

use burn::tensor::Device;
use frameworm_manifest::Kind;
use serde_yaml::Value;

use super::plugin_info::{ComponentMeta, PluginInfo, RegistrySummary};
use super::table::{Builder, Lookup, ModelBuilder, Table, glob_match};
use crate::contract::{Callback, ComponentError, Dataset, DynModel, FieldNeed, HookRegistry, Metric, Pipeline, RegistryError, Schema, Trainer};

/// Every component of every enabled plugin, and the plugins' hook subscribers.
pub struct Registry {
    pub(super) plugins: Vec<&'static PluginInfo>,
    pub(super) disabled_plugins: Vec<&'static PluginInfo>,
    pub(super) models: Table<ModelBuilder>,
    pub(super) trainers: Table<Builder<dyn Trainer>>,
    pub(super) pipelines: Table<Builder<dyn Pipeline>>,
    pub(super) datasets: Table<Builder<dyn Dataset>>,
    pub(super) metrics: Table<Builder<dyn Metric>>,
    pub(super) callbacks: Table<Builder<dyn Callback>>,
    pub(super) hooks: HookRegistry,
}

impl Registry {
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

    /// A plugin by name (`my_plugin` finds `my-plugin`), enabled or not.
    pub fn plugin(&self, name: &str) -> Option<&'static PluginInfo> {
        let wanted = frameworm_manifest::schema::canonical_name(name);
        self.plugins.iter().chain(&self.disabled_plugins).copied().find(|p| frameworm_manifest::schema::canonical_name(p.name) == wanted)
    }

    /// The table of `kind`, for what every kind answers alike.
    fn table(&self, kind: Kind) -> &dyn Lookup {
        match kind {
            Kind::Model => &self.models,
            Kind::Trainer => &self.trainers,
            Kind::Pipeline => &self.pipelines,
            Kind::Dataset => &self.datasets,
            Kind::Metric => &self.metrics,
            Kind::Callback => &self.callbacks,
        }
    }

    /// The components of one kind, by name.
    pub fn list(&self, kind: Kind) -> Vec<&ComponentMeta> {
        self.table(kind).metas()
    }

    /// Every component, kind by kind.
    pub fn all(&self) -> Vec<&ComponentMeta> {
        Kind::ALL.into_iter().flat_map(|kind| self.list(kind)).collect()
    }

    /// The metadata of a component (bare or `plugin::name`), or an error listing the closest names.
    pub fn metadata(&self, kind: Kind, name: &str) -> Result<&ComponentMeta, RegistryError> {
        self.table(kind).find(name).map(|facts| facts.meta).map_err(|error| self.explain_missing(kind, name, error))
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
        self.table(kind).find(name).map(|facts| (facts.default_config)()).map_err(|error| self.explain_missing(kind, name, error))
    }

    /// Checks `section` against the config type of component `name` of `kind`, building nothing.
    pub fn check_config(&self, kind: Kind, name: &str, section: &Value) -> Result<(), RegistryError> {
        let facts = self.table(kind).find(name).map_err(|error| self.explain_missing(kind, name, error))?;
        Ok((facts.check)(&format!("{kind}.{}", facts.meta.name), section)?)
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
            components: Kind::ALL.into_iter().map(|kind| (kind, self.list(kind).into_iter().map(|m| m.name.clone()).collect())).collect(),
            hook_subscribers: self.hooks.len(),
        }
    }

    /// The plugins' hook subscribers.
    pub fn hooks(&self) -> &HookRegistry {
        &self.hooks
    }

    /// The plugins' hook subscribers, mutably: a run borrows them for its
    /// [`RunHooks`](crate::RunHooks) (their closures keep state), and switches turn them off.
    pub fn hooks_mut(&mut self) -> &mut HookRegistry {
        &mut self.hooks
    }

    /// The fields model `name` reads with its config section.
    pub fn model_reads(&self, name: &str, section: &Value) -> Result<Vec<FieldNeed>, RegistryError> {
        self.models.build_with(name, |model, label| (model.reads)(label, section)).map_err(|e| self.explain_missing(Kind::Model, name, e))
    }

    /// Builds model `name` from its config section for data of `schema` on `device`; a schema
    /// that does not meet the model's [`crate::Model::reads`] is an error naming the field.
    pub fn build_model(&self, name: &str, section: &Value, schema: &Schema, device: &Device) -> Result<Box<dyn DynModel>, RegistryError> {
        self.models.build_with(name, |model, label| (model.build)(label, section, schema, device)).map_err(|e| self.explain_missing(Kind::Model, name, e))
    }

    /// Builds trainer `name` from its config section.
    pub fn build_trainer(&self, name: &str, section: &Value) -> Result<Box<dyn Trainer>, RegistryError> {
        self.trainers.build_with(name, |build, label| build(label, section)).map_err(|e| self.explain_missing(Kind::Trainer, name, e))
    }

    /// Builds pipeline `name` from its config section.
    pub fn build_pipeline(&self, name: &str, section: &Value) -> Result<Box<dyn Pipeline>, RegistryError> {
        self.pipelines.build_with(name, |build, label| build(label, section)).map_err(|e| self.explain_missing(Kind::Pipeline, name, e))
    }

    /// Builds dataset `name` from its config section; a dataset whose fields differ from what
    /// its plugin.yaml declares is an error naming that file (the build trusted the declaration).
    pub fn build_dataset(&self, name: &str, section: &Value) -> Result<Box<dyn Dataset>, RegistryError> {
        let dataset = self.datasets.build_with(name, |build, label| build(label, section)).map_err(|e| self.explain_missing(Kind::Dataset, name, e))?;
        let meta = &self.datasets.get(name)?.meta;
        crate::contract::check_declared_fields(&meta.fields, &dataset.schema())
            .map_err(|problem| RegistryError::Component(ComponentError::Invalid(format!("dataset `{}`: {problem}; correct `fields:` in {}", meta.name, meta.source))))?;
        Ok(dataset)
    }

    /// Builds metric `name` from its config section.
    pub fn build_metric(&self, name: &str, section: &Value) -> Result<Box<dyn Metric>, RegistryError> {
        self.metrics.build_with(name, |build, label| build(label, section)).map_err(|e| self.explain_missing(Kind::Metric, name, e))
    }

    /// Builds callback `name` from its config section.
    pub fn build_callback(&self, name: &str, section: &Value) -> Result<Box<dyn Callback>, RegistryError> {
        self.callbacks.build_with(name, |build, label| build(label, section)).map_err(|e| self.explain_missing(Kind::Callback, name, e))
    }
}
