//! What data looks like: a [`Schema`] is the ordered list of named, typed fields every item of a
//! dataset has (`image` f32[1, 8, 8], `label` int[] with 10 classes, `tokens` int[128] with a
//! vocabulary of 96), and a [`FieldNeed`] is what a model requires of one field. [`Schema::check`]
//! compares the two before any tensor exists, so a model and a dataset that do not fit are
//! refused with both names, the field, what is required and what is provided.

use std::fmt;

/// Field names the built-in plugins agree on. A dataset may name its fields as it likes; models
/// read these by default.
pub mod fields {
    /// An image `[C, H, W]`, values in `[0, 1]`.
    pub const IMAGE: &str = "image";
    /// A class index `[]`.
    pub const LABEL: &str = "label";
    /// Numeric input features `[F]`.
    pub const FEATURES: &str = "features";
    /// A regression target `[T]` (float) or a class index `[]` (int) of a table.
    pub const TARGET: &str = "target";
    /// A window of token ids `[T]`.
    pub const TOKENS: &str = "tokens";
    /// The token after each position of `tokens` `[T]`.
    pub const NEXT_TOKENS: &str = "next_tokens";
}

/// The element type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    /// 32-bit floats.
    F32,
    /// Integers (class indices, token ids), 64-bit on the host.
    Int,
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DType::F32 => "f32",
            DType::Int => "int",
        })
    }
}

/// The standardisation fitted on training items: `(x - mean) / std` per value of the field.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scaling {
    /// Mean per value.
    pub mean: Vec<f32>,
    /// Standard deviation per value (never 0).
    pub std: Vec<f32>,
}

impl Scaling {
    /// Maps standardised values back to the original unit (`v * std + mean`), per value.
    pub fn restore(&self, values: &mut [f32]) {
        for (i, value) in values.iter_mut().enumerate() {
            let j = i % self.mean.len().max(1);
            *value = *value * self.std[j] + self.mean[j];
        }
    }

    /// Maps standardised rows `[N, T]` (one value per column) back to the original unit on the
    /// device: what a regression model does to its predictions before they are scored.
    pub fn restore_rows(&self, rows: burn::tensor::Tensor<2>) -> burn::tensor::Tensor<2> {
        let device = rows.device();
        let columns = self.mean.len();
        let std = burn::tensor::Tensor::<1>::from_floats(self.std.as_slice(), &device).reshape([1, columns]);
        let mean = burn::tensor::Tensor::<1>::from_floats(self.mean.as_slice(), &device).reshape([1, columns]);
        rows * std + mean
    }
}

/// One named, typed field of every item.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FieldSpec {
    /// The field's name (`image`, `features`, `label`).
    pub name: String,
    /// Its element type.
    pub dtype: DType,
    /// Its shape per item (`[]` for a scalar).
    pub shape: Vec<usize>,
    /// For int fields: the number of classes or the vocabulary size (values are `0..classes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<usize>,
    /// Names of the values along the last axis (a table's column names), or of the classes / the
    /// vocabulary's symbols for int fields: what turns numbers back into something readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    /// The standardisation applied to the values, fitted on the training items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling: Option<Scaling>,
}

impl FieldSpec {
    /// A float field of `shape`.
    pub fn float(name: &str, shape: impl Into<Vec<usize>>) -> FieldSpec {
        FieldSpec { name: name.into(), dtype: DType::F32, shape: shape.into(), classes: None, names: None, scaling: None }
    }

    /// An int field of `shape` with values in `0..classes`.
    pub fn int(name: &str, shape: impl Into<Vec<usize>>, classes: usize) -> FieldSpec {
        FieldSpec { name: name.into(), dtype: DType::Int, shape: shape.into(), classes: Some(classes), names: None, scaling: None }
    }

    /// With names for the columns, classes or symbols.
    pub fn with_names(mut self, names: Vec<String>) -> FieldSpec {
        self.names = Some(names);
        self
    }

    /// Values per item (the product of the shape; 1 for a scalar).
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether an item holds no value of this field (a zero in the shape).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for FieldSpec {
    /// `image f32[1, 8, 8]`, `label int[] (10 classes)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims: Vec<String> = self.shape.iter().map(usize::to_string).collect();
        write!(f, "`{}` {}[{}]", self.name, self.dtype, dims.join(", "))?;
        if let Some(classes) = self.classes {
            write!(f, " ({classes} classes)")?;
        }
        Ok(())
    }
}

/// The fields of every item of a dataset, in the order [`crate::Sample`] holds them.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Schema {
    /// The fields, in item order.
    pub fields: Vec<FieldSpec>,
}

impl Schema {
    /// A schema of `fields`, in that order.
    pub fn new(fields: Vec<FieldSpec>) -> Schema {
        Schema { fields }
    }

    /// Images `image` f32[C, H, W] and, with `classes`, labels `label` int[].
    pub fn image(channels: usize, height: usize, width: usize, classes: Option<usize>) -> Schema {
        let mut fields = vec![FieldSpec::float(fields::IMAGE, [channels, height, width])];
        if let Some(classes) = classes {
            fields.push(FieldSpec::int(fields::LABEL, [], classes));
        }
        Schema { fields }
    }

    /// The field called `name`.
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// The position of field `name` in an item.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.name == name)
    }

    /// `[C, H, W]` of the `image` field, for image models and sample grids.
    pub fn image_shape(&self) -> Option<[usize; 3]> {
        match self.field(fields::IMAGE)?.shape.as_slice() {
            &[c, h, w] => Some([c, h, w]),
            _ => None,
        }
    }

    /// The class count of field `name`, if it is an int field with one.
    pub fn classes(&self, name: &str) -> Option<usize> {
        self.field(name)?.classes
    }

    /// Every field, as `` `image` f32[1, 8, 8], `label` int[] (10 classes)``.
    pub fn describe(&self) -> String {
        if self.fields.is_empty() {
            return "no fields".into();
        }
        self.fields.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }

    /// Checks `needs` against this schema; the first field that does not fit is the error.
    pub fn check(&self, needs: &[FieldNeed]) -> Result<(), FieldMismatch> {
        needs.iter().try_for_each(|need| need.check(self))
    }

    /// Whether `other` has the same fields with the same types and shapes (classes and
    /// preprocessing may differ): a validation set must fit the model the training set built.
    pub fn same_layout(&self, other: &Schema) -> bool {
        self.fields.len() == other.fields.len()
            && self.fields.iter().zip(&other.fields).all(|(a, b)| a.name == b.name && a.dtype == b.dtype && a.shape == b.shape)
    }
}

/// What a model requires of its data's shape along one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShapeNeed {
    /// Any shape.
    Any,
    /// Any shape of this many dimensions.
    Rank(usize),
    /// Exactly this shape; `None` entries take any size.
    Dims(Vec<Option<usize>>),
}

/// What a model requires of one field: its name, type and shape, and for int fields whether it
/// needs a class count (or vocabulary size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNeed {
    /// The field's name.
    pub name: String,
    /// The element type; `None` takes either.
    pub dtype: Option<DType>,
    /// The shape required.
    pub shape: ShapeNeed,
    /// Whether the field must declare its class count or vocabulary size.
    pub classes: bool,
}

impl FieldNeed {
    /// A float field `name` of any shape.
    pub fn float(name: &str) -> FieldNeed {
        FieldNeed { name: name.into(), dtype: Some(DType::F32), shape: ShapeNeed::Any, classes: false }
    }

    /// An int field `name` of any shape that declares its classes (or vocabulary size).
    pub fn int(name: &str) -> FieldNeed {
        FieldNeed { name: name.into(), dtype: Some(DType::Int), shape: ShapeNeed::Any, classes: true }
    }

    /// A field `name` of either type.
    pub fn any(name: &str) -> FieldNeed {
        FieldNeed { name: name.into(), dtype: None, shape: ShapeNeed::Any, classes: false }
    }

    /// With `rank` dimensions per item.
    pub fn rank(mut self, rank: usize) -> FieldNeed {
        self.shape = ShapeNeed::Rank(rank);
        self
    }

    /// With exactly `dims` per item (`None`: any size on that axis).
    pub fn dims(mut self, dims: impl IntoIterator<Item = Option<usize>>) -> FieldNeed {
        self.shape = ShapeNeed::Dims(dims.into_iter().collect());
        self
    }

    /// The requirement as `` `tokens` int[*] with a class count``.
    pub fn describe(&self) -> String {
        let dtype = self.dtype.map_or("any".to_string(), |d| d.to_string());
        let shape = match &self.shape {
            ShapeNeed::Any => "[…]".to_string(),
            ShapeNeed::Rank(rank) => format!("[{}]", vec!["*"; *rank].join(", ")),
            ShapeNeed::Dims(dims) => {
                format!("[{}]", dims.iter().map(|d| d.map_or("*".to_string(), |d| d.to_string())).collect::<Vec<_>>().join(", "))
            }
        };
        let classes = if self.classes { " with a class count" } else { "" };
        format!("`{}` {dtype}{shape}{classes}", self.name)
    }

    fn check(&self, schema: &Schema) -> Result<(), FieldMismatch> {
        let mismatch = |problem: Problem| FieldMismatch { need: self.clone(), provided: schema.clone(), problem };
        let Some(field) = schema.field(&self.name) else {
            return Err(mismatch(Problem::Missing));
        };
        if self.dtype.is_some_and(|dtype| dtype != field.dtype) {
            return Err(mismatch(Problem::Differs(field.clone())));
        }
        let shape_fits = match &self.shape {
            ShapeNeed::Any => true,
            ShapeNeed::Rank(rank) => field.shape.len() == *rank,
            ShapeNeed::Dims(dims) => dims.len() == field.shape.len() && dims.iter().zip(&field.shape).all(|(want, have)| want.is_none_or(|w| w == *have)),
        };
        let classes_fit = !self.classes || field.classes.is_some();
        if !shape_fits || !classes_fit {
            return Err(mismatch(Problem::Differs(field.clone())));
        }
        Ok(())
    }
}

/// Why a field does not fit.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// The data has no field of that name.
    Missing,
    /// The data's field of that name has another type or shape.
    Differs(FieldSpec),
}

/// A model's [`FieldNeed`] that a schema does not meet. [`FieldMismatch::explain`] words it
/// with the model's and the dataset's names.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMismatch {
    /// The requirement.
    pub need: FieldNeed,
    /// The schema that does not meet it.
    pub provided: Schema,
    /// How it falls short.
    pub problem: Problem,
}

impl FieldMismatch {
    /// "model `m` reads `label` int[] with a class count, and dataset `d` has no field `label`;
    /// it provides … — did you mean `target`?"
    pub fn explain(&self, model: &str, dataset: &str) -> String {
        let need = self.need.describe();
        match &self.problem {
            Problem::Missing => {
                let names = self.provided.fields.iter().map(|f| f.name.as_str());
                let hint = frameworm_manifest::suggest::did_you_mean(&self.need.name, names);
                let hint = hint.strip_prefix(", ").map(|h| format!(" — {h}")).unwrap_or_default();
                format!(
                    "model `{model}` reads {need}, and dataset `{dataset}` has no field `{}`; it provides {}{hint}",
                    self.need.name,
                    self.provided.describe()
                )
            }
            Problem::Differs(field) => {
                format!("model `{model}` reads {need}, and dataset `{dataset}` provides {field}; choose a model and dataset that fit, or set the model's field names")
            }
        }
    }
}

impl fmt::Display for FieldMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explain("the model", "the dataset").replace("model `the model`", "the model").replace("dataset `the dataset`", "the dataset"))
    }
}

impl std::error::Error for FieldMismatch {}

#[cfg(test)]
mod tests {
    use super::*;

    fn diabetes() -> Schema {
        Schema::new(vec![FieldSpec::float("features", [10]), FieldSpec::float("target", [1])])
    }

    #[test]
    fn a_missing_field_names_both_plugins_what_is_provided_and_the_closest_field() {
        let error = diabetes().check(&[FieldNeed::int("targets").rank(0)]).unwrap_err();
        assert_eq!(
            error.explain("mlp", "diabetes"),
            "model `mlp` reads `targets` int[] with a class count, and dataset `diabetes` has no field `targets`; \
             it provides `features` f32[10], `target` f32[1] — did you mean `target`?"
        );
    }

    #[test]
    fn a_field_of_another_type_or_shape_says_what_it_is() {
        let error = diabetes().check(&[FieldNeed::int("target")]).unwrap_err();
        assert!(error.explain("m", "d").contains("reads `target` int[…] with a class count, and dataset `d` provides `target` f32[1]"), "{}", error.explain("m", "d"));
        let image = Schema::image(1, 8, 8, Some(10));
        assert!(image.check(&[FieldNeed::float("image").dims([None, Some(8), Some(8)]), FieldNeed::int("label").rank(0)]).is_ok());
        assert!(image.check(&[FieldNeed::float("image").dims([Some(3), None, None])]).is_err());
        assert!(image.check(&[FieldNeed::float("image").rank(1)]).is_err());
        assert!(Schema::image(1, 8, 8, None).check(&[FieldNeed::int("label")]).is_err());
    }

    #[test]
    fn fields_print_as_the_errors_show_them() {
        assert_eq!(Schema::image(1, 8, 8, Some(10)).describe(), "`image` f32[1, 8, 8], `label` int[] (10 classes)");
        assert_eq!(Schema::default().describe(), "no fields");
    }

    #[test]
    fn a_schema_survives_json() {
        let mut schema = diabetes();
        schema.fields[0].scaling = Some(Scaling { mean: vec![0.5; 10], std: vec![2.0; 10] });
        let text = serde_json::to_string(&schema).unwrap();
        assert_eq!(serde_json::from_str::<Schema>(&text).unwrap(), schema);
    }
}
