//! `frameworm-manifest`: everything Frameworm knows about a plugin *before* compiling it.
//!
//! This crate is deliberately light (no burn) because three programs share it, with no copy:
//! - the root package's `build.rs`, which discovers plugins, validates every `plugin.yaml`
//!   and generates the static registry (`$OUT_DIR/registry.rs`);
//! - `cargo xtask check` / `sync-plugins` / `new-plugin`, which validate and wire plugins
//!   without compiling them;
//! - `frameworm-core`, which re-exports the [`Kind`] and [`Hook`] tables so the run-time
//!   registries, the CLI, the docs and the tests all read one static table.

pub mod codegen;
pub mod configs;
pub mod discover;
pub mod error;
pub mod export;
pub mod fields;
#[doc(hidden)]
pub mod fuzzing;
pub mod hook;
pub mod kind;
pub mod scaffold;
pub mod schema;
pub mod suggest;
pub mod validate;

pub use discover::{DiscoveredPlugin, PluginOrigin, discover, find_workspace_root};
pub use error::{ManifestError, ValidationErrors};
pub use export::export_plugin;
pub use hook::Hook;
pub use kind::Kind;
pub use schema::{ComponentDecl, PluginManifest, parse_manifest, read_manifest};
pub use validate::validate;

/// The framework's own version, which plugins' `dependencies.frameworm` requirements are checked against.
pub const FRAMEWORK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The reserved dependency key that names the framework itself in `plugin.yaml`.
pub const FRAMEWORK_DEPENDENCY: &str = "frameworm";

/// Prefix of the `links` key a plugin crate published as a dependency declares so the binary's
/// build script can find it (see [`export_plugin`]).
pub const LINKS_PREFIX: &str = "frameworm-plugin-";
