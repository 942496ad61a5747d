#!/usr/bin/env python3
"""Where a training step's time goes on burn-flex: a per-op table from `perf` call stacks.

    cargo bench --bench throughput --no-run          # builds target/release/deps/throughput-*
    python3 scripts/flex-ops.py ddpm 32 [--steps 30] [--warmup 5] [--freq 499] [--top 25]

Runs one bare-loop case of the throughput bench (`--case MODEL,BATCH,bare`: the model, Adam and
pre-made batches with no engine around them) under `perf record --call-graph dwarf`, on both
cores, and gives every sample to the innermost burn-flex kernel on its stack
(`burn_flex::ops::<module>::<function>`). The heavy kernels run on rayon's worker threads, whose
stacks end at the pool, not at the model, so a kernel's row holds its forward and backward uses
(with the patched burn-flex all three products of a 2-D convolution are `conv_gemm` kernels). Samples outside every kernel go to burn-autodiff's graph, burn-optim, the allocator or
the rest. The class table lines up with `bench/pytorch/bench.py --ops MODEL BATCH`, PyTorch's
per-operator table for the same model; "zeroing pages" is the part of a row spent in the kernel
zeroing freshly faulted pages (`clear_page_erms`). ms/step is the share times the case's median
step.
Needs `perf` (Debian: linux-perf); sampling uses the cpu-clock software event, so it works where
hardware counters are not exposed.
"""

import argparse
import collections
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

FLEX_FRAME = re.compile(r"burn_flex::(?:ops::)?(\w+)::(?:<impl [^>]*>::)?(\w+)")
PAGE_ZEROING = ("clear_page_erms", "clear_page_rep", "clear_page", "folio_zero_user")
CONVOLUTIONS = "convolutions (forward and backward, their gemm and im2col)"
COPIES = "copies / layout (cat, slice, gather, contiguous)"
BINARY = "binary elementwise (add, mul, ...: norms, losses, Adam)"
KERNEL_CLASSES = {
    "conv": CONVOLUTIONS,
    "conv_transpose": CONVOLUTIONS,
    "conv_common": CONVOLUTIONS,
    "conv_gemm": CONVOLUTIONS,
    "conv2d_routes": CONVOLUTIONS,
    "deform_conv": CONVOLUTIONS,
    "matmul": "matmul / linear",
    "attention": "matmul / linear",
    "unary": "unary (exp, sigmoid, sqrt, ...: activations, norms, Adam)",
    "activation": "activations",
    "binary": BINARY,
    "comparison": BINARY,
    "reduce": "reductions (sum, mean: norms, losses)",
    "pool": "pooling",
    "cat": COPIES,
    "slice": COPIES,
    "gather_scatter": COPIES,
    "expand": COPIES,
    "repeat_dim": COPIES,
    "flip": COPIES,
    "zip": BINARY,  # burn_flex::zip: the broadcasting walk of binary ops
    "simd": "unary (exp, sigmoid, sqrt, ...: activations, norms, Adam)",  # burn_flex::simd: their vector kernels
    "tensor": COPIES,  # burn_flex::tensor::copy_2d_tiled and friends: making a layout contiguous
    "layout": COPIES,
}
# Release builds carry no inline information: a kernel body that rayon runs as a closure shows as
# the generic `<&F as FnMut>::call_mut`, named by no kernel (build `--profile profiling` and use
# `perf report --inline` to split it).
CLOSURE = "<impl core::ops::function::FnMut<A> for &F>::call_mut"


def classify(frames):
    """(class, kernel, zeroing) of one sample's stack, frames leaf first."""
    zeroing = bool(frames) and frames[0].split()[0] in PAGE_ZEROING
    for frame in frames:
        match = FLEX_FRAME.search(frame)
        if match:
            module, function = match.groups()
            if module == "module":  # ModuleOps: interpolate, pooling, layer norm, embedding
                label = "interpolate (upsample)" if "interpolate" in function else f"module ops ({function})"
            else:
                label = KERNEL_CLASSES.get(module, f"other burn-flex kernels ({module})")
            return label, f"{module}::{function}", zeroing
    text = " ".join(frames)
    if CLOSURE in frames[0] or (len(frames) > 1 and frames[0].startswith("clear_page") and CLOSURE in text):
        return "kernel bodies run as rayon closures (unnamed)", "rayon closure", zeroing
    if "burn_optim::" in text:
        return "burn-optim outside kernels", "burn_optim", zeroing
    if "burn_autodiff::" in text:
        return "burn-autodiff graph outside kernels", "burn_autodiff", zeroing
    if re.search(r"\bmi_|_mi_", text):
        return "allocation outside kernels", "mimalloc", zeroing
    return "other (the loop, batches, rayon idle)", "other", zeroing


def bench_executable():
    found = [path for path in glob.glob(os.path.join(ROOT, "target/release/deps/throughput-*"))
             if os.access(path, os.X_OK) and not path.endswith(".d")]
    if not found:
        sys.exit("flex-ops: no target/release/deps/throughput-* (run `cargo bench --bench throughput --no-run` first)")
    return max(found, key=os.path.getmtime)


def samples(script_output):
    """The stacks of `perf script`: one list of symbol names per sample, leaf first."""
    stack = []
    for line in script_output.splitlines():
        if not line.strip():
            if stack:
                yield stack
            stack = []
        elif line.startswith((" ", "\t")):
            parts = line.strip().split(None, 1)
            stack.append(parts[1] if len(parts) > 1 else parts[0])
    if stack:
        yield stack


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("batch", type=int)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--freq", type=int, default=499, help="samples per second per thread (default 499)")
    parser.add_argument("--top", type=int, default=15, help="rows of the kernel table (default 15)")
    parser.add_argument("--json", metavar="PATH", help="also write the class shares here")
    args = parser.parse_args()

    exe = bench_executable()
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        case = [exe, "--case", f"{args.model},{args.batch},bare", "--warmup", str(args.warmup), "--steps", str(args.steps)]
        record = ["perf", "record", "-q", "-e", "cpu-clock", "-F", str(args.freq), "--call-graph", "dwarf,32768", "-o", data, "--"] + case
        ran = subprocess.run(record, capture_output=True, text=True)
        if ran.returncode != 0:
            sys.exit(f"flex-ops: perf record failed ({ran.returncode}):\n{ran.stderr}")
        case_result = None
        for line in ran.stdout.splitlines():
            if line.startswith("THROUGHPUT-RESULT "):
                case_result = json.loads(line.split(" ", 1)[1])
        script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym", "--no-inline"], capture_output=True, text=True)
        if script.returncode != 0:
            sys.exit(f"flex-ops: perf script failed:\n{script.stderr}")
    by_class, by_kernel, zeroing_in = collections.Counter(), collections.Counter(), collections.Counter()
    total = 0
    for stack in samples(script.stdout):
        label, kernel, zeroing = classify(stack)
        by_class[label] += 1
        by_kernel[kernel] += 1
        zeroing_in[label] += zeroing
        total += 1
    if total == 0:
        sys.exit("flex-ops: perf recorded no samples")
    step_ms = case_result.get("step_ms_median") if case_result else None
    print(f"burn-flex: {args.model} batch {args.batch}, bare loop, {args.steps} steps after {args.warmup} warm-up, "
          f"{total} samples over both cores" + (f", median step {step_ms:.2f} ms" if step_ms else ""))
    print(f"{'op class':<62}{'share':>8}{'zeroing pages':>15}" + (f"{'ms/step':>10}" if step_ms else ""))
    for label, n in by_class.most_common():
        line = f"{label:<62}{100 * n / total:>7.1f}%{100 * zeroing_in[label] / total:>14.1f}%"
        print(line + (f"{step_ms * n / total:>10.2f}" if step_ms else ""))
    print(f"{'all':<62}{100.0:>7.1f}%{100 * sum(zeroing_in.values()) / total:>14.1f}%")
    print()
    print(f"{'burn-flex kernel':<50}{'share':>8}")
    for kernel, n in by_kernel.most_common(args.top):
        print(f"{kernel:<50}{100 * n / total:>7.1f}%")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"model": args.model, "batch": args.batch, "step_ms": step_ms,
                       "classes": {label: n / total for label, n in by_class.items()}}, out, indent=2)


if __name__ == "__main__":
    main()
