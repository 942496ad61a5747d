//! The data units that flow from datasets to models: [`Sample`] (one item, on the host) and
//! [`Batch`] (stacked tensors on a device), plus [`DataInfo`], the shape models are built for.

use burn::tensor::{Int, Tensor};

/// One image-like item: `channels × height × width` values in `[0, 1]`, row-major, with an
/// optional class label.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Pixel values, `channels * height * width` of them.
    pub pixels: Vec<f32>,
    /// Channels, height, width.
    pub shape: [usize; 3],
    /// The class, for labelled data.
    pub label: Option<usize>,
}

/// A batch on a device: images `[N, C, H, W]` and, for labelled data, labels `[N]`.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The images.
    pub images: Tensor<4>,
    /// The labels, when the dataset has them.
    pub labels: Option<Tensor<1, Int>>,
}

impl Batch {
    /// The number of items.
    pub fn len(&self) -> usize {
        self.images.dims()[0]
    }

    /// Whether the batch holds no item.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a model is built for: the item shape and the number of classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DataInfo {
    /// Channels per item.
    pub channels: usize,
    /// Height in pixels.
    pub height: usize,
    /// Width in pixels.
    pub width: usize,
    /// Number of classes, for labelled data.
    pub num_classes: Option<usize>,
}

impl DataInfo {
    /// Values per item (`C·H·W`).
    pub fn item_len(&self) -> usize {
        self.channels * self.height * self.width
    }
}
