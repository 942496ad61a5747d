//! Image grids: a batch `[N, C, H, W]` with values in `[0, 1]` laid out as one PNG (the
//! `image` crate), for `frameworm sample`, the `sample-grid` callback and pipeline reports.
//! Small images are enlarged by a whole factor (nearest neighbour) so 8×8 digits stay visible;
//! the file is written atomically. Layer 0: it uses only `fsio`.

use std::io::Cursor;
use std::path::Path;

use burn::tensor::Tensor;
use image::{DynamicImage, GrayImage, ImageFormat, Luma, Rgb, RgbImage};

use crate::fsio::{FileError, write_atomic};

/// Cells are enlarged until their longer side reaches this many pixels.
const MIN_CELL: usize = 32;
/// Pixels between cells and around the grid.
const GAP: usize = 2;
/// The gap's grey level.
const GAP_LEVEL: u8 = 96;

/// A grid could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum GridError {
    /// The images are not grey or RGB, or there are none.
    #[error("cannot draw a grid of images shaped {0:?}: expected [N ≥ 1, 1 or 3 channels, H, W]")]
    Shape([usize; 4]),
    /// PNG encoding failed.
    #[error("cannot encode PNG: {0}")]
    Encode(String),
    /// Writing the file failed.
    #[error(transparent)]
    Write(#[from] FileError),
}

/// How the grid is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridLayout {
    /// Images per row.
    pub columns: usize,
    /// Rows.
    pub rows: usize,
    /// The whole-number enlargement of each image.
    pub scale: usize,
    /// Width and height of the PNG in pixels.
    pub size: (usize, usize),
}

impl GridLayout {
    /// A near-square layout for `count` images of `height × width` (`columns`: images per row,
    /// default ⌈√count⌉).
    pub fn new(count: usize, height: usize, width: usize, columns: Option<usize>) -> GridLayout {
        let columns = columns.unwrap_or_else(|| (count as f64).sqrt().ceil() as usize).clamp(1, count.max(1));
        let rows = count.div_ceil(columns).max(1);
        let scale = MIN_CELL.div_ceil(height.max(width).max(1)).max(1);
        let size = (GAP + columns * (width * scale + GAP), GAP + rows * (height * scale + GAP));
        GridLayout { columns, rows, scale, size }
    }
}

/// Lays `images` out as a grid image.
pub fn grid_image(images: &Tensor<4>, columns: Option<usize>) -> Result<(DynamicImage, GridLayout), GridError> {
    let dims = images.dims();
    let [count, channels, height, width] = dims;
    if count == 0 || height == 0 || width == 0 || !(channels == 1 || channels == 3) {
        return Err(GridError::Shape(dims));
    }
    let values: Vec<f32> = images.clone().into_data().convert::<f32>().try_to_vec::<f32>().map_err(|e| GridError::Encode(format!("{e:?}")))?;
    let layout = GridLayout::new(count, height, width, columns);
    let level = |value: f32| (value.clamp(0.0, 1.0) * 255.0).round() as u8;
    let at = |n: usize, c: usize, y: usize, x: usize| values[((n * channels + c) * height + y) * width + x];
    let origin = |n: usize| (GAP + (n % layout.columns) * (width * layout.scale + GAP), GAP + (n / layout.columns) * (height * layout.scale + GAP));
    let (w, h) = (layout.size.0 as u32, layout.size.1 as u32);
    let image = if channels == 1 {
        let mut grid = GrayImage::from_pixel(w, h, Luma([GAP_LEVEL]));
        for n in 0..count {
            let (ox, oy) = origin(n);
            for y in 0..height * layout.scale {
                for x in 0..width * layout.scale {
                    let v = level(at(n, 0, y / layout.scale, x / layout.scale));
                    grid.put_pixel((ox + x) as u32, (oy + y) as u32, Luma([v]));
                }
            }
        }
        DynamicImage::ImageLuma8(grid)
    } else {
        let mut grid = RgbImage::from_pixel(w, h, Rgb([GAP_LEVEL; 3]));
        for n in 0..count {
            let (ox, oy) = origin(n);
            for y in 0..height * layout.scale {
                for x in 0..width * layout.scale {
                    let (sy, sx) = (y / layout.scale, x / layout.scale);
                    let rgb = [level(at(n, 0, sy, sx)), level(at(n, 1, sy, sx)), level(at(n, 2, sy, sx))];
                    grid.put_pixel((ox + x) as u32, (oy + y) as u32, Rgb(rgb));
                }
            }
        }
        DynamicImage::ImageRgb8(grid)
    };
    Ok((image, layout))
}

/// Writes `images` as a PNG grid to `path` (atomically), returning the layout.
pub fn write_grid(images: &Tensor<4>, path: &Path, columns: Option<usize>) -> Result<GridLayout, GridError> {
    let (image, layout) = grid_image(images, columns)?;
    let mut bytes = Vec::new();
    image.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).map_err(|e| GridError::Encode(e.to_string()))?;
    write_atomic(path, &bytes)?;
    Ok(layout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn lays_out_a_near_square_grid_of_enlarged_cells() {
        let layout = GridLayout::new(64, 8, 8, None);
        assert_eq!((layout.columns, layout.rows, layout.scale), (8, 8, 4));
        assert_eq!(layout.size, (2 + 8 * 34, 2 + 8 * 34));
        let layout = GridLayout::new(10, 28, 28, Some(5));
        assert_eq!((layout.columns, layout.rows, layout.scale), (5, 2, 2));
    }

    #[test]
    fn writes_a_png_whose_pixels_are_the_images() {
        let device = Device::default();
        // Two 1×2 grey images: [0, 1] and [1, 0.5].
        let images = Tensor::<4>::from_floats([[[[0.0, 1.0]]], [[[1.0, 0.5]]]], &device);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grid.png");
        let layout = write_grid(&images, &path, Some(2)).unwrap();
        let png = image::open(&path).unwrap().to_luma8();
        assert_eq!((png.width() as usize, png.height() as usize), layout.size);
        let s = layout.scale as u32;
        let cell = |n: u32, x: u32| png.get_pixel(2 + n * (2 * s + 2) + x * s, 2)[0];
        assert_eq!([cell(0, 0), cell(0, 1), cell(1, 0), cell(1, 1)], [0, 255, 255, 128]);
        assert_eq!(png.get_pixel(0, 0)[0], GAP_LEVEL);
        assert!(std::fs::read_dir(dir.path()).unwrap().count() == 1, "no temporary file is left");
    }

    #[test]
    fn refuses_images_with_two_channels() {
        let images = Tensor::<4>::zeros([1, 2, 4, 4], &Device::default());
        assert!(matches!(grid_image(&images, None), Err(GridError::Shape(_))));
    }
}
