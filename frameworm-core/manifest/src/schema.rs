//! The `plugin.yaml` schema (serde, unknown keys denied) and its parser with file:line:column errors.
//!
//! ```yaml
//! name: vae                      # required: lowercase letters, digits, `-`, `_`
//! version: 0.1.0                 # required: semver
//! author: Ada                    # optional
//! description: A VAE             # optional
//! entry_point: register          # optional, no default: fn in the crate root called with the registrar
//! dependencies:                  # optional: other plugins and the framework, semver requirements
//!   frameworm: ">=0.1"
//! hooks: [on_epoch_end]          # optional: the hooks this plugin subscribes to
//! provides:                      # optional: components registered with no code
//!   models:
//!     vae: Vae                   # short form: name -> Rust type (path from the crate root)
//!     big-vae: { type: BigVae, description: A larger VAE, tags: [generative] }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

pub use semver::{Version, VersionReq};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::fields::Fields;
use crate::error::ManifestError;
use crate::hook::Hook;
use crate::kind::Kind;
use crate::suggest;

/// The largest plugin.yaml accepted; bigger files are refused before parsing.
pub const MAX_MANIFEST_BYTES: usize = 256 * 1024;

/// A parsed, schema-valid plugin.yaml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginManifest {
    /// The plugin's name, unique in the build.
    pub name: Name,
    /// The plugin's semver version.
    #[serde(deserialize_with = "semver_version")]
    pub version: Version,
    /// Who wrote it.
    #[serde(default)]
    pub author: String,
    /// One line about it.
    #[serde(default)]
    pub description: String,
    /// A function of the plugin crate called with the registrar at start-up (`register`,
    /// `module::register`, or the Python-style `module:register`); `None` when the key is
    /// absent (or `~`): the plugin registers only what `provides:` declares.
    #[serde(default)]
    pub entry_point: Option<EntryPoint>,
    /// Other plugins (and `frameworm`) with semver requirements.
    #[serde(default)]
    pub dependencies: UniqueMap<Name, VersionReq>,
    /// The hooks this plugin subscribes to.
    #[serde(default)]
    pub hooks: Vec<HookName>,
    /// Components registered from this file alone.
    #[serde(default)]
    pub provides: Provides,
}

/// A semver version, with the fix in the error (raised inside the visitor, so the error keeps
/// the value's line and column).
fn semver_version<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Version, D::Error> {
    struct VersionVisitor;
    impl<'de> Visitor<'de> for VersionVisitor {
        type Value = Version;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a semver version such as `0.1.0`")
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Version, E> {
            Version::parse(text).map_err(|error| E::custom(format!("{error}; write MAJOR.MINOR.PATCH, e.g. `0.1.0`")))
        }
    }
    deserializer.deserialize_str(VersionVisitor)
}

/// The `provides:` map: one map of name → declaration per kind.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provides {
    /// Model components.
    #[serde(default)]
    pub models: UniqueMap<Name, ComponentDecl>,
    /// Trainer components.
    #[serde(default)]
    pub trainers: UniqueMap<Name, ComponentDecl>,
    /// Pipeline components.
    #[serde(default)]
    pub pipelines: UniqueMap<Name, ComponentDecl>,
    /// Dataset components.
    #[serde(default)]
    pub datasets: UniqueMap<Name, ComponentDecl>,
    /// Metric components.
    #[serde(default)]
    pub metrics: UniqueMap<Name, ComponentDecl>,
    /// Callback components.
    #[serde(default)]
    pub callbacks: UniqueMap<Name, ComponentDecl>,
}

impl Provides {
    /// The declarations of one kind.
    pub fn of(&self, kind: Kind) -> &UniqueMap<Name, ComponentDecl> {
        match kind {
            Kind::Model => &self.models,
            Kind::Trainer => &self.trainers,
            Kind::Pipeline => &self.pipelines,
            Kind::Dataset => &self.datasets,
            Kind::Metric => &self.metrics,
            Kind::Callback => &self.callbacks,
        }
    }

    /// Every declaration with its kind, in kind order then name order.
    pub fn iter(&self) -> impl Iterator<Item = (Kind, &Name, &ComponentDecl)> {
        Kind::ALL
            .into_iter()
            .flat_map(move |kind| self.of(kind).0.iter().map(move |(name, decl)| (kind, name, decl)))
    }
}

/// One declared component: its Rust type and optional metadata.
#[derive(Debug, Clone)]
pub struct ComponentDecl {
    /// The Rust type, as a path from the plugin crate's root (`Vae`, `models::Vae`).
    pub type_path: TypePath,
    /// One line about it.
    pub description: String,
    /// Free-form tags for search.
    pub tags: Vec<String>,
    /// Datasets: the fields every item has; models: the fields the model reads (both optional,
    /// see [`crate::fields`]).
    pub fields: Fields,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentDeclFull {
    #[serde(rename = "type")]
    type_path: TypePath,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    fields: Fields,
}

impl<'de> Deserialize<'de> for ComponentDecl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DeclVisitor;
        impl<'de> Visitor<'de> for DeclVisitor {
            type Value = ComponentDecl;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Rust type name (`Vae`) or a map with `type`, `description`, `tags`, `fields`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ComponentDecl, E> {
                Ok(ComponentDecl {
                    type_path: TypePath::parse(text).map_err(E::custom)?,
                    description: String::new(),
                    tags: Vec::new(),
                    fields: Fields::new(),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ComponentDecl, A::Error> {
                let full = ComponentDeclFull::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ComponentDecl {
                    type_path: full.type_path,
                    description: full.description,
                    tags: full.tags,
                    fields: full.fields,
                })
            }
        }
        deserializer.deserialize_any(DeclVisitor)
    }
}

/// A plugin or component name: 1–64 characters, lowercase ASCII letters, digits, `-` and `_`,
/// starting with a letter. No path characters, so names are safe in file names and `plugin::name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(pub String);

impl Name {
    /// The name with `_` read as `-`: `my_model` and `my-model` are one name (as on crates.io;
    /// names are lowercase already), so two plugins or components may not take both.
    pub fn canonical(&self) -> String {
        canonical_name(&self.0)
    }

    /// Checks a name against the rules above.
    pub fn parse(text: &str) -> Result<Name, String> {
        let valid_start = text.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let valid_chars = text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if text.is_empty() || text.len() > 64 || !valid_start || !valid_chars {
            return Err(format!(
                "invalid name `{}`: use 1-64 lowercase letters, digits, `-` or `_`, starting with a letter (e.g. `my-plugin`)",
                text.escape_debug()
            ));
        }
        Ok(Name(text.to_string()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `name` with `_` read as `-` (and ASCII case folded): the form under which two names clash.
pub fn canonical_name(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// A Rust identifier (an entry point function name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident(pub String);

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while",
];

impl Ident {
    /// Checks that `text` is a plain Rust identifier and not a keyword.
    pub fn parse(text: &str) -> Result<Ident, String> {
        let mut chars = text.chars();
        let start_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !start_ok || !rest_ok || text == "_" || RUST_KEYWORDS.contains(&text) {
            return Err(format!(
                "`{}` is not a Rust identifier: name a function of the plugin crate, e.g. `register`",
                text.escape_debug()
            ));
        }
        Ok(Ident(text.to_string()))
    }
}

/// The path of the entry-point function from the plugin crate's root, `::`-separated
/// (`register`, `plugin::register`). plugin.yaml may also write `plugin:register`, the form the
/// ancestor's Python plugins use (`module:function`): one colon reads as `::`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint(pub String);

impl EntryPoint {
    /// Checks that every segment of `register`, `a::register` or `a:register` is an identifier.
    pub fn parse(text: &str) -> Result<EntryPoint, String> {
        let path = if text.contains("::") { text.to_string() } else { text.replacen(':', "::", 1) };
        let bad = || {
            format!(
                "`{}` is not a Rust identifier path: name a function of the plugin crate, e.g. `register` or `module::register` (`module:register` also works)",
                text.escape_debug()
            )
        };
        if path.split("::").any(|segment| Ident::parse(segment).is_err()) {
            return Err(bad());
        }
        Ok(EntryPoint(path))
    }
}

/// A Rust type path relative to the plugin crate root (`Vae`, `models::Vae`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypePath(pub String);

impl TypePath {
    /// Checks that every `::` segment is an identifier.
    pub fn parse(text: &str) -> Result<TypePath, String> {
        for segment in text.split("::") {
            Ident::parse(segment).map_err(|_| {
                format!(
                    "`{}` is not a Rust type path: write the type's name as seen from the crate root, e.g. `Vae` or `models::Vae`",
                    text.escape_debug()
                )
            })?;
        }
        Ok(TypePath(text.to_string()))
    }
}

/// A hook name from the hook reference table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookName(pub Hook);

macro_rules! deserialize_from_str {
    ($type:ty, $parse:expr, $what:literal) => {
        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct TextVisitor;
                impl<'de> Visitor<'de> for TextVisitor {
                    type Value = $type;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: de::Error>(self, text: &str) -> Result<$type, E> {
                        $parse(text).map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(TextVisitor)
            }
        }
    };
}

deserialize_from_str!(Name, Name::parse, "a name such as `my-plugin`");
deserialize_from_str!(EntryPoint, EntryPoint::parse, "a Rust function path such as `register` or `plugin::register`");
deserialize_from_str!(TypePath, TypePath::parse, "a Rust type path such as `Vae`");
deserialize_from_str!(
    HookName,
    |text: &str| Hook::parse(text).map(HookName).ok_or_else(|| format!(
        "unknown hook `{}`{}",
        text.escape_debug(),
        match suggest::did_you_mean(text, Hook::names()).as_str() {
            "" => "; see `frameworm hooks list` for the hook names".to_string(),
            hint => hint.to_string(),
        }
    )),
    "a hook name such as `on_epoch_end`"
);

/// An ordered map that refuses duplicate keys (plain serde maps keep the last one silently).
#[derive(Debug, Clone)]
pub struct UniqueMap<K, V>(pub BTreeMap<K, V>);

impl<K, V> Default for UniqueMap<K, V> {
    fn default() -> Self {
        UniqueMap(BTreeMap::new())
    }
}

impl<'de, K, V> Deserialize<'de> for UniqueMap<K, V>
where
    K: Deserialize<'de> + Ord + fmt::Display,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);
        impl<'de, K, V> Visitor<'de> for MapVisitor<K, V>
        where
            K: Deserialize<'de> + Ord + fmt::Display,
            V: Deserialize<'de>,
        {
            type Value = UniqueMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(UniqueMap::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = BTreeMap::new();
                while let Some(key) = access.next_key::<K>()? {
                    if map.contains_key(&key) {
                        return Err(de::Error::custom(format!(
                            "duplicate key `{key}`: each key may appear once"
                        )));
                    }
                    let value = access.next_value()?;
                    map.insert(key, value);
                }
                Ok(UniqueMap(map))
            }
        }
        deserializer.deserialize_any(MapVisitor(PhantomData))
    }
}

/// Reads and parses a plugin.yaml file.
pub fn read_manifest(path: &Path) -> Result<PluginManifest, ManifestError> {
    let bytes = std::fs::read(path).map_err(|source| ManifestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_manifest(&bytes, path)
}

/// Parses plugin.yaml bytes; `path` only labels errors.
pub fn parse_manifest(bytes: &[u8], path: &Path) -> Result<PluginManifest, ManifestError> {
    let invalid = |location: Option<(usize, usize)>, message: String| ManifestError::Invalid {
        path: path.to_path_buf(),
        location,
        message,
    };
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(invalid(
            None,
            format!(
                "the file is {} bytes; plugin.yaml files are limited to {} KiB: keep data and docs out of it",
                bytes.len(),
                MAX_MANIFEST_BYTES / 1024
            ),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let offset = error.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        let column = offset - bytes[..offset].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
        invalid(Some((line, column)), "the file is not valid UTF-8: save it as UTF-8".to_string())
    })?;
    if text.trim().is_empty() || text.lines().all(|line| line.trim_start().starts_with('#') || line.trim().is_empty()) {
        return Err(invalid(
            None,
            "the file is empty: a plugin.yaml needs at least `name:` and `version:` (run `cargo xtask new-plugin NAME` for a template)".to_string(),
        ));
    }
    if let Some((index, line)) = text.lines().enumerate().find(|(_, line)| {
        line.chars().take_while(|c| c.is_whitespace()).any(|c| c == '\t')
    }) {
        let column = line.find('\t').unwrap_or(0) + 1;
        return Err(invalid(
            Some((index + 1, column)),
            "tab character in indentation: YAML indents with spaces only".to_string(),
        ));
    }
    serde_yaml::from_str::<PluginManifest>(text).map_err(|error| {
        let mut location = error.location().map(|l| (l.line(), l.column()));
        let mut message = clean_yaml_message(&error);
        // serde reports a repeated top-level key at the start of the map: point at the repeat.
        if let Some(field) = message.strip_prefix("duplicate field `").and_then(|rest| rest.split('`').next()) {
            let repeat = text
                .lines()
                .enumerate()
                .filter(|(_, line)| line.strip_prefix(field).is_some_and(|rest| rest.trim_start().starts_with(':')))
                .nth(1);
            if let Some((index, _)) = repeat {
                location = Some((index + 1, 1));
            }
            message.push_str(": each key may appear once, remove one of them");
        }
        invalid(location, message)
    })
}

/// serde_yaml's message without its trailing " at line L column C" (the location is reported
/// separately), with a did-you-mean for unknown keys.
pub fn clean_yaml_message(error: &serde_yaml::Error) -> String {
    let mut message = error.to_string();
    if let Some(location) = error.location() {
        let suffix = format!(" at line {} column {}", location.line(), location.column());
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_string();
        }
    }
    let message = message.replace("PluginManifest", "plugin.yaml").replace("struct Provides", "`provides` map");
    let mut message = suggest::enrich_serde_message(&message);
    if message.contains("expected struct plugin.yaml") {
        message.push_str("; a plugin.yaml is a map of keys, at least `name:` and `version:` (run `cargo xtask new-plugin NAME` for a template)");
    } else if let Some(field) = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
        message = format!("{message}: add `{field}:` (README: plugin.yaml)");
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PluginManifest, ManifestError> {
        parse_manifest(text.as_bytes(), Path::new("plugins/x/plugin.yaml"))
    }

    fn error(text: &str) -> String {
        parse(text).expect_err("should fail").to_string()
    }

    #[test]
    fn parses_full_manifest() {
        let manifest = parse(
            "name: vae\nversion: 0.2.0\nauthor: Ada\ndescription: d\nentry_point: setup\n\
             dependencies:\n  frameworm: \">=0.1\"\n  digits: \"^0.1\"\nhooks: [on_epoch_end]\n\
             provides:\n  models:\n    vae: Vae\n    big: { type: models::Big, tags: [gen] }\n",
        )
        .unwrap();
        assert_eq!(manifest.name.as_str(), "vae");
        assert_eq!(manifest.entry_point, Some(EntryPoint("setup".into())));
        assert_eq!(manifest.dependencies.0.len(), 2);
        assert_eq!(manifest.hooks, vec![HookName(Hook::EpochEnd)]);
        let models: Vec<_> = manifest.provides.iter().map(|(k, n, d)| (k, n.0.clone(), d.type_path.0.clone())).collect();
        assert_eq!(models, vec![(Kind::Model, "big".into(), "models::Big".into()), (Kind::Model, "vae".into(), "Vae".into())]);
    }

    #[test]
    fn entry_point_is_none_unless_named() {
        assert_eq!(parse("name: a\nversion: 1.0.0\n").unwrap().entry_point, None);
        assert_eq!(parse("name: a\nversion: 1.0.0\nentry_point: ~\n").unwrap().entry_point, None);
        assert_eq!(parse("name: a\nversion: 1.0.0\nentry_point: register\n").unwrap().entry_point, Some(EntryPoint("register".into())));
        // The guide's (and the Python ancestor's) `module:function`, and the Rust path form.
        assert_eq!(parse("name: a\nversion: 1.0.0\nentry_point: plugin:register\n").unwrap().entry_point, Some(EntryPoint("plugin::register".into())));
        assert_eq!(parse("name: a\nversion: 1.0.0\nentry_point: plugin::register\n").unwrap().entry_point, Some(EntryPoint("plugin::register".into())));
        assert!(parse("name: a\nversion: 1.0.0\nentry_point: 'plugin:'\n").is_err());
        assert!(parse("name: a\nversion: 1.0.0\nentry_point: 'a:b:c'\n").is_err());
    }

    #[test]
    fn errors_carry_file_line_and_fix() {
        assert_eq!(
            error("name: a\nversion: 1.0.0\nprovide:\n  models: {}\n"),
            "plugins/x/plugin.yaml:3:1: unknown field `provide`, did you mean `provides`?"
        );
        assert!(error("name: a\nversion: one\n").starts_with("plugins/x/plugin.yaml:2:10: "), "{}", error("name: a\nversion: one\n"));
        assert!(error("name: ../x\nversion: 1.0.0\n").contains("invalid name `../x`"));
        assert!(error("name: a\nversion: 1.0.0\nentry_point: 9lives\n").contains("not a Rust identifier"));
        assert!(error("name: a\nversion: 1.0.0\nhooks: [on_epoch_ends]\n").contains("did you mean `on_epoch_end`?"));
        assert!(error("").contains("the file is empty"));
        assert!(error("- a\n- b\n").contains("expected struct plugin.yaml"));
        assert!(error("name: a\n\tversion: 1.0.0\n").starts_with("plugins/x/plugin.yaml:2:1: tab character"));
        assert!(error("version: 1.0.0\n").contains("missing field `name`"));
        assert!(error("name: a\nversion: 1.0.0\nprovides:\n  models:\n    a: A\n    a: B\n").contains("duplicate key `a`"));
        assert!(error("name: a\nversion: 1.0.0\nprovides:\n  models:\n    a: crate::../B\n").contains("not a Rust type path"));
        assert!(error("name: a\nversion: 1.0.0\nprovides:\n  modles: {}\n").contains("did you mean `models`?"));
    }

    #[test]
    fn refuses_huge_and_non_utf8_files() {
        let huge = format!("name: a\nversion: 1.0.0\ndescription: \"{}\"\n", "x".repeat(MAX_MANIFEST_BYTES));
        assert!(error(&huge).contains("limited to"));
        let err = parse_manifest(b"name: a\nversion: \xff\n", Path::new("p.yaml")).unwrap_err().to_string();
        assert_eq!(err, "p.yaml:2:10: the file is not valid UTF-8: save it as UTF-8");
    }
}
