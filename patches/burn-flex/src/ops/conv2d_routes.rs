//! The 2-D convolution methods of `ModuleOps` routed to [`conv_gemm`](super::conv_gemm):
//! tensors in, the [`ConvGeometry`] each method implies, tensors out, for every float dtype
//! (`bf16` through `f32`, as the rest of burn-flex's convolutions).

use alloc::vec;
use alloc::vec::Vec;
use burn_backend::DType;
use burn_backend::ops::conv::calculate_conv_transpose_output_size;
use burn_backend::ops::{ConvOptions, ConvTransposeOptions};
use burn_std::{Bytes, Shape, f16};

use super::conv_common::{add_bias, convert_bf16_to_f32, convert_f32_to_bf16};
use super::conv_gemm::{self, ConvGeometry, GemmElement};
use crate::{FlexTensor, Layout};

/// The dims of a contiguous 4-D tensor.
fn dims4(tensor: &FlexTensor, what: &str) -> [usize; 4] {
    let shape = tensor.layout().shape();
    assert_eq!(shape.num_dims(), 4, "conv2d: {what} must be 4-D, got {shape:?}");
    [shape[0], shape[1], shape[2], shape[3]]
}

/// Runs `f` on the tensors' elements as `T` and wraps its result as a contiguous tensor of
/// `shape`; `bf16` runs in `f32` and is rounded back.
fn run_float(
    tensors: &[&FlexTensor],
    shape: Shape,
    f: impl Fn(&[&[u8]], DType) -> Bytes,
) -> FlexTensor {
    let dtype = tensors[0].dtype();
    let contiguous: Vec<FlexTensor> = tensors
        .iter()
        .map(|t| {
            assert_eq!(t.dtype(), dtype, "conv2d: operands of dtypes {dtype:?} and {:?}", t.dtype());
            if dtype == DType::BF16 {
                convert_bf16_to_f32(t)
            } else {
                t.to_contiguous()
            }
        })
        .collect();
    let bytes: Vec<&[u8]> = contiguous.iter().map(|t| t.bytes()).collect();
    match dtype {
        DType::F32 | DType::F64 | DType::F16 => {
            FlexTensor::new(f(&bytes, dtype), Layout::contiguous(shape), dtype)
        }
        DType::BF16 => {
            let result = FlexTensor::new(f(&bytes, DType::F32), Layout::contiguous(shape), DType::F32);
            convert_f32_to_bf16(&result)
        }
        dtype => panic!("conv2d: unsupported dtype {dtype:?}"),
    }
}

/// Calls `$body` with `$T` bound to the element type of `$dtype` (f32, f64 or f16).
macro_rules! by_dtype {
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            DType::F32 => {
                type $T = f32;
                $body
            }
            DType::F64 => {
                type $T = f64;
                $body
            }
            DType::F16 => {
                type $T = f16;
                $body
            }
            dtype => unreachable!("conv2d: dtype {dtype:?}"),
        }
    };
}

/// Adds `bias` (one value per channel) to `[batch, channels, plane]`.
fn with_bias<T: GemmElement + burn_backend::ElementAdd>(
    mut out: Vec<T>,
    bias: Option<&[u8]>,
    batch: usize,
    channels: usize,
) -> Vec<T> {
    if let Some(bias) = bias {
        let bias: &[T] = bytemuck::cast_slice(bias);
        let plane = if batch * channels == 0 { 0 } else { out.len() / (batch * channels) };
        add_bias(&mut out, bias, batch, channels, plane);
    }
    out
}

/// The geometry of a convolution of `x` by `weight` whose output is `grid` sized.
fn conv_geometry(
    x: [usize; 4],
    weight: [usize; 4],
    grid: [usize; 3],
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
    groups: usize,
) -> ConvGeometry {
    assert_eq!(
        x[1],
        weight[1] * groups,
        "conv2d: input channels {} but weight {:?} with {groups} groups",
        x[1],
        weight
    );
    assert_eq!(grid[0], weight[0], "conv2d: output channels {} but weight {:?}", grid[0], weight);
    ConvGeometry {
        batch: x[0],
        groups,
        image: [x[1], x[2], x[3]],
        grid,
        kernel: [weight[2], weight[3]],
        stride,
        padding,
        dilation,
    }
}

/// Forward 2-D convolution of `x` `[batch, C, H, W]` (3-D convolutions of depth one pass their
/// `[batch, C, 1, H, W]` here too) with symmetric `padding`; the output has `out_shape`.
pub(crate) fn conv2d(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    x_dims: [usize; 4],
    weight_dims: [usize; 4],
    options: &ConvOptions<2>,
    out_hw: [usize; 2],
    out_shape: Shape,
) -> FlexTensor {
    let geo = conv_geometry(
        x_dims,
        weight_dims,
        [weight_dims[0], out_hw[0], out_hw[1]],
        options.stride,
        options.padding_begin(),
        options.dilation,
        options.groups,
    );
    let mut operands = vec![&x, &weight];
    operands.extend(bias.as_ref());
    run_float(&operands, out_shape, |b, dtype| {
        by_dtype!(dtype, T => {
            let grid = conv_gemm::image_to_grid::<T>(bytemuck::cast_slice(b[0]), bytemuck::cast_slice(b[1]), &geo);
            Bytes::from_elems(with_bias(grid, b.get(2).copied(), geo.batch, geo.grid[0]))
        })
    })
}

/// `ModuleOps::conv2d_x_backward`.
pub(crate) fn conv2d_x_backward(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let x_dims = dims4(&x, "x");
    let [_, g, oh, ow] = dims4(&output_grad, "output gradient");
    let geo = conv_geometry(
        x_dims,
        dims4(&weight, "weight"),
        [g, oh, ow],
        options.stride,
        options.padding_begin(),
        options.dilation,
        options.groups,
    );
    run_float(&[&output_grad, &weight], Shape::from(x_dims.to_vec()), |b, dtype| {
        by_dtype!(dtype, T => Bytes::from_elems(conv_gemm::grid_to_image::<T>(
            bytemuck::cast_slice(b[0]),
            bytemuck::cast_slice(b[1]),
            &geo,
        )))
    })
}

/// `ModuleOps::conv2d_weight_backward`.
pub(crate) fn conv2d_weight_backward(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let weight_dims = dims4(&weight, "weight");
    let [_, g, oh, ow] = dims4(&output_grad, "output gradient");
    let geo = conv_geometry(
        dims4(&x, "x"),
        weight_dims,
        [g, oh, ow],
        options.stride,
        options.padding_begin(),
        options.dilation,
        options.groups,
    );
    run_float(&[&x, &output_grad], Shape::from(weight_dims.to_vec()), |b, dtype| {
        by_dtype!(dtype, T => Bytes::from_elems(conv_gemm::weight_grad::<T>(
            bytemuck::cast_slice(b[0]),
            bytemuck::cast_slice(b[1]),
            &geo,
        )))
    })
}

/// `ModuleOps::conv2d_bias_backward` and `conv_transpose2d_bias_backward`: the output
/// gradient summed over batch and plane.
pub(crate) fn bias_backward(output_grad: FlexTensor, bias_shape: Shape) -> FlexTensor {
    let [batch, channels, h, w] = dims4(&output_grad, "output gradient");
    run_float(&[&output_grad], bias_shape, |b, dtype| {
        by_dtype!(dtype, T => Bytes::from_elems(conv_gemm::channel_sums::<T>(
            bytemuck::cast_slice(b[0]),
            batch,
            channels,
            h * w,
        )))
    })
}

/// The geometry of a transposed convolution of `x` (the grid) by `weight`
/// `[C_in, C_out/groups, kh, kw]` whose output (the image) is `out` sized.
fn transpose_geometry(
    x: [usize; 4],
    weight: [usize; 4],
    out: [usize; 3],
    options: &ConvTransposeOptions<2>,
) -> ConvGeometry {
    assert_eq!(x[1], weight[0], "conv_transpose2d: input channels {} but weight {:?}", x[1], weight);
    ConvGeometry {
        batch: x[0],
        groups: options.groups,
        image: out,
        grid: [x[1], x[2], x[3]],
        kernel: [weight[2], weight[3]],
        stride: options.stride,
        padding: options.padding,
        dilation: options.dilation,
    }
}

/// `ModuleOps::conv_transpose2d`.
pub(crate) fn conv_transpose2d(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: &ConvTransposeOptions<2>,
) -> FlexTensor {
    let x_dims = dims4(&x, "x");
    let weight_dims = dims4(&weight, "weight");
    let out_size = |i: usize| {
        calculate_conv_transpose_output_size(
            weight_dims[2 + i],
            options.stride[i],
            options.padding[i],
            options.padding_out[i],
            options.dilation[i],
            x_dims[2 + i],
        )
    };
    let out = [weight_dims[1] * options.groups, out_size(0), out_size(1)];
    let geo = transpose_geometry(x_dims, weight_dims, out, options);
    let mut operands = vec![&x, &weight];
    operands.extend(bias.as_ref());
    let shape = Shape::from(vec![x_dims[0], out[0], out[1], out[2]]);
    run_float(&operands, shape, |b, dtype| {
        by_dtype!(dtype, T => {
            let image = conv_gemm::grid_to_image::<T>(bytemuck::cast_slice(b[0]), bytemuck::cast_slice(b[1]), &geo);
            Bytes::from_elems(with_bias(image, b.get(2).copied(), geo.batch, geo.image[0]))
        })
    })
}

/// `ModuleOps::conv_transpose2d_x_backward`; the input's size follows from the output's.
pub(crate) fn conv_transpose2d_x_backward(
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvTransposeOptions<2>,
) -> FlexTensor {
    let weight_dims = dims4(&weight, "weight");
    let [batch, c, h, w] = dims4(&output_grad, "output gradient");
    // The forward's output size solved for its input size.
    let in_size = |i: usize, out: usize| {
        (out + 2 * options.padding[i]
            - options.dilation[i] * (weight_dims[2 + i] - 1)
            - options.padding_out[i]
            - 1)
            / options.stride[i]
            + 1
    };
    let x_dims = [batch, weight_dims[0], in_size(0, h), in_size(1, w)];
    let geo = transpose_geometry(x_dims, weight_dims, [c, h, w], options);
    run_float(&[&output_grad, &weight], Shape::from(x_dims.to_vec()), |b, dtype| {
        by_dtype!(dtype, T => Bytes::from_elems(conv_gemm::image_to_grid::<T>(
            bytemuck::cast_slice(b[0]),
            bytemuck::cast_slice(b[1]),
            &geo,
        )))
    })
}

/// `ModuleOps::conv_transpose2d_weight_backward`.
pub(crate) fn conv_transpose2d_weight_backward(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvTransposeOptions<2>,
) -> FlexTensor {
    let weight_dims = dims4(&weight, "weight");
    let [_, c, h, w] = dims4(&output_grad, "output gradient");
    let geo = transpose_geometry(dims4(&x, "x"), weight_dims, [c, h, w], options);
    run_float(&[&output_grad, &x], Shape::from(weight_dims.to_vec()), |b, dtype| {
        by_dtype!(dtype, T => Bytes::from_elems(conv_gemm::weight_grad::<T>(
            bytemuck::cast_slice(b[0]),
            bytemuck::cast_slice(b[1]),
            &geo,
        )))
    })
}
