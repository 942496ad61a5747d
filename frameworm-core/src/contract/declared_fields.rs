//! A dataset's real [`Schema`] against the fields its plugin.yaml declares
//! ([`frameworm_manifest::fields`]): the build compares models and datasets by their
//! declarations, so a declaration that no longer says what the dataset provides must fail
//! loudly, not let a bad pairing through.

use frameworm_manifest::fields::{FieldDecl, FieldType};

use super::schema::{DType, FieldSpec, Schema};

/// The declaration of a real field: its exact type, shape and whether it has a class count.
fn declaration_of(field: &FieldSpec) -> FieldDecl {
    FieldDecl {
        dtype: match field.dtype {
            DType::F32 => FieldType::F32,
            DType::Int => FieldType::Int,
        },
        shape: Some(field.shape.iter().copied().map(Some).collect()),
        classes: field.classes.is_some(),
    }
}

/// Checks `schema` against `declared` (`(name, declaration)` as plugin.yaml writes them; none
/// declared: nothing to check). Every declared field must exist with that type, a shape its
/// declaration admits (`*` takes any size) and a class count exactly when it says `classes`,
/// and the schema may have no field the declaration leaves out.
pub fn check_declared_fields(declared: &[(String, String)], schema: &Schema) -> Result<(), String> {
    if declared.is_empty() {
        return Ok(());
    }
    for (name, text) in declared {
        let decl = FieldDecl::parse(text).map_err(|e| format!("its declared field `{name}`: {e}"))?;
        let Some(field) = schema.field(name) else {
            return Err(format!("it declares `{name}` {decl} but provides no field `{name}` (it provides {})", schema.describe()));
        };
        if !decl.describes(&declaration_of(field)) {
            return Err(format!("it declares `{name}` {decl} but provides {field}"));
        }
    }
    if let Some(extra) = schema.fields.iter().find(|f| !declared.iter().any(|(name, _)| *name == f.name)) {
        return Err(format!("it provides {extra}, which its declaration leaves out (a declaration lists every field)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn a_true_declaration_passes_and_none_is_not_checked() {
        let digits = Schema::image(1, 8, 8, Some(10));
        assert_eq!(check_declared_fields(&declared(&[("image", "f32[1, 8, 8]"), ("label", "int[] classes")]), &digits), Ok(()));
        assert_eq!(check_declared_fields(&declared(&[("image", "f32[1, *, *]"), ("label", "int[] classes")]), &digits), Ok(()));
        assert_eq!(check_declared_fields(&[], &digits), Ok(()));
    }

    #[test]
    fn a_declaration_that_drifted_from_the_code_says_how() {
        let digits = Schema::image(1, 8, 8, Some(10));
        let wrong_shape = check_declared_fields(&declared(&[("image", "f32[3, 8, 8]"), ("label", "int[] classes")]), &digits).unwrap_err();
        assert_eq!(wrong_shape, "it declares `image` f32[3, 8, 8] but provides `image` f32[1, 8, 8]");
        let no_classes = check_declared_fields(&declared(&[("image", "f32[1, 8, 8]"), ("label", "int[]")]), &digits).unwrap_err();
        assert_eq!(no_classes, "it declares `label` int[] but provides `label` int[] (10 classes)");
        let missing = check_declared_fields(&declared(&[("pixels", "f32[..]")]), &digits).unwrap_err();
        assert!(missing.starts_with("it declares `pixels` f32[..] but provides no field `pixels`"), "{missing}");
        let partial = check_declared_fields(&declared(&[("image", "f32[..]")]), &digits).unwrap_err();
        assert_eq!(partial, "it provides `label` int[] (10 classes), which its declaration leaves out (a declaration lists every field)");
    }
}
