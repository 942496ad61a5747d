//! Fields declared in `plugin.yaml`: what a dataset's items hold, or what a model reads, written
//! as the errors print them (`f32[1, 8, 8]`, `int[] classes`, `int[*] classes`, `f32[..]`), so
//! that the build can compare a model with a dataset before anything is compiled or loaded.
//!
//! A declaration is optional and may leave sizes open (`*`: any size on that axis, `..`: any
//! shape) where they come from the config (a table's width, a text window). The build checks
//! every shipped config's model against its dataset where both declare ([`check_pair`]), and
//! at run time the dataset's real schema must fit its declaration, so a declaration cannot
//! drift from the code without an error naming the plugin.yaml.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer};

/// A field's element type, as plugin.yaml writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `f32`.
    F32,
    /// `int`.
    Int,
}

/// One declared field: `DTYPE[DIMS]` and, for int fields, ` classes` when it carries (or, for a
/// model, needs) a class count or vocabulary size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDecl {
    /// The element type.
    pub dtype: FieldType,
    /// The shape per item: `None` is any shape (`[..]`); a `None` axis is any size (`*`).
    pub shape: Option<Vec<Option<usize>>>,
    /// Whether the field has (a dataset) or must have (a model) a class count.
    pub classes: bool,
}

/// The grammar, for error messages.
pub const FIELD_GRAMMAR: &str = "`f32[DIMS]` or `int[DIMS]`, DIMS a comma-separated list of sizes or `*` (any size), empty for a scalar, or `..` for any shape, then ` classes` for an int field with a class count: e.g. `f32[1, 8, 8]`, `int[] classes`, `int[*] classes`, `f32[..]`";

impl FieldDecl {
    /// Parses `f32[1, 8, 8]`, `int[] classes`, `f32[*]`, `f32[..]`.
    pub fn parse(text: &str) -> Result<FieldDecl, String> {
        let bad = || format!("`{text}` is not a field type; write {FIELD_GRAMMAR}");
        let text = text.trim();
        let (head, classes) = match text.strip_suffix("classes") {
            Some(head) => (head.trim_end(), true),
            None => (text, false),
        };
        let (dtype, rest) = head.split_once('[').ok_or_else(bad)?;
        let dims = rest.strip_suffix(']').ok_or_else(bad)?;
        let dtype = match dtype.trim() {
            "f32" => FieldType::F32,
            "int" => FieldType::Int,
            "" => return Err(bad()),
            other => return Err(format!("`{other}` in `{text}` is not an element type: use `f32` or `int`")),
        };
        if classes && dtype != FieldType::Int {
            return Err(format!("`{text}`: only an `int` field has classes"));
        }
        let shape = match dims.trim() {
            ".." => None,
            "" => Some(Vec::new()),
            list => Some(
                list.split(',')
                    .map(|dim| match dim.trim() {
                        "*" => Ok(None),
                        size => size.parse::<usize>().map(Some).map_err(|_| bad()),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(FieldDecl { dtype, shape, classes })
    }

    /// Whether a dataset's declared field `provided` can satisfy this model's field: same type,
    /// same rank and equal sizes wherever both are known, and a class count where one is needed.
    pub fn accepts(&self, provided: &FieldDecl) -> bool {
        self.dtype == provided.dtype && self.shape_fits(provided) && (!self.classes || provided.classes)
    }

    /// Whether this dataset declaration describes `actual`, a field as the dataset really
    /// provides it: same type, a shape the declaration admits, and a class count exactly when
    /// the declaration says `classes`.
    pub fn describes(&self, actual: &FieldDecl) -> bool {
        self.dtype == actual.dtype && self.shape_fits(actual) && self.classes == actual.classes
    }

    /// Same rank and equal sizes wherever both shapes know them (`..` and `*` take anything).
    fn shape_fits(&self, other: &FieldDecl) -> bool {
        match (&self.shape, &other.shape) {
            (Some(a), Some(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.is_none() || y.is_none() || x == y),
            _ => true,
        }
    }
}

impl fmt::Display for FieldDecl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dtype = match self.dtype {
            FieldType::F32 => "f32",
            FieldType::Int => "int",
        };
        let dims = match &self.shape {
            None => "..".to_string(),
            Some(dims) => dims.iter().map(|d| d.map_or("*".to_string(), |d| d.to_string())).collect::<Vec<_>>().join(", "),
        };
        write!(f, "{dtype}[{dims}]{}", if self.classes { " classes" } else { "" })
    }
}

impl<'de> Deserialize<'de> for FieldDecl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        FieldDecl::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A component's declared fields, by name.
pub type Fields = BTreeMap<String, FieldDecl>;

/// Why a model's declared fields do not fit a dataset's, in words: `None` when they fit.
pub fn check_pair(model: &str, reads: &Fields, dataset: &str, provides: &Fields) -> Option<String> {
    let described = || provides.iter().map(|(name, decl)| format!("`{name}` {decl}")).collect::<Vec<_>>().join(", ");
    for (name, need) in reads {
        match provides.get(name) {
            None => {
                let hint = crate::suggest::did_you_mean(name, provides.keys().map(String::as_str));
                let hint = hint.strip_prefix(", ").map(|h| format!(" — {h}")).unwrap_or_default();
                return Some(format!("model `{model}` reads `{name}` {need}, and dataset `{dataset}` has no field `{name}`; it provides {}{hint}", described()));
            }
            Some(have) if !need.accepts(have) => {
                return Some(format!("model `{model}` reads `{name}` {need}, and dataset `{dataset}` provides `{name}` {have}"));
            }
            Some(_) => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(name, text)| (name.to_string(), FieldDecl::parse(text).unwrap())).collect()
    }

    #[test]
    fn declarations_read_and_print_as_the_errors_show_them() {
        for text in ["f32[1, 8, 8]", "int[] classes", "int[*] classes", "f32[..]", "f32[*, 3]", "int[]"] {
            assert_eq!(FieldDecl::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(FieldDecl::parse(" f32[1,8,8] ").unwrap().to_string(), "f32[1, 8, 8]");
    }

    #[test]
    fn a_bad_declaration_says_what_is_wrong_and_shows_the_grammar() {
        assert!(FieldDecl::parse("f64[3]").unwrap_err().contains("`f64` in `f64[3]` is not an element type"));
        assert!(FieldDecl::parse("f32[3] classes").unwrap_err().contains("only an `int` field has classes"));
        for bad in ["f32", "f32[3", "f32[x]", "[3]", "f32[-1]"] {
            assert!(FieldDecl::parse(bad).unwrap_err().contains("is not a field type; write `f32[DIMS]`"), "{bad}");
        }
    }

    #[test]
    fn pairs_fit_where_every_read_field_is_provided_with_a_compatible_type() {
        let digits = fields(&[("image", "f32[1, 8, 8]"), ("label", "int[] classes")]);
        assert_eq!(check_pair("mlp", &fields(&[("image", "f32[*, *, *]"), ("label", "int[] classes")]), "digits", &digits), None);
        assert_eq!(check_pair("m", &fields(&[("image", "f32[..]")]), "digits", &digits), None);
        let transformer = fields(&[("tokens", "int[*] classes"), ("next_tokens", "int[*]")]);
        assert_eq!(
            check_pair("char-transformer", &transformer, "digits", &digits).unwrap(),
            "model `char-transformer` reads `next_tokens` int[*], and dataset `digits` has no field `next_tokens`; it provides `image` f32[1, 8, 8], `label` int[] classes"
        );
        let wide = fields(&[("image", "f32[3, *, *]")]);
        assert_eq!(check_pair("m", &wide, "digits", &digits).unwrap(), "model `m` reads `image` f32[3, *, *], and dataset `digits` provides `image` f32[1, 8, 8]");
        let table = fields(&[("features", "f32[*]"), ("target", "f32[*]")]);
        assert!(check_pair("m", &fields(&[("targets", "f32[*]")]), "csv", &table).unwrap().ends_with("— did you mean `target`?"));
        assert!(check_pair("m", &fields(&[("label", "int[] classes")]), "d", &fields(&[("label", "int[]")])).is_some());
    }
}
