// A declared callback that implements Callback but cannot be built from a config section.
use frameworm_core::{Callback, Declared, PluginRegistrar, RegistryError};

pub struct MyCallback;

impl Callback for MyCallback {}

pub fn register(plugin: &mut PluginRegistrar) -> Result<(), RegistryError> {
    plugin.callback::<MyCallback>(Declared { manifest: "plugins/my-plugin/plugin.yaml", name: "my-callback", type_name: "MyCallback", description: "", tags: &[] })?; // callback `my-callback` declared in plugins/my-plugin/plugin.yaml
    Ok(())
}

fn main() {}
