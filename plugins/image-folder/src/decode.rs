//! Turning one image file into a [`Sample`](frameworm_core::Sample)'s pixels: decode (the format is guessed from the
//! content, not the name), convert to grayscale or RGB (alpha is dropped), resize to the
//! configured size with a triangle (bilinear) filter, and lay out `C × H × W` in `[0, 1]`.

use std::path::Path;

use frameworm_core::ComponentError;
use image::imageops::{self, FilterType};

/// Reads and decodes `path` into `channels × height × width` values in `[0, 1]`.
pub fn load(path: &Path, channels: usize, height: usize, width: usize) -> Result<Vec<f32>, ComponentError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ComponentError::Io { path: name.clone(), source })?;
    decode(&bytes, &name, channels, height, width)
}

/// Decodes image bytes; `name` names them in errors.
pub fn decode(
    bytes: &[u8],
    name: &str,
    channels: usize,
    height: usize,
    width: usize,
) -> Result<Vec<f32>, ComponentError> {
    if channels == 0 || height == 0 || width == 0 {
        return Err(ComponentError::Invalid(format!("{name}: cannot resize to {channels}×{height}×{width}")));
    }
    let image = image::load_from_memory(bytes)
        .map_err(|error| ComponentError::Invalid(format!("{name}: cannot decode the image: {error}")))?;
    let (w, h) = (to_u32(width, name)?, to_u32(height, name)?);
    let planar = match channels {
        1 => {
            let gray = image.to_luma8();
            let gray =
                if gray.dimensions() == (w, h) { gray } else { imageops::resize(&gray, w, h, FilterType::Triangle) };
            gray.into_raw()
        }
        3 => {
            let rgb = image.to_rgb8();
            let rgb = if rgb.dimensions() == (w, h) { rgb } else { imageops::resize(&rgb, w, h, FilterType::Triangle) };
            interleaved_to_planar(&rgb.into_raw(), 3)
        }
        other => {
            return Err(ComponentError::Invalid(format!("{name}: cannot convert to {other} channels; use 1 or 3")));
        }
    };
    Ok(planar.into_iter().map(|value| f32::from(value) / 255.0).collect())
}

fn to_u32(value: usize, name: &str) -> Result<u32, ComponentError> {
    u32::try_from(value).map_err(|_| ComponentError::Invalid(format!("{name}: target size {value} is too large")))
}

/// `H × W × C` (pixel after pixel) to `C × H × W` (plane after plane).
fn interleaved_to_planar(values: &[u8], channels: usize) -> Vec<u8> {
    (0..channels).flat_map(|channel| values.iter().skip(channel).step_by(channels).copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(image: image::RgbImage) -> Vec<u8> {
        let mut bytes = std::io::Cursor::new(Vec::new());
        image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
        bytes.into_inner()
    }

    #[test]
    fn rgb_is_laid_out_plane_by_plane() {
        // 2×1: a red pixel, then a blue one.
        let image = image::RgbImage::from_raw(2, 1, vec![255, 0, 0, 0, 0, 255]).unwrap();
        let pixels = decode(&png(image), "t.png", 3, 1, 2).unwrap();
        assert_eq!(pixels, vec![1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn grayscale_and_resize() {
        let image = image::RgbImage::from_pixel(6, 4, image::Rgb([255, 255, 255]));
        let pixels = decode(&png(image), "t.png", 1, 2, 3).unwrap();
        assert_eq!(pixels.len(), 6);
        assert!(pixels.iter().all(|&value| value == 1.0), "{pixels:?}");
    }

    #[test]
    fn undecodable_bytes_name_the_file() {
        let message = decode(b"not an image", "cats/x.png", 3, 2, 2).unwrap_err().to_string();
        assert!(message.starts_with("cats/x.png: cannot decode the image"), "{message}");
        let message = decode(b"", "t.png", 3, 0, 2).unwrap_err().to_string();
        assert_eq!(message, "t.png: cannot resize to 3×0×2");
        let message = load(Path::new("/nonexistent/y.png"), 3, 2, 2).unwrap_err().to_string();
        assert!(message.starts_with("/nonexistent/y.png: "), "{message}");
    }
}
