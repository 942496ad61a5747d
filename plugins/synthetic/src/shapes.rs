//! The shapes and how each is drawn, at a random size and position, on a `side × side` canvas
//! of zeros (background) and ones (shape).
//!
//! Every shape keeps a trait that sets it apart from the others at any size: a horizontal bar
//! is filled and at least twice as wide as it is thick, a vertical bar the transpose; a square
//! outline has an empty centre; a disk is filled, with empty bounding-box corners; a cross has
//! one-pixel-wide arms meeting at a filled centre pixel, and empty bounding-box corners.

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;

/// A shape class; its label is its position in the configured `shapes` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// A filled rectangle, at least twice as wide as it is thick.
    HorizontalBar,
    /// A filled rectangle, at least twice as tall as it is wide.
    VerticalBar,
    /// The one-pixel outline of a square.
    SquareOutline,
    /// A filled disk.
    FilledDisk,
    /// A plus sign: a horizontal and a vertical line crossing at their middles.
    Cross,
}

impl Shape {
    /// Every shape, in the default label order.
    pub const ALL: [Shape; 5] =
        [Shape::HorizontalBar, Shape::VerticalBar, Shape::SquareOutline, Shape::FilledDisk, Shape::Cross];

    /// The name used in config files.
    pub fn name(self) -> &'static str {
        match self {
            Shape::HorizontalBar => "horizontal_bar",
            Shape::VerticalBar => "vertical_bar",
            Shape::SquareOutline => "square_outline",
            Shape::FilledDisk => "filled_disk",
            Shape::Cross => "cross",
        }
    }

    /// Draws the shape on `canvas` (`side × side`, row-major), drawing sizes and positions from `rng`.
    /// Draws nothing when `side` is below [`MIN_SIDE`] or `canvas` does not hold `side × side` values.
    pub fn draw(self, canvas: &mut [f32], side: usize, rng: &mut SplitMix64) {
        if side < MIN_SIDE || canvas.len() != side * side {
            return;
        }
        let mut fill = |x: usize, y: usize| canvas[y * side + x] = 1.0;
        match self {
            Shape::HorizontalBar | Shape::VerticalBar => {
                // Thickness 1..=side/4, length side/2..=side: length ≥ 2 × thickness.
                let thickness = rng.range(1, (side / 4).max(1));
                let length = rng.range(side / 2, side);
                let (across, along) = (rng.range(0, side - thickness), rng.range(0, side - length));
                for t in across..across + thickness {
                    for l in along..along + length {
                        if self == Shape::HorizontalBar { fill(l, t) } else { fill(t, l) }
                    }
                }
            }
            Shape::SquareOutline => {
                let size = rng.range((side / 3).max(3), side);
                let (x0, y0) = (rng.range(0, side - size), rng.range(0, side - size));
                for i in 0..size {
                    fill(x0 + i, y0);
                    fill(x0 + i, y0 + size - 1);
                    fill(x0, y0 + i);
                    fill(x0 + size - 1, y0 + i);
                }
            }
            Shape::FilledDisk => {
                let radius = rng.range((side / 6).max(2), side / 2);
                let (x0, y0) = (rng.range(0, side - 2 * radius), rng.range(0, side - 2 * radius));
                let r = radius as f32;
                for y in 0..2 * radius {
                    for x in 0..2 * radius {
                        let (dx, dy) = (x as f32 + 0.5 - r, y as f32 + 0.5 - r);
                        if dx * dx + dy * dy <= r * r {
                            fill(x0 + x, y0 + y);
                        }
                    }
                }
            }
            Shape::Cross => {
                // An odd size, so the arms meet at a centre pixel.
                let half = rng.range((side / 6).max(1), (side - 1) / 2);
                let size = 2 * half + 1;
                let (x0, y0) = (rng.range(0, side - size), rng.range(0, side - size));
                for i in 0..size {
                    fill(x0 + i, y0 + half);
                    fill(x0 + half, y0 + i);
                }
            }
        }
    }
}

/// The smallest canvas every shape fits on with its distinguishing trait.
pub const MIN_SIDE: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;

    /// The bounding box `(x0, y0, x1, y1)` (inclusive) of the ones.
    fn bounds(canvas: &[f32], side: usize) -> (usize, usize, usize, usize) {
        let on: Vec<(usize, usize)> =
            (0..side * side).filter(|&p| canvas[p] == 1.0).map(|p| (p % side, p / side)).collect();
        assert!(!on.is_empty(), "nothing drawn");
        let xs = || on.iter().map(|&(x, _)| x);
        let ys = || on.iter().map(|&(_, y)| y);
        (xs().min().unwrap(), ys().min().unwrap(), xs().max().unwrap(), ys().max().unwrap())
    }

    #[test]
    fn each_shape_keeps_its_trait_at_every_size() {
        for side in [4, 5, 7, 8, 16, 33] {
            let mut rng = SplitMix64::new(side as u64);
            for _ in 0..200 {
                for shape in Shape::ALL {
                    let mut canvas = vec![0.0; side * side];
                    shape.draw(&mut canvas, side, &mut rng);
                    let (x0, y0, x1, y1) = bounds(&canvas, side);
                    let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
                    let at = |x: usize, y: usize| canvas[y * side + x];
                    let filled = canvas.iter().filter(|&&v| v == 1.0).count();
                    let context = format!("{shape:?} side {side}: {w}×{h} at ({x0}, {y0})");
                    match shape {
                        Shape::HorizontalBar => assert!(w >= 2 * h && filled == w * h, "{context}"),
                        Shape::VerticalBar => assert!(h >= 2 * w && filled == w * h, "{context}"),
                        Shape::SquareOutline => {
                            assert!(
                                w == h && w >= 3 && at(x0 + w / 2, y0 + h / 2) == 0.0 && filled == 4 * (w - 1),
                                "{context}"
                            )
                        }
                        Shape::FilledDisk => assert!(
                            w == h
                                && w >= 4
                                && at(x0 + w / 2, y0 + h / 2) == 1.0
                                && at(x0, y0) == 0.0
                                && at(x1, y1) == 0.0,
                            "{context}"
                        ),
                        Shape::Cross => assert!(
                            w == h
                                && w % 2 == 1
                                && filled == 2 * w - 1
                                && at(x0 + w / 2, y0 + w / 2) == 1.0
                                && at(x0, y0) == 0.0,
                            "{context}"
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn bad_canvas_draws_nothing() {
        let mut rng = SplitMix64::new(1);
        let mut small = vec![0.0; 9];
        Shape::Cross.draw(&mut small, 3, &mut rng);
        let mut short = vec![0.0; 10];
        Shape::FilledDisk.draw(&mut short, 8, &mut rng);
        assert!(small.iter().chain(&short).all(|&v| v == 0.0));
    }

    #[test]
    fn names_match_serde() {
        for shape in Shape::ALL {
            let yaml = serde_yaml::to_string(&shape).unwrap();
            assert_eq!(yaml.trim(), shape.name());
        }
    }
}
