//! 2-D convolutions, their gradients and transposed convolutions as one gemm per batch item.
//!
//! A 2-D convolution relates an *image* `[C, H, W]` (the input of a convolution, the output
//! of a transposed convolution) to a *grid* `[G, OH, OW]` (the convolution's output, the
//! transposed convolution's input) through a weight matrix `[G, C/groups · kh · kw]` per
//! group: burn's conv weight `[G, C/groups, kh, kw]` and conv-transpose weight
//! `[G, C/groups, kh, kw]` (there `G` is the transposed convolution's input channels) are both
//! that matrix, unchanged in memory. With `cols = im2col(image)` (`[C/groups · kh · kw, OH · OW]`,
//! built from the NCHW planes directly, no layout change):
//!
//! | operation | formula, per item and group |
//! |---|---|
//! | conv forward, conv-transpose input gradient | `grid = W · im2col(image)` ([`image_to_grid`]) |
//! | conv input gradient, conv-transpose forward | `image = col2im(Wᵀ · grid)` ([`grid_to_image`]) |
//! | conv and conv-transpose weight gradient | `W = Σ_items grid · im2col(image)ᵀ` ([`weight_grad`]) |
//!
//! Each gemm is large (for a 28×28 image with 32 channels and a 3×3 kernel: 32 × 288 × 784),
//! where burn's generic route ran many small ones: the forward per 512-pixel tile after an NHWC
//! copy of the input, the weight gradient as a convolution whose kernel is the output gradient
//! (a gemm with N = kh · kw), the input gradient through a scalar col2im. Batch items run in
//! parallel on rayon's threads (each with its own im2col buffer, gemm on one thread); a batch of
//! one runs gemm's own parallel kernel instead.

use alloc::vec;
use alloc::vec::Vec;
use core::ops::AddAssign;

use burn_backend::Element;
use num_traits::{One, Zero};

use super::conv::valid_out_range;

/// The fewest image channels per group for which a stride-1 convolution takes the windowed
/// form (`kh · kw` gemms with inner dimension `C/groups`) over one im2col (one gemm with inner
/// dimension `C/groups · kh · kw`).
const WINDOWED_MIN_CHANNELS: usize = 8;

/// Element types the gemm kernels take (`f32`, `f64`, `f16`).
pub(crate) trait GemmElement:
    Element + bytemuck::Pod + Copy + Zero + One + AddAssign + Send + Sync + 'static
{
}

impl<T> GemmElement for T where
    T: Element + bytemuck::Pod + Copy + Zero + One + AddAssign + Send + Sync + 'static
{
}

/// The spatial relation between an image and a grid (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConvGeometry {
    /// Batch items.
    pub batch: usize,
    /// Channel groups; both channel counts divide by it.
    pub groups: usize,
    /// Image channels, height, width.
    pub image: [usize; 3],
    /// Grid channels, height, width.
    pub grid: [usize; 3],
    /// Kernel height, width.
    pub kernel: [usize; 2],
    /// Stride along height, width.
    pub stride: [usize; 2],
    /// Padding before the first row and column (the padding after follows from the sizes).
    pub padding: [usize; 2],
    /// Kernel dilation along height, width.
    pub dilation: [usize; 2],
}

impl ConvGeometry {
    /// Image channels per group.
    fn image_channels_per_group(&self) -> usize {
        self.image[0] / self.groups
    }

    /// Grid channels per group.
    fn grid_channels_per_group(&self) -> usize {
        self.grid[0] / self.groups
    }

    /// Elements of one item's image plane (one channel).
    fn image_plane(&self) -> usize {
        self.image[1] * self.image[2]
    }

    /// Elements of one item's grid plane (one channel): the gemm's long dimension.
    fn grid_plane(&self) -> usize {
        self.grid[1] * self.grid[2]
    }

    /// Elements of one item's image.
    pub fn image_len(&self) -> usize {
        self.image[0] * self.image_plane()
    }

    /// Elements of one item's grid.
    pub fn grid_len(&self) -> usize {
        self.grid[0] * self.grid_plane()
    }

    /// Columns of one group's weight matrix: `C/groups · kh · kw` (the rows of its im2col).
    fn patch_len(&self) -> usize {
        self.image_channels_per_group() * self.kernel[0] * self.kernel[1]
    }

    /// Elements of the weight: `G · C/groups · kh · kw`.
    pub fn weight_len(&self) -> usize {
        self.grid[0] * self.patch_len()
    }

    /// Elements of one group's im2col matrix.
    fn cols_len(&self) -> usize {
        self.patch_len() * self.grid_plane()
    }

    /// The padded image of the windowed form: `[H + padding, W + padding]` so that every grid
    /// position `(oy, ox)` reads rows `oy + ki·dh` and columns `ox + kj·dw` of it.
    fn padded_hw(&self) -> [usize; 2] {
        [
            self.grid[1] + self.dilation[0] * (self.kernel[0] - 1),
            self.grid[2] + self.dilation[1] * (self.kernel[1] - 1),
        ]
    }

    /// Elements between two channels of the padded image: one spare row, so that a window
    /// (`OH` rows of the padded width, shifted by up to `(kw − 1)·dw`) stays in its channel.
    fn padded_plane(&self) -> usize {
        let [hp, wp] = self.padded_hw();
        (hp + 1) * wp
    }

    /// Elements of one channel of the grid at the padded width (`OH · Wp`, the windowed
    /// form's long dimension; the columns past `OW` are scratch).
    fn wide_grid_plane(&self) -> usize {
        self.grid[1] * self.padded_hw()[1]
    }

    /// Whether the windowed form applies: stride 1 (the grid position is then a plain offset
    /// into the padded image), an image inside the padded one, and enough channels per group
    /// for the per-tap gemms (their inner dimension) to pay off against one im2col.
    fn windowed(&self) -> bool {
        let [hp, wp] = self.padded_hw();
        self.stride == [1, 1]
            && self.image_channels_per_group() >= WINDOWED_MIN_CHANNELS
            && self.image[1] + self.padding[0] <= hp
            && self.image[2] + self.padding[1] <= wp
    }

    /// Scratch per thread: the windowed form's padded image and wide grid, or one im2col.
    fn scratch_len(&self) -> usize {
        if self.windowed() {
            self.image_channels_per_group() * self.padded_plane()
                + self.grid_channels_per_group() * self.wide_grid_plane()
        } else {
            self.cols_len()
        }
    }

    /// Panics with the sizes when the geometry cannot hold together (channels that do not
    /// divide by the groups, a grid larger than the kernel can reach).
    fn validate(&self) {
        assert!(
            self.groups >= 1
                && self.image[0] % self.groups == 0
                && self.grid[0] % self.groups == 0,
            "conv: channels {} (image) and {} (grid) must divide by groups {}",
            self.image[0],
            self.grid[0],
            self.groups
        );
        assert!(
            self.stride.iter().all(|&s| s >= 1) && self.dilation.iter().all(|&d| d >= 1),
            "conv: stride {:?} and dilation {:?} must be at least 1",
            self.stride,
            self.dilation
        );
        let [c, h, w] = self.image;
        let [g, oh, ow] = self.grid;
        let [kh, kw] = self.kernel;
        let cg = self.image_channels_per_group();
        let padded = |out: usize, dilation: usize, k: usize| {
            dilation.checked_mul(k).and_then(|reach| reach.checked_add(out))
        };
        let (hp, wp) = padded(oh, self.dilation[0], kh)
            .zip(padded(ow, self.dilation[1], kw))
            .expect("conv: tensor sizes would overflow index calculations");
        // The batch's image and grid, the weight, one im2col, the windowed form's buffers.
        for dims in [
            [self.batch, c, h, w],
            [self.batch, g, oh, ow],
            [g, cg, kh, kw],
            [cg * kh, kw, oh, ow],
            [cg, hp + 1, wp, 2],
            [g, oh, wp, 2],
        ] {
            dims.iter()
                .try_fold(1usize, |acc, &x| acc.checked_mul(x))
                .expect("conv: tensor sizes would overflow index calculations");
        }
    }

    /// Whether the batch items should run in parallel (each gemm on one thread) rather than
    /// one after another (each gemm on all threads).
    fn items_in_parallel(&self) -> bool {
        #[cfg(feature = "rayon")]
        {
            self.batch > 1 && rayon::current_num_threads() > 1
        }
        #[cfg(not(feature = "rayon"))]
        {
            false
        }
    }

    /// gemm's parallelism for one product of `m × k` by `k × n`.
    fn gemm_parallelism(&self, m: usize, n: usize, k: usize) -> gemm::Parallelism {
        #[cfg(feature = "rayon")]
        if !self.items_in_parallel() && m * n * k >= 192 * 192 * 192 {
            return gemm::Parallelism::Rayon(0);
        }
        let _ = (m, n, k);
        gemm::Parallelism::None
    }
}

/// A matrix in a slice: element `(i, j)` at `i · row_stride + j · col_stride`.
#[derive(Clone, Copy)]
struct MatRef<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a, T> MatRef<'a, T> {
    /// A row-major `rows × cols` matrix.
    fn row_major(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            row_stride: cols,
            col_stride: 1,
        }
    }

    /// The transpose, without moving data.
    fn t(self) -> Self {
        Self {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// Panics unless every element lies inside the slice.
    fn check(&self) {
        if self.rows > 0 && self.cols > 0 {
            let last = (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride;
            assert!(last < self.data.len(), "conv: matrix outside its buffer");
        }
    }
}

/// `dst = a · b`, or `dst += a · b` with `accumulate`; `dst` is row-major `a.rows × b.cols`.
fn matmul<T: GemmElement>(
    dst: &mut [T],
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    accumulate: bool,
    parallelism: gemm::Parallelism,
) {
    assert_eq!(dst.len(), a.rows * b.cols, "conv: destination size");
    matmul_strided(dst, b.cols, 1, a, b, accumulate, parallelism);
}

/// [`matmul`] into a strided destination: element `(i, j)` of the product at
/// `dst[i · dst_rs + j · dst_cs]`; no two elements may share a place.
fn matmul_strided<T: GemmElement>(
    dst: &mut [T],
    dst_rs: usize,
    dst_cs: usize,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    accumulate: bool,
    parallelism: gemm::Parallelism,
) {
    assert_eq!(a.cols, b.rows, "conv: inner dimensions differ");
    a.check();
    b.check();
    let (rows, cols) = (a.rows, b.cols);
    if rows == 0 || cols == 0 {
        return;
    }
    assert!(
        (dst_cs >= 1 && dst_rs >= dst_cs * cols) || (dst_rs >= 1 && dst_cs >= dst_rs * rows),
        "conv: destination elements overlap"
    );
    MatRef {
        data: &*dst,
        rows,
        cols,
        row_stride: dst_rs,
        col_stride: dst_cs,
    }
    .check();
    if a.cols == 0 {
        if !accumulate {
            for i in 0..rows {
                for j in 0..cols {
                    dst[i * dst_rs + j * dst_cs] = T::zero();
                }
            }
        }
        return;
    }
    // SAFETY: the three matrices lie inside their slices (checked above), no two destination
    // elements share a place, and `dst` is borrowed mutably, so it overlaps neither input.
    unsafe {
        gemm::gemm(
            rows,
            cols,
            a.cols,
            dst.as_mut_ptr(),
            dst_cs as isize,
            dst_rs as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            T::one(),
            T::one(),
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// Fills `cols` (`C/groups · kh · kw` rows of `OH · OW`) with the patches of one group of one
/// item's image (`C/groups` planes): row `(c, ki, kj)`, column `(oy, ox)` holds
/// `image[c, oy · sh + ki · dh − ph, ox · sw + kj · dw − pw]`, zero outside the image.
fn im2col<T: GemmElement>(image: &[T], geo: &ConvGeometry, cols: &mut [T]) {
    let [_, h, w] = geo.image;
    let [_, oh, ow] = geo.grid;
    let spatial = oh * ow;
    let mut rows = cols.chunks_exact_mut(spatial);
    for plane in image.chunks_exact(h * w) {
        for ki in 0..geo.kernel[0] {
            let (oy0, oy1) =
                valid_out_range(ki, geo.dilation[0], geo.padding[0], geo.stride[0], h, oh);
            for kj in 0..geo.kernel[1] {
                let (ox0, ox1) =
                    valid_out_range(kj, geo.dilation[1], geo.padding[1], geo.stride[1], w, ow);
                let row = rows.next().expect("im2col: cols too short");
                row[..oy0 * ow].fill(T::zero());
                row[oy1 * ow..].fill(T::zero());
                for oy in oy0..oy1 {
                    let iy = oy * geo.stride[0] + ki * geo.dilation[0] - geo.padding[0];
                    let src = &plane[iy * w..(iy + 1) * w];
                    let dst = &mut row[oy * ow..(oy + 1) * ow];
                    dst[..ox0].fill(T::zero());
                    dst[ox1..].fill(T::zero());
                    if ox0 < ox1 {
                        let ix0 = ox0 * geo.stride[1] + kj * geo.dilation[1] - geo.padding[1];
                        let run = &mut dst[ox0..ox1];
                        if geo.stride[1] == 1 {
                            run.copy_from_slice(&src[ix0..ix0 + run.len()]);
                        } else {
                            for (i, d) in run.iter_mut().enumerate() {
                                *d = src[ix0 + i * geo.stride[1]];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: adds each column entry of `cols` into the image position it was
/// read from (`image` holds `C/groups` planes and keeps what it held).
fn col2im_add<T: GemmElement>(cols: &[T], geo: &ConvGeometry, image: &mut [T]) {
    let [_, h, w] = geo.image;
    let [_, oh, ow] = geo.grid;
    let spatial = oh * ow;
    let mut rows = cols.chunks_exact(spatial);
    for plane in image.chunks_exact_mut(h * w) {
        for ki in 0..geo.kernel[0] {
            let (oy0, oy1) =
                valid_out_range(ki, geo.dilation[0], geo.padding[0], geo.stride[0], h, oh);
            for kj in 0..geo.kernel[1] {
                let (ox0, ox1) =
                    valid_out_range(kj, geo.dilation[1], geo.padding[1], geo.stride[1], w, ow);
                let row = rows.next().expect("col2im: cols too short");
                if ox0 >= ox1 {
                    continue;
                }
                for oy in oy0..oy1 {
                    let iy = oy * geo.stride[0] + ki * geo.dilation[0] - geo.padding[0];
                    let ix0 = ox0 * geo.stride[1] + kj * geo.dilation[1] - geo.padding[1];
                    let src = &row[oy * ow + ox0..oy * ow + ox1];
                    let dst = &mut plane[iy * w..(iy + 1) * w];
                    if geo.stride[1] == 1 {
                        for (d, &s) in dst[ix0..ix0 + src.len()].iter_mut().zip(src) {
                            *d += s;
                        }
                    } else {
                        for (i, &s) in src.iter().enumerate() {
                            dst[ix0 + i * geo.stride[1]] += s;
                        }
                    }
                }
            }
        }
    }
}

/// The windowed form's view of one kernel tap `k = ki · kw + kj`: its offset into a padded
/// image channel, and the tap's `[G/groups, C/groups]` weights (strided in the weight matrix).
fn tap<'a, T>(weight_g: &'a [T], geo: &ConvGeometry, k: usize) -> (usize, MatRef<'a, T>) {
    let kw = geo.kernel[1];
    let (ki, kj) = (k / kw, k % kw);
    let offset = ki * geo.dilation[0] * geo.padded_hw()[1] + kj * geo.dilation[1];
    let taps = geo.kernel[0] * kw;
    let w = MatRef {
        data: &weight_g[k..],
        rows: geo.grid_channels_per_group(),
        cols: geo.image_channels_per_group(),
        row_stride: geo.patch_len(),
        col_stride: taps,
    };
    (offset, w)
}

/// Copies one group's image channels into the padded image (zeros around them).
fn pad_image<T: GemmElement>(image: &[T], geo: &ConvGeometry, padded: &mut [T]) {
    let [h, w] = [geo.image[1], geo.image[2]];
    let wp = geo.padded_hw()[1];
    padded.fill(T::zero());
    for (src, dst) in image.chunks_exact(h * w).zip(padded.chunks_exact_mut(geo.padded_plane())) {
        for (y, row) in src.chunks_exact(w).enumerate() {
            let at = (y + geo.padding[0]) * wp + geo.padding[1];
            dst[at..at + w].copy_from_slice(row);
        }
    }
}

/// The padded image's window at `offset`: `[C/groups, OH · Wp]`, whose column `oy · Wp + ox`
/// is image row `oy + ki·dh − ph`, column `ox + kj·dw − pw` (zero in the padding).
fn window<'a, T>(padded: &'a [T], geo: &ConvGeometry, offset: usize) -> MatRef<'a, T> {
    MatRef {
        data: &padded[offset..],
        rows: geo.image_channels_per_group(),
        cols: geo.wide_grid_plane(),
        row_stride: geo.padded_plane(),
        col_stride: 1,
    }
}

/// Copies one group's grid channels to the padded width, zeros in the extra columns.
fn widen_grid<T: GemmElement>(grid: &[T], geo: &ConvGeometry, wide: &mut [T]) {
    let ow = geo.grid[2];
    let wp = geo.padded_hw()[1];
    for (src, dst) in grid.chunks_exact(ow).zip(wide.chunks_exact_mut(wp)) {
        dst[..ow].copy_from_slice(src);
        dst[ow..].fill(T::zero());
    }
}

/// `grid = W · im2col(image)` for one item and group in the windowed form: one gemm per kernel
/// tap on a window of the padded image, summed at the padded width, then narrowed.
fn image_to_grid_windowed<T: GemmElement>(
    image_g: &[T],
    weight_g: &[T],
    geo: &ConvGeometry,
    out_g: &mut [T],
    scratch: &mut [T],
    parallelism: gemm::Parallelism,
) {
    let (padded, wide) = scratch.split_at_mut(geo.image_channels_per_group() * geo.padded_plane());
    pad_image(image_g, geo, padded);
    for k in 0..geo.kernel[0] * geo.kernel[1] {
        let (offset, w) = tap(weight_g, geo, k);
        matmul(wide, w, window(padded, geo, offset), k > 0, parallelism);
    }
    let (ow, wp) = (geo.grid[2], geo.padded_hw()[1]);
    for (dst, src) in out_g.chunks_exact_mut(ow).zip(wide.chunks_exact(wp)) {
        dst.copy_from_slice(&src[..ow]);
    }
}

/// `image = col2im(Wᵀ · grid)` for one item and group in the windowed form: each tap's product
/// is added into its window of a padded image, whose inside is then the result.
fn grid_to_image_windowed<T: GemmElement>(
    grid_g: &[T],
    weight_g: &[T],
    geo: &ConvGeometry,
    out_g: &mut [T],
    scratch: &mut [T],
    parallelism: gemm::Parallelism,
) {
    let (padded, wide) = scratch.split_at_mut(geo.image_channels_per_group() * geo.padded_plane());
    widen_grid(grid_g, geo, wide);
    padded.fill(T::zero());
    let wide = MatRef::row_major(&*wide, geo.grid_channels_per_group(), geo.wide_grid_plane());
    for k in 0..geo.kernel[0] * geo.kernel[1] {
        let (offset, w) = tap(weight_g, geo, k);
        // The extra columns of `wide` are zero, so what they reach (the padding, or the start
        // of the next row) gains nothing.
        matmul_strided(&mut padded[offset..], geo.padded_plane(), 1, w.t(), wide, true, parallelism);
    }
    let [h, w] = [geo.image[1], geo.image[2]];
    let wp = geo.padded_hw()[1];
    for (dst, src) in out_g.chunks_exact_mut(h * w).zip(padded.chunks_exact(geo.padded_plane())) {
        for (y, row) in dst.chunks_exact_mut(w).enumerate() {
            let at = (y + geo.padding[0]) * wp + geo.padding[1];
            row.copy_from_slice(&src[at..at + w]);
        }
    }
}

/// `W += grid · im2col(image)ᵀ` for one item and group in the windowed form: per tap, the grid
/// at the padded width (zero extra columns) times the tap's window, into the tap's weights.
fn weight_grad_windowed<T: GemmElement>(
    image_g: &[T],
    grid_g: &[T],
    geo: &ConvGeometry,
    acc_g: &mut [T],
    scratch: &mut [T],
    parallelism: gemm::Parallelism,
) {
    let (padded, wide) = scratch.split_at_mut(geo.image_channels_per_group() * geo.padded_plane());
    pad_image(image_g, geo, padded);
    widen_grid(grid_g, geo, wide);
    let wide = MatRef::row_major(&*wide, geo.grid_channels_per_group(), geo.wide_grid_plane());
    let taps = geo.kernel[0] * geo.kernel[1];
    for k in 0..taps {
        let (offset, _) = tap(acc_g, geo, k);
        matmul_strided(
            &mut acc_g[k..],
            geo.patch_len(),
            taps,
            wide,
            window(padded, geo, offset).t(),
            true,
            parallelism,
        );
    }
}

/// Runs `work(item, output_of_item, scratch, parallelism)` for every batch item, over rayon's
/// threads when [`ConvGeometry::items_in_parallel`], each thread with its own scratch buffer.
fn for_each_item<T, F>(
    geo: &ConvGeometry,
    out: &mut [T],
    item_len: usize,
    scratch_len: usize,
    parallelism: gemm::Parallelism,
    work: F,
) where
    T: GemmElement,
    F: Fn(usize, &mut [T], &mut [T], gemm::Parallelism) + Send + Sync,
{
    if item_len == 0 {
        return;
    }
    #[cfg(feature = "rayon")]
    if geo.items_in_parallel() {
        use rayon::prelude::*;
        out.par_chunks_mut(item_len).enumerate().for_each_init(
            || vec![T::zero(); scratch_len],
            |scratch, (item, out)| work(item, out, scratch, gemm::Parallelism::None),
        );
        return;
    }
    let _ = geo;
    let mut scratch = vec![T::zero(); scratch_len];
    for (item, out) in out.chunks_exact_mut(item_len).enumerate() {
        work(item, out, &mut scratch, parallelism);
    }
}

/// `grid = W · im2col(image)` for every item and group: the convolution's forward pass (and the
/// transposed convolution's input gradient). `image` is `[batch, C, H, W]`, `weight`
/// `[G, C/groups · kh · kw]`; returns `[batch, G, OH, OW]`.
pub(crate) fn image_to_grid<T: GemmElement>(
    image: &[T],
    weight: &[T],
    geo: &ConvGeometry,
) -> Vec<T> {
    geo.validate();
    assert_eq!(image.len(), geo.batch * geo.image_len(), "conv: image size");
    assert_eq!(weight.len(), geo.weight_len(), "conv: weight size");
    let (gg, patch, spatial) = (geo.grid_channels_per_group(), geo.patch_len(), geo.grid_plane());
    let cg_len = geo.image_channels_per_group() * geo.image_plane();
    let mut grid = vec![T::zero(); geo.batch * geo.grid_len()];
    let parallelism = geo.gemm_parallelism(gg, spatial, patch);
    for_each_item(
        geo,
        &mut grid,
        geo.grid_len(),
        geo.scratch_len(),
        parallelism,
        |item, out, scratch, parallelism| {
            let image = &image[item * geo.image_len()..(item + 1) * geo.image_len()];
            for g in 0..geo.groups {
                let image_g = &image[g * cg_len..(g + 1) * cg_len];
                let weight_g = &weight[g * gg * patch..(g + 1) * gg * patch];
                let out_g = &mut out[g * gg * spatial..(g + 1) * gg * spatial];
                if geo.windowed() {
                    image_to_grid_windowed(image_g, weight_g, geo, out_g, scratch, parallelism);
                    continue;
                }
                let cols = &mut scratch[..geo.cols_len()];
                im2col(image_g, geo, cols);
                let w = MatRef::row_major(weight_g, gg, patch);
                matmul(out_g, w, MatRef::row_major(&*cols, patch, spatial), false, parallelism);
            }
        },
    );
    grid
}

/// `image = col2im(Wᵀ · grid)` for every item and group: the convolution's input gradient
/// (and the transposed convolution's forward pass). `grid` is `[batch, G, OH, OW]`, `weight`
/// `[G, C/groups · kh · kw]`; returns `[batch, C, H, W]`.
pub(crate) fn grid_to_image<T: GemmElement>(
    grid: &[T],
    weight: &[T],
    geo: &ConvGeometry,
) -> Vec<T> {
    geo.validate();
    assert_eq!(grid.len(), geo.batch * geo.grid_len(), "conv: grid size");
    assert_eq!(weight.len(), geo.weight_len(), "conv: weight size");
    let (gg, patch, spatial) = (geo.grid_channels_per_group(), geo.patch_len(), geo.grid_plane());
    let cg_len = geo.image_channels_per_group() * geo.image_plane();
    let mut image = vec![T::zero(); geo.batch * geo.image_len()];
    let parallelism = geo.gemm_parallelism(patch, spatial, gg);
    for_each_item(
        geo,
        &mut image,
        geo.image_len(),
        geo.scratch_len(),
        parallelism,
        |item, out, scratch, parallelism| {
            let grid = &grid[item * geo.grid_len()..(item + 1) * geo.grid_len()];
            for g in 0..geo.groups {
                let grid_g = &grid[g * gg * spatial..(g + 1) * gg * spatial];
                let weight_g = &weight[g * gg * patch..(g + 1) * gg * patch];
                let out_g = &mut out[g * cg_len..(g + 1) * cg_len];
                if geo.windowed() {
                    grid_to_image_windowed(grid_g, weight_g, geo, out_g, scratch, parallelism);
                    continue;
                }
                let cols = &mut scratch[..geo.cols_len()];
                let w = MatRef::row_major(weight_g, gg, patch);
                matmul(cols, w.t(), MatRef::row_major(grid_g, gg, spatial), false, parallelism);
                col2im_add(cols, geo, out_g);
            }
        },
    );
    image
}

/// `W = Σ_items grid · im2col(image)ᵀ` per group: the weight gradient of the convolution (and
/// of the transposed convolution). `image` is `[batch, C, H, W]`, `grid` `[batch, G, OH, OW]`;
/// returns `[G, C/groups · kh · kw]`. Items are summed per thread, then the threads' sums.
pub(crate) fn weight_grad<T: GemmElement>(image: &[T], grid: &[T], geo: &ConvGeometry) -> Vec<T> {
    geo.validate();
    assert_eq!(image.len(), geo.batch * geo.image_len(), "conv: image size");
    assert_eq!(grid.len(), geo.batch * geo.grid_len(), "conv: grid size");
    let (gg, patch, spatial) = (geo.grid_channels_per_group(), geo.patch_len(), geo.grid_plane());
    let cg_len = geo.image_channels_per_group() * geo.image_plane();
    let parallelism = geo.gemm_parallelism(gg, patch, spatial);
    let accumulate_item = |item: usize, acc: &mut [T], scratch: &mut [T], parallelism| {
        let image = &image[item * geo.image_len()..(item + 1) * geo.image_len()];
        let grid = &grid[item * geo.grid_len()..(item + 1) * geo.grid_len()];
        for g in 0..geo.groups {
            let image_g = &image[g * cg_len..(g + 1) * cg_len];
            let grid_g = &grid[g * gg * spatial..(g + 1) * gg * spatial];
            let acc_g = &mut acc[g * gg * patch..(g + 1) * gg * patch];
            if geo.windowed() {
                weight_grad_windowed(image_g, grid_g, geo, acc_g, scratch, parallelism);
                continue;
            }
            let cols = &mut scratch[..geo.cols_len()];
            im2col(image_g, geo, cols);
            let cols_t = MatRef::row_major(&*cols, patch, spatial).t();
            matmul(acc_g, MatRef::row_major(grid_g, gg, spatial), cols_t, true, parallelism);
        }
    };

    #[cfg(feature = "rayon")]
    if geo.items_in_parallel() {
        use rayon::prelude::*;
        let per_thread = geo.batch.div_ceil(rayon::current_num_threads());
        let sums: Vec<Vec<T>> = (0..geo.batch)
            .into_par_iter()
            .with_min_len(per_thread)
            .fold(
                || (vec![T::zero(); geo.weight_len()], vec![T::zero(); geo.scratch_len()]),
                |(mut acc, mut scratch), item| {
                    accumulate_item(item, &mut acc, &mut scratch, gemm::Parallelism::None);
                    (acc, scratch)
                },
            )
            .map(|(acc, _)| acc)
            .collect();
        let mut sums = sums.into_iter();
        let mut total = sums.next().unwrap_or_else(|| vec![T::zero(); geo.weight_len()]);
        for sum in sums {
            for (t, s) in total.iter_mut().zip(sum) {
                *t += s;
            }
        }
        return total;
    }
    let mut total = vec![T::zero(); geo.weight_len()];
    let mut scratch = vec![T::zero(); geo.scratch_len()];
    for item in 0..geo.batch {
        accumulate_item(item, &mut total, &mut scratch, parallelism);
    }
    total
}

/// The bias gradient: the sum of `[batch, channels, plane]` over batch and plane.
pub(crate) fn channel_sums<T: GemmElement>(
    grad: &[T],
    batch: usize,
    channels: usize,
    plane: usize,
) -> Vec<T> {
    assert_eq!(grad.len(), batch * channels * plane, "conv: gradient size");
    let mut sums = vec![T::zero(); channels];
    if plane == 0 {
        return sums;
    }
    for item in grad.chunks_exact(channels * plane) {
        for (sum, values) in sums.iter_mut().zip(item.chunks_exact(plane)) {
            let mut acc = T::zero();
            for &v in values {
                acc += v;
            }
            *sum += acc;
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random sequence in [-1, 1).
    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect()
    }

    /// The image position a grid position and kernel tap read, if inside the image.
    fn tap(geo: &ConvGeometry, oy: usize, ox: usize, ki: usize, kj: usize) -> Option<usize> {
        let iy = (oy * geo.stride[0] + ki * geo.dilation[0]) as isize - geo.padding[0] as isize;
        let ix = (ox * geo.stride[1] + kj * geo.dilation[1]) as isize - geo.padding[1] as isize;
        let (h, w) = (geo.image[1] as isize, geo.image[2] as isize);
        (iy >= 0 && iy < h && ix >= 0 && ix < w).then(|| (iy * w + ix) as usize)
    }

    /// Visits every (item, group, grid channel, image channel, kernel tap, grid position)
    /// with the flat indices of the image, grid and weight elements it joins.
    fn for_each_term(geo: &ConvGeometry, mut f: impl FnMut(usize, usize, usize)) {
        let (cg, gg) = (geo.image_channels_per_group(), geo.grid_channels_per_group());
        let [kh, kw] = geo.kernel;
        for b in 0..geo.batch {
            for o in 0..geo.grid[0] {
                let g = o / gg;
                for c in 0..cg {
                    for ki in 0..kh {
                        for kj in 0..kw {
                            for oy in 0..geo.grid[1] {
                                for ox in 0..geo.grid[2] {
                                    if let Some(p) = tap(geo, oy, ox, ki, kj) {
                                        let image = b * geo.image_len()
                                            + (g * cg + c) * geo.image_plane()
                                            + p;
                                        let grid = b * geo.grid_len()
                                            + o * geo.grid_plane()
                                            + oy * geo.grid[2]
                                            + ox;
                                        let weight = ((o * cg + c) * kh + ki) * kw + kj;
                                        f(image, grid, weight);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn geometry(
        batch: usize,
        groups: usize,
        image: [usize; 3],
        grid_channels: usize,
        kernel: [usize; 2],
        stride: [usize; 2],
        padding: [usize; 2],
        padding_end: [usize; 2],
        dilation: [usize; 2],
    ) -> ConvGeometry {
        let out = |i: usize| {
            (image[i + 1] + padding[i] + padding_end[i] - dilation[i] * (kernel[i] - 1) - 1)
                / stride[i]
                + 1
        };
        ConvGeometry {
            batch,
            groups,
            image,
            grid: [grid_channels, out(0), out(1)],
            kernel,
            stride,
            padding,
            dilation,
        }
    }

    fn cases() -> Vec<ConvGeometry> {
        vec![
            // 3×3 same-padding (ddpm), batch > threads.
            geometry(5, 1, [3, 7, 6], 4, [3, 3], [1, 1], [1, 1], [1, 1], [1, 1]),
            // stride 2, 4×4 kernel (dcgan / vae), one item.
            geometry(1, 1, [2, 9, 8], 3, [4, 4], [2, 2], [1, 1], [1, 1], [1, 1]),
            // dilation, no padding, rectangular kernel, a dropped last row.
            geometry(3, 1, [2, 10, 9], 2, [3, 2], [2, 1], [0, 0], [0, 0], [2, 3]),
            // groups, asymmetric padding, stride 3.
            geometry(4, 2, [4, 8, 7], 6, [3, 3], [3, 2], [2, 0], [1, 2], [1, 1]),
            // 1×1 kernel, padding larger than the kernel reaches.
            geometry(2, 1, [3, 4, 4], 2, [1, 1], [1, 1], [2, 1], [2, 1], [1, 1]),
            // The windowed form (stride 1, 8 channels or more per group): same padding...
            geometry(5, 1, [9, 7, 6], 4, [3, 3], [1, 1], [1, 1], [1, 1], [1, 1]),
            // ...asymmetric padding and dilation, one item...
            geometry(1, 1, [8, 6, 7], 5, [3, 3], [1, 1], [1, 0], [0, 2], [1, 2]),
            // ...groups, no padding...
            geometry(3, 2, [16, 5, 6], 4, [2, 3], [1, 1], [0, 0], [0, 0], [1, 1]),
            // ...a 1×1 kernel with padding beyond its reach.
            geometry(2, 1, [8, 4, 4], 3, [1, 1], [1, 1], [2, 1], [2, 1], [1, 1]),
        ]
    }

    fn assert_close(actual: &[f64], expected: &[f64], what: &str, geo: &ConvGeometry) {
        assert_eq!(actual.len(), expected.len(), "{what}: length, {geo:?}");
        for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
            assert!(
                (a - e).abs() <= 1e-9 * (1.0 + e.abs()),
                "{what}[{i}]: {a} vs {e}, {geo:?}"
            );
        }
    }

    #[test]
    fn the_three_products_match_a_direct_sum() {
        for geo in cases() {
            let image = values(geo.batch * geo.image_len(), 1);
            let grid = values(geo.batch * geo.grid_len(), 2);
            let weight = values(geo.weight_len(), 3);

            let (mut fwd, mut back, mut wgrad) = (
                vec![0.0; grid.len()],
                vec![0.0; image.len()],
                vec![0.0; weight.len()],
            );
            for_each_term(&geo, |i, g, w| {
                fwd[g] += weight[w] * image[i];
                back[i] += weight[w] * grid[g];
                wgrad[w] += grid[g] * image[i];
            });

            assert_close(&image_to_grid(&image, &weight, &geo), &fwd, "image_to_grid", &geo);
            assert_close(&grid_to_image(&grid, &weight, &geo), &back, "grid_to_image", &geo);
            assert_close(&weight_grad(&image, &grid, &geo), &wgrad, "weight_grad", &geo);
        }
    }

    #[test]
    fn the_cases_take_both_forms() {
        let windowed = cases().iter().filter(|geo| geo.windowed()).count();
        assert!(windowed == 4 && cases().len() - windowed == 5, "{windowed} windowed");
    }

    #[test]
    fn f32_products_match_within_rounding() {
        let geo = cases()[0];
        let image = values(geo.batch * geo.image_len(), 4);
        let weight = values(geo.weight_len(), 5);
        let expected = image_to_grid(&image, &weight, &geo);
        let image32: Vec<f32> = image.iter().map(|&v| v as f32).collect();
        let weight32: Vec<f32> = weight.iter().map(|&v| v as f32).collect();
        for (a, e) in image_to_grid(&image32, &weight32, &geo).iter().zip(&expected) {
            assert!((*a as f64 - e).abs() < 1e-5, "{a} vs {e}");
        }
    }

    #[test]
    fn channel_sums_add_over_items_and_planes() {
        let grad: Vec<f64> = (0..2 * 3 * 4).map(|v| v as f64).collect();
        // channel c of item b holds 4 values starting at 12b + 4c.
        let expected: Vec<f64> = (0..3)
            .map(|c| (0..2).map(|b| (0..4).map(|i| (12 * b + 4 * c + i) as f64).sum::<f64>()).sum())
            .collect();
        assert_eq!(channel_sums(&grad, 2, 3, 4), expected);
    }

    #[test]
    #[should_panic(expected = "would overflow")]
    fn sizes_that_overflow_are_refused() {
        let mut geo = cases()[0];
        geo.image[1] = usize::MAX / 2;
        image_to_grid(&[0.0f32; 0], &[0.0f32; 0], &geo);
    }

    #[test]
    #[should_panic(expected = "must divide by groups")]
    fn channels_that_do_not_divide_by_groups_are_refused() {
        let mut geo = cases()[0];
        geo.groups = 2;
        image_to_grid(&vec![0.0f32; geo.batch * geo.image_len()], &vec![0.0f32; 1], &geo);
    }
}
