//! The data units that flow from datasets to models: a [`Sample`] (one item's field values, on
//! the host, in its dataset's [`Schema`] order) and a [`Batch`] (each field stacked into one
//! device tensor). Models read a batch's fields by name and rank — `batch.float::<2>("features")?`
//! — and a wrong name, type or rank is a [`FieldError`] that says what the field is.

use std::sync::Arc;

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::schema::{DType, FieldSpec, Schema, fields};

/// One field's values for one item, flattened row-major.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Float values.
    F32(Vec<f32>),
    /// Integer values (class indices, token ids).
    Int(Vec<i64>),
}

impl Value {
    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            Value::F32(values) => values.len(),
            Value::Int(values) => values.len(),
        }
    }

    /// Whether it holds no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Its element type.
    pub fn dtype(&self) -> DType {
        match self {
            Value::F32(_) => DType::F32,
            Value::Int(_) => DType::Int,
        }
    }
}

/// One item: a value per field of its dataset's schema, in schema order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The values, one per schema field.
    pub values: Vec<Value>,
}

impl Sample {
    /// An item of `values`, in schema order.
    pub fn new(values: Vec<Value>) -> Sample {
        Sample { values }
    }

    /// An item of [`Schema::image`]: pixels `[C·H·W]` in `[0, 1]` and, for labelled data, the class.
    pub fn image(pixels: Vec<f32>, label: Option<usize>) -> Sample {
        let mut values = vec![Value::F32(pixels)];
        if let Some(label) = label {
            values.push(Value::Int(vec![label as i64]));
        }
        Sample { values }
    }

    /// The pixels of an item of [`Schema::image`] (its first field), or nothing.
    pub fn pixels(&self) -> &[f32] {
        self.floats(0).unwrap_or(&[])
    }

    /// The class of an item of [`Schema::image`] with labels (its second field).
    pub fn label(&self) -> Option<usize> {
        self.ints(1).and_then(|values| values.first()).map(|&label| label as usize)
    }

    /// The float values at position `index`, if that field is a float one.
    pub fn floats(&self, index: usize) -> Option<&[f32]> {
        match self.values.get(index)? {
            Value::F32(values) => Some(values),
            Value::Int(_) => None,
        }
    }

    /// The int values at position `index`, if that field is an int one.
    pub fn ints(&self, index: usize) -> Option<&[i64]> {
        match self.values.get(index)? {
            Value::Int(values) => Some(values),
            Value::F32(_) => None,
        }
    }
}

/// One field of a batch: `[N, values per item]` on the device; reshaped on access.
#[derive(Debug, Clone)]
pub enum Column {
    /// A float field.
    F32(Tensor<2>),
    /// An int field.
    Int(Tensor<2, Int>),
}

/// A field read with the wrong name, type or rank.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct FieldError(pub String);

/// A batch on a device: one tensor per schema field, items along the first axis.
#[derive(Debug, Clone)]
pub struct Batch {
    schema: Arc<Schema>,
    columns: Vec<Column>,
    len: usize,
}

impl Batch {
    /// A batch of `columns` (one per field of `schema`, in order, `[N, field len]` each).
    ///
    /// # Panics
    /// If the columns do not match the schema: batches are assembled by the loader or by code
    /// that knows its schema.
    pub fn from_columns(schema: Arc<Schema>, columns: Vec<Column>) -> Batch {
        assert_eq!(schema.fields.len(), columns.len(), "one column per schema field");
        let len = columns.first().map_or(0, |c| match c {
            Column::F32(t) => t.dims()[0],
            Column::Int(t) => t.dims()[0],
        });
        Batch { schema, columns, len }
    }

    /// Stacks `items` (each in `schema` order, checked by the loader) into a batch on `device`:
    /// one contiguous buffer and one upload per field.
    pub fn stack(schema: &Arc<Schema>, items: &[Sample], device: &Device) -> Batch {
        let n = items.len();
        let columns = schema
            .fields
            .iter()
            .enumerate()
            .map(|(index, field)| {
                let width = field.len();
                match field.dtype {
                    DType::F32 => {
                        let mut values = Vec::with_capacity(n * width);
                        for item in items {
                            values.extend_from_slice(item.floats(index).unwrap_or(&[]));
                        }
                        Column::F32(Tensor::from_data(TensorData::new(values, [n, width]), device))
                    }
                    DType::Int => {
                        let mut values = Vec::with_capacity(n * width);
                        for item in items {
                            values.extend_from_slice(item.ints(index).unwrap_or(&[]));
                        }
                        Column::Int(Tensor::from_data(TensorData::new(values, [n, width]), device))
                    }
                }
            })
            .collect();
        Batch { schema: Arc::clone(schema), columns, len: n }
    }

    /// A batch of images `[N, C, H, W]` and, optionally, labels `[N]` (the fields of
    /// [`Schema::image`]; `classes` is the label count the schema declares).
    pub fn images(images: Tensor<4>, labels: Option<(Tensor<1, Int>, usize)>) -> Batch {
        let [n, c, h, w] = images.dims();
        let schema = Schema::image(c, h, w, labels.as_ref().map(|(_, classes)| *classes));
        let mut columns = vec![Column::F32(images.reshape([n, c * h * w]))];
        if let Some((labels, _)) = labels {
            columns.push(Column::Int(labels.reshape([n, 1])));
        }
        Batch { schema: Arc::new(schema), columns, len: n }
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the batch holds no item.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The fields of its items.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The schema, shared.
    pub fn schema_arc(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// The batch cut into `parts` contiguous slices of near-equal size (the first ones one item
    /// larger when the size does not divide; empty slices when there are fewer items than
    /// parts), for data parallelism.
    pub fn split(&self, parts: usize) -> Vec<Batch> {
        let parts = parts.max(1);
        let (base, extra) = (self.len / parts, self.len % parts);
        let mut start = 0;
        (0..parts)
            .map(|part| {
                let size = base + usize::from(part < extra);
                let range = start..start + size;
                start += size;
                let columns = self
                    .columns
                    .iter()
                    .map(|column| match column {
                        Column::F32(t) => Column::F32(t.clone().slice([range.clone()])),
                        Column::Int(t) => Column::Int(t.clone().slice([range.clone()])),
                    })
                    .collect();
                Batch { schema: self.schema.clone(), columns, len: size }
            })
            .collect()
    }

    /// The same batch on `device`.
    pub fn to_device(&self, device: &Device) -> Batch {
        let columns = self
            .columns
            .iter()
            .map(|column| match column {
                Column::F32(t) => Column::F32(t.clone().to_device(device)),
                Column::Int(t) => Column::Int(t.clone().to_device(device)),
            })
            .collect();
        Batch { schema: self.schema.clone(), columns, len: self.len }
    }

    /// The device its tensors live on.
    pub fn device(&self) -> Device {
        match self.columns.first() {
            Some(Column::F32(t)) => t.device(),
            Some(Column::Int(t)) => t.device(),
            None => Device::default(),
        }
    }

    /// Whether the batch has a field called `name`.
    pub fn has(&self, name: &str) -> bool {
        self.schema.index(name).is_some()
    }

    fn column(&self, name: &str, dtype: DType, rank: usize) -> Result<(&Column, &FieldSpec), FieldError> {
        let Some(index) = self.schema.index(name) else {
            let hint = frameworm_manifest::suggest::did_you_mean(name, self.schema.fields.iter().map(|f| f.name.as_str()));
            return Err(FieldError(format!("the batch has no field `{name}`{hint}; it has {}", self.schema.describe())));
        };
        let field = &self.schema.fields[index];
        let read = match dtype {
            DType::F32 => "float",
            DType::Int => "int",
        };
        if field.dtype != dtype || field.shape.len() + 1 != rank {
            let fits = match field.dtype {
                DType::F32 => "float",
                DType::Int => "int",
            };
            return Err(FieldError(format!(
                "field {field} cannot be read as `{read}::<{rank}>`: read it as `{fits}::<{}>` (items along the first axis)",
                field.shape.len() + 1
            )));
        }
        Ok((&self.columns[index], field))
    }

    fn dims<const D: usize>(&self, field: &FieldSpec) -> [usize; D] {
        let mut dims = [0; D];
        dims[0] = self.len;
        dims[1..].copy_from_slice(&field.shape);
        dims
    }

    /// Float field `name` as `[N, …shape]`; `D` is the field's rank plus one.
    pub fn float<const D: usize>(&self, name: &str) -> Result<Tensor<D>, FieldError> {
        let (column, field) = self.column(name, DType::F32, D)?;
        match column {
            Column::F32(tensor) => Ok(tensor.clone().reshape(self.dims::<D>(field))),
            Column::Int(_) => unreachable!("the schema says f32"),
        }
    }

    /// Int field `name` as `[N, …shape]`; `D` is the field's rank plus one.
    pub fn int<const D: usize>(&self, name: &str) -> Result<Tensor<D, Int>, FieldError> {
        let (column, field) = self.column(name, DType::Int, D)?;
        match column {
            Column::Int(tensor) => Ok(tensor.clone().reshape(self.dims::<D>(field))),
            Column::F32(_) => unreachable!("the schema says int"),
        }
    }

    /// The `image` field `[N, C, H, W]`.
    pub fn image(&self) -> Result<Tensor<4>, FieldError> {
        self.float::<4>(fields::IMAGE)
    }

    /// The `label` field `[N]`.
    pub fn label(&self) -> Result<Tensor<1, Int>, FieldError> {
        self.int::<1>(fields::LABEL)
    }

    /// The same batch with the `image` field replaced by `images` (same shape): trainers that
    /// feed a model transformed inputs (noise, augmentations) keep every other field.
    pub fn with_image(&self, images: Tensor<4>) -> Result<Batch, FieldError> {
        let index = self.schema.index(fields::IMAGE).ok_or_else(|| FieldError("the batch has no field `image`".into()))?;
        let [n, c, h, w] = images.dims();
        let mut batch = self.clone();
        batch.columns[index] = Column::F32(images.reshape([n, c * h * w]));
        Ok(batch)
    }
}

#[cfg(all(test, feature = "flex"))]
mod tests {
    use super::*;

    fn table() -> (Arc<Schema>, Vec<Sample>) {
        let schema = Arc::new(Schema::new(vec![FieldSpec::float("features", [3]), FieldSpec::int("label", [], 4), FieldSpec::int("tokens", [2], 9)]));
        let items = (0..5)
            .map(|i| Sample::new(vec![Value::F32(vec![i as f32; 3]), Value::Int(vec![i % 4]), Value::Int(vec![i, i + 1])]))
            .collect();
        (schema, items)
    }

    #[test]
    fn fields_stack_into_one_tensor_each_and_read_back_by_name_and_rank() {
        let (schema, items) = table();
        let batch = Batch::stack(&schema, &items, &Device::flex());
        assert_eq!(batch.len(), 5);
        assert_eq!(batch.float::<2>("features").unwrap().dims(), [5, 3]);
        assert_eq!(batch.int::<1>("label").unwrap().into_data().iter::<i64>().collect::<Vec<_>>(), vec![0, 1, 2, 3, 0]);
        assert_eq!(batch.int::<2>("tokens").unwrap().into_data().iter::<i64>().collect::<Vec<_>>(), vec![0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
    }

    #[test]
    fn a_wrong_name_type_or_rank_says_what_the_field_is() {
        let (schema, items) = table();
        let batch = Batch::stack(&schema, &items, &Device::flex());
        let missing = batch.float::<2>("feature").unwrap_err().0;
        assert!(missing.contains("no field `feature`, did you mean `features`?"), "{missing}");
        let rank = batch.float::<3>("features").unwrap_err().0;
        assert!(rank.contains("`features` f32[3] cannot be read as `float::<3>`: read it as `float::<2>`"), "{rank}");
        let dtype = batch.float::<1>("label").unwrap_err().0;
        assert!(dtype.contains("read it as `int::<1>`"), "{dtype}");
    }

    #[test]
    fn an_image_batch_round_trips() {
        let images = Tensor::<4>::ones([2, 1, 3, 3], &Device::flex());
        let labels = Tensor::<1, Int>::from_data(TensorData::new(vec![1i64, 0], [2]), &Device::flex());
        let batch = Batch::images(images, Some((labels, 2)));
        assert_eq!(batch.image().unwrap().dims(), [2, 1, 3, 3]);
        assert_eq!(batch.schema().image_shape(), Some([1, 3, 3]));
        let zeros = batch.with_image(Tensor::<4>::zeros([2, 1, 3, 3], &Device::flex())).unwrap();
        assert_eq!(zeros.image().unwrap().sum().into_scalar::<f32>(), 0.0);
        assert_eq!(zeros.label().unwrap().dims(), [2]);
    }
}

#[cfg(test)]
mod split_tests {
    use super::*;

    #[test]
    fn a_split_keeps_every_item_in_order_in_near_equal_slices() {
        let device = Device::default();
        let schema = Arc::new(Schema::image(1, 1, 2, Some(5)));
        let items: Vec<Sample> = (0..5).map(|i| Sample::image(vec![i as f32, 10.0 + i as f32], Some(i))).collect();
        let batch = Batch::stack(&schema, &items, &device);
        let parts = batch.split(2);
        assert_eq!(parts.iter().map(Batch::len).collect::<Vec<_>>(), [3, 2]);
        let pixels = |b: &Batch| b.float::<4>("image").unwrap().into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(pixels(&parts[0]), [0.0, 10.0, 1.0, 11.0, 2.0, 12.0]);
        assert_eq!(pixels(&parts[1]), [3.0, 13.0, 4.0, 14.0]);
        assert_eq!(parts[1].int::<1>("label").unwrap().into_data().convert::<i64>().try_to_vec::<i64>().unwrap(), [3, 4]);
        let few = batch.split(7);
        assert_eq!(few.iter().map(Batch::len).collect::<Vec<_>>(), [1, 1, 1, 1, 1, 0, 0]);
        assert_eq!(pixels(&batch.to_device(&device)), pixels(&batch));
    }
}
