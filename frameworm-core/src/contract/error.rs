//! Errors of the registry and of building components, as types.

use frameworm_manifest::Kind;

/// A registry lookup or registration failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// No component of that kind has that name.
    #[error("unknown {kind} `{name}`{hint}; known {kind}s: {known}")]
    Unknown {
        /// The kind looked up.
        kind: Kind,
        /// The name asked for.
        name: String,
        /// A did-you-mean, possibly empty.
        hint: String,
        /// The registered names, comma-separated (or "none").
        known: String,
    },
    /// Two registrations of one kind share a name (code registration; declared ones fail the build).
    #[error("{kind} `{name}` is registered twice: by plugin `{first}` and by plugin `{second}`; rename one")]
    Duplicate {
        /// The kind.
        kind: Kind,
        /// The name.
        name: String,
        /// The plugin that registered it first.
        first: String,
        /// The plugin that registered it again.
        second: String,
    },
    /// `--disable-plugin` named a plugin that is not in this build.
    #[error("cannot disable plugin `{name}`: no such plugin{hint}; see `frameworm plugins list`")]
    UnknownPlugin {
        /// The name given.
        name: String,
        /// A did-you-mean, possibly empty.
        hint: String,
    },
    /// An enabled plugin depends on a disabled one.
    #[error("plugin `{plugin}` depends on plugin `{dependency}`, which is disabled; disable `{plugin}` too or enable `{dependency}`")]
    DisabledDependency {
        /// The dependent plugin.
        plugin: String,
        /// The disabled dependency.
        dependency: String,
    },
    /// The component lives in a disabled plugin.
    #[error("{kind} `{name}` belongs to plugin `{plugin}`, which is disabled")]
    Disabled {
        /// The kind.
        kind: Kind,
        /// The component.
        name: String,
        /// Its plugin.
        plugin: String,
    },
    /// A plugin's entry point registered a hook it did not declare in plugin.yaml.
    #[error("plugin `{plugin}` subscribes to `{hook}` but its plugin.yaml does not list it under `hooks:`; add it there ({manifest})")]
    UndeclaredHook {
        /// The plugin.
        plugin: String,
        /// The hook.
        hook: frameworm_manifest::Hook,
        /// Its plugin.yaml.
        manifest: String,
    },
    /// A plugin's entry point failed.
    #[error("plugin `{plugin}`: {message}")]
    Plugin {
        /// The plugin.
        plugin: String,
        /// What went wrong.
        message: String,
    },
    /// Building a component failed.
    #[error(transparent)]
    Component(#[from] ComponentError),
}

/// Building or running a component failed.
#[derive(Debug, thiserror::Error)]
pub enum ComponentError {
    /// The component's config section does not fit its type.
    #[error("{section}{}: {message}", if key.is_empty() { String::new() } else { format!(".{key}") })]
    Config {
        /// Where the section lives (`model.vae`).
        section: String,
        /// The dotted key inside the section (`hidden.1`), empty for the section itself.
        key: String,
        /// What is wrong, with a did-you-mean where one helps.
        message: String,
    },
    /// Invalid data or arguments for the component.
    #[error("{0}")]
    Invalid(String),
    /// An I/O failure, naming the file.
    #[error("{path}: {source}{}", io_hint(source))]
    Io {
        /// The file or folder.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What to do about a component's failed file operation.
fn io_hint(error: &std::io::Error) -> &'static str {
    match error.kind() {
        std::io::ErrorKind::NotFound => "; check the path in the config (relative paths start at the current folder)",
        std::io::ErrorKind::PermissionDenied => "; check the file's permissions",
        _ => "",
    }
}

impl From<super::batch::FieldError> for ComponentError {
    fn from(error: super::batch::FieldError) -> Self {
        ComponentError::Invalid(error.0)
    }
}
