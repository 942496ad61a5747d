//! Layer 2, the component registry: constructors by kind and name (monomorphised once per
//! declared type, never built components), plugin metadata, and the plugins' hook subscribers.
//! The binary fills it through the build-generated `register_plugins`, which calls
//! [`Registrar::plugin`] for every plugin in dependency order. It uses the contract only.

mod lookups;
mod plugin_info;
mod registrar;
mod table;

pub use lookups::Registry;
pub use plugin_info::{ComponentMeta, Declared, PluginInfo, RegistrySummary};
pub use registrar::{PluginRegistrar, Registrar};
