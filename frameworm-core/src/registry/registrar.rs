//! Filling the registry: [`Registrar`] (handed to the build-generated `register_plugins`, it
//! skips disabled plugins) and [`PluginRegistrar`] (one plugin's components and hook
//! subscribers; plugin entry points receive it). Generated code calls one typed method per
//! declared component, whose bounds are the kind's trait.

use std::collections::BTreeSet;

use burn::tensor::Device;
use frameworm_manifest::{Hook, Kind, suggest};
use serde_yaml::Value;

use super::lookups::Registry;
use super::plugin_info::{ComponentMeta, Declared, PluginInfo};
use super::table::{Builder, Entry, ModelBuilder};
use crate::contract::{
    Callback, ComponentConfig, ComponentError, Dataset, DynModel, FieldNeed, FromConfig, HookContext, HookEvent, HookResult, Metric, Model,
    Pipeline, RegistryError, Schema, Trainer, check_section, default_section, erase, parse_section,
};

impl Registry {
    /// Runs `register` (the build-generated `register_plugins`) with `disabled` plugins skipped.
    /// A disabled name that is no plugin, or an enabled plugin that depends on a disabled one,
    /// is an error.
    pub fn build(
        register: fn(&mut Registrar) -> Result<(), RegistryError>,
        disabled: &[String],
    ) -> Result<Registry, RegistryError> {
        let mut registrar = Registrar { registry: Registry::empty(), disabled: disabled.iter().cloned().collect() };
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

fn model_reads_of<M: Model>(section: &str, value: &Value) -> Result<Vec<FieldNeed>, ComponentError> {
    Ok(M::reads(&parse_section::<M::Config>(section, value)?))
}

fn build_model_of<M: Model>(section: &str, value: &Value, schema: &Schema, device: &Device) -> Result<Box<dyn DynModel>, ComponentError> {
    let config = parse_section::<M::Config>(section, value)?;
    let model = section.strip_prefix("model.").unwrap_or(section);
    schema.check(&M::reads(&config)).map_err(|mismatch| ComponentError::Invalid(format!("model `{model}`: {mismatch}")))?;
    Ok(erase(M::new(&config, schema, device)?))
}

impl PluginRegistrar<'_> {
    /// The plugin being registered.
    pub fn info(&self) -> &'static PluginInfo {
        self.info
    }

    /// The entry of a component of `kind` whose config section is `C`.
    fn entry<C: ComponentConfig, B>(&self, kind: Kind, declared: &Declared, build: B) -> Entry<B> {
        let meta = ComponentMeta {
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
            fields: Vec::new(),
        };
        Entry { meta, default_config: default_section::<C>, check: check_section::<C>, build }
    }

    /// Registers model type `M`.
    pub fn model<M: Model>(&mut self, declared: Declared) -> Result<(), RegistryError> {
        let entry = self.entry::<M::Config, _>(Kind::Model, &declared, ModelBuilder { reads: model_reads_of::<M>, build: build_model_of::<M> });
        self.registry.models.insert(entry)
    }

    /// Records the fields plugin.yaml declares for component `name` of `kind` (a dataset's
    /// items, a model's reads; `build.rs` checked their syntax and the shipped configs' pairs).
    /// A dataset whose real fields differ from its declaration is refused when it is built.
    pub fn fields(&mut self, kind: Kind, name: &str, fields: &[(&str, &str)]) -> Result<(), RegistryError> {
        let fields = fields.iter().map(|(field, decl)| (field.to_string(), decl.to_string())).collect();
        match kind {
            Kind::Dataset => self.registry.datasets.declare_fields(name, fields),
            Kind::Model => self.registry.models.declare_fields(name, fields),
            other => Err(RegistryError::Component(ComponentError::Invalid(format!("{other} `{name}`: only datasets and models declare fields")))),
        }
    }

    /// Registers trainer type `T`.
    pub fn trainer<T: Trainer + FromConfig + 'static>(&mut self, declared: Declared) -> Result<(), RegistryError> {
        let entry = self.entry::<T::Config, _>(Kind::Trainer, &declared, build_trainer_of::<T> as Builder<dyn Trainer>);
        self.registry.trainers.insert(entry)
    }

    /// Registers pipeline type `T`.
    pub fn pipeline<T: Pipeline + FromConfig + 'static>(&mut self, declared: Declared) -> Result<(), RegistryError> {
        let entry = self.entry::<T::Config, _>(Kind::Pipeline, &declared, build_pipeline_of::<T> as Builder<dyn Pipeline>);
        self.registry.pipelines.insert(entry)
    }

    /// Registers dataset type `T`.
    pub fn dataset<T: Dataset + FromConfig + 'static>(&mut self, declared: Declared) -> Result<(), RegistryError> {
        let entry = self.entry::<T::Config, _>(Kind::Dataset, &declared, build_dataset_of::<T> as Builder<dyn Dataset>);
        self.registry.datasets.insert(entry)
    }

    /// Registers metric type `T`.
    pub fn metric<T: Metric + FromConfig + 'static>(&mut self, declared: Declared) -> Result<(), RegistryError> {
        let entry = self.entry::<T::Config, _>(Kind::Metric, &declared, build_metric_of::<T> as Builder<dyn Metric>);
        self.registry.metrics.insert(entry)
    }

    /// Registers callback type `T` (built per run from the config's `callbacks:` list).
    pub fn callback<T: Callback + FromConfig + 'static>(&mut self, declared: Declared) -> Result<(), RegistryError> {
        let entry = self.entry::<T::Config, _>(Kind::Callback, &declared, build_callback_of::<T> as Builder<dyn Callback>);
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
