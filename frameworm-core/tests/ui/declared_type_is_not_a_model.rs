// What the generated registry does with `models: { my-model: MyModel }` when MyModel is no model.
use frameworm_core::{Declared, PluginRegistrar, RegistryError};

pub struct MyModel;

pub fn register(plugin: &mut PluginRegistrar) -> Result<(), RegistryError> {
    plugin.model::<MyModel>(Declared { manifest: "plugins/my-plugin/plugin.yaml", name: "my-model", type_name: "MyModel", description: "", tags: &[] })?; // model `my-model` declared in plugins/my-plugin/plugin.yaml
    Ok(())
}

fn main() {}
