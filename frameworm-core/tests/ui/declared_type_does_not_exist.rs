// What the generated registry does with `models: { my-model: MissingModel }` when the plugin
// crate has no such type: rustc refuses the line, which carries the plugin.yaml path.
use frameworm_core::{Declared, PluginRegistrar, RegistryError};

pub fn register(plugin: &mut PluginRegistrar) -> Result<(), RegistryError> {
    plugin.model::<crate::MissingModel>(Declared { manifest: "plugins/my-plugin/plugin.yaml", name: "my-model", type_name: "MissingModel", description: "", tags: &[] })?; // model `my-model` declared in plugins/my-plugin/plugin.yaml
    Ok(())
}

fn main() {}
