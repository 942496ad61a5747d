//! [`ImageShape`]: the view of a [`Schema`] image models are built for — the `image` field's
//! channels × height × width and, when the data has one, the `label` field's class count.

use super::error::ComponentError;
use super::schema::{Schema, fields};

/// The `image` field's `[C, H, W]` and the `label` field's class count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageShape {
    /// Channels per image.
    pub channels: usize,
    /// Height in pixels.
    pub height: usize,
    /// Width in pixels.
    pub width: usize,
    /// Number of classes of the `label` field, for labelled data.
    pub num_classes: Option<usize>,
}

impl ImageShape {
    /// The image shape of `schema`; `model` names the model in the error for data without an
    /// `image` field of rank 3 (models declare it in `reads`, so the run plan refuses such data
    /// earlier with both plugins named).
    pub fn of(schema: &Schema, model: &str) -> Result<ImageShape, ComponentError> {
        let [channels, height, width] = schema.image_shape().ok_or_else(|| {
            ComponentError::Invalid(format!("model.{model}: needs an `image` field f32[C, H, W]; the data has {}", schema.describe()))
        })?;
        Ok(ImageShape { channels, height, width, num_classes: schema.classes(fields::LABEL) })
    }

    /// Values per image (`C·H·W`).
    pub fn item_len(&self) -> usize {
        self.channels * self.height * self.width
    }
}
