#!/usr/bin/env python3
"""PyTorch baseline for Frameworm's training-speed benchmark.

The built-in models, written in PyTorch with the architectures, parameter counts, losses and
optimizer of the Rust plugins (plugins/mlp-classifier, vae, dcgan + gan-trainer, ddpm,
char-transformer) at the shipped configs' widths, on 1×28×28 images (5 classes) or windows of
64 character ids (the vocabulary of the shipped text). Each case (model × batch size) runs in a
fresh subprocess: W warm-up steps, then N timed steps on pre-made random batches; it reports
samples per second (real images or windows per second; for the GAN one step is one
discriminator update then one generator update; for the transformer also tokens per second)
and the process's peak resident memory.

    bench/pytorch/.venv/bin/python bench/pytorch/bench.py [--threads N] [--warmup 5] [--steps 30]
        [--batches 32 128] [--models mlp-classifier vae dcgan ddpm char-transformer] [--repeat 1] [--json results.json]
    bench/pytorch/.venv/bin/python bench/pytorch/bench.py --params [--bpk vae=model.bpk ...]
    bench/pytorch/.venv/bin/python bench/pytorch/bench.py --ops ddpm 32 [--threads 2] [--steps 30]

`--params` prints the parameter counts and, given burn checkpoints (`model.bpk` of a
`frameworm train` run on 1×28×28 data), compares every parameter tensor of the Rust model with
the PyTorch one (names mapped: burn's norm `gamma`/`beta` are PyTorch's `weight`/`bias`, and
burn stores a linear layer's weight as [in, out], PyTorch as [out, in]).

`--ops MODEL BATCH` runs one case under `torch.profiler` and prints where a step's time goes:
each aten operator's self CPU time per step, gathered into the op classes of the Rust bench's
`--ops` table (benches/README.md), so the two can be read side by side.
"""

import argparse
import json
import math
import os
import resource
import struct
import subprocess
import sys
import time

MODELS = ["mlp-classifier", "vae", "dcgan", "ddpm", "char-transformer"]
SIDE = 28          # MNIST-sized images: the Rust bench uses the `synthetic` dataset with side 28
CHANNELS = 1
CLASSES = 5        # the synthetic dataset's five shapes
# burn's Adam defaults (AdamConfig::new()): beta 0.9/0.999, epsilon 1e-5 (PyTorch's default is 1e-8).
ADAM = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-5, weight_decay=0.0)
# char-transformer at configs/char-transformer.yaml: windows of 64 characters of the shipped
# King James Bible, whose vocabulary (its distinct characters) sizes the embedding and the head.
CONTEXT = 64
TEXT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "plugins", "text", "data", "kjv.txt.gz")


def text_vocabulary():
    """The text dataset's character vocabulary size for the shipped text (its distinct characters)."""
    import gzip

    with gzip.open(TEXT, "rb") as file:
        return len(set(file.read().decode("utf-8")))


def build(name):
    """The model of `name` (torch imported lazily so `--help` is fast)."""
    import torch
    from torch import nn
    import torch.nn.functional as F

    class MlpClassifier(nn.Module):
        """plugins/mlp-classifier, `hidden: [128, 64]`: Linear → ReLU per hidden width, linear head;
        cross-entropy (accuracy computed as the plugin does)."""

        def __init__(self, hidden=(128, 64), classes=CLASSES):
            super().__init__()
            widths = [CHANNELS * SIDE * SIDE, *hidden]
            self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
            self.head = nn.Linear(widths[-1], classes)

        def forward(self, images):
            x = images.flatten(1)
            for layer in self.hidden:
                x = F.relu(layer(x))
            return self.head(x)

        def loss(self, images, labels):
            logits = self(images)
            _accuracy = (logits.detach().argmax(1) == labels).float().mean()
            return F.cross_entropy(logits, labels)

    class Vae(nn.Module):
        """plugins/vae, `latent_dim: 8, channels: [32, 64]`: 3×3 stride-2 convs (28 → 14 → 7) with
        ReLU, linear mu/logvar; linear (ReLU) back to 64×7×7, 3×3 stride-2 transposed convs with
        output padding restoring 14 and 28; BCE on logits summed over pixels + KL, batch means."""

        def __init__(self, latent=8, channels=(32, 64), beta=1.0):
            super().__init__()
            sizes = [SIDE]
            for _ in channels:
                sizes.append(math.ceil(sizes[-1] / 2))
            widths = [CHANNELS, *channels]
            self.encoder = nn.ModuleList(
                nn.Conv2d(a, b, 3, stride=2, padding=1) for a, b in zip(widths, widths[1:]))
            self.bottleneck = (widths[-1], sizes[-1], sizes[-1])
            flat = widths[-1] * sizes[-1] * sizes[-1]
            self.to_mu = nn.Linear(flat, latent)
            self.to_logvar = nn.Linear(flat, latent)
            self.from_latent = nn.Linear(latent, flat)
            self.decoder = nn.ModuleList(
                nn.ConvTranspose2d(widths[i + 1], widths[i], 3, stride=2, padding=1,
                                   output_padding=1 - sizes[i] % 2)
                for i in reversed(range(len(channels))))
            self.beta = beta

        def encode(self, images):
            x = images
            for conv in self.encoder:
                x = F.relu(conv(x))
            flat = x.flatten(1)
            return self.to_mu(flat), self.to_logvar(flat)

        def decode_logits(self, z):
            x = F.relu(self.from_latent(z)).reshape(z.shape[0], *self.bottleneck)
            for index, deconv in enumerate(self.decoder):
                x = deconv(x)
                if index != len(self.decoder) - 1:
                    x = F.relu(x)
            return x

        def loss(self, images, _labels):
            n = images.shape[0]
            mu, logvar = self.encode(images)
            eps = torch.randn_like(mu)
            z = mu + (logvar * 0.5).exp() * eps
            logits = self.decode_logits(z)
            bce = -F.logsigmoid(-logits) - images * logits
            reconstruction = bce.sum() / n
            kl = (logvar + 1.0 - mu.pow(2) - logvar.exp()).sum() * (-0.5 / n)
            return reconstruction + kl * self.beta

    def halving(side, layers):
        sizes = [side]
        for _ in range(layers):
            sizes.append(sizes[-1] // 2)
        return sizes

    class Generator(nn.Module):
        """plugins/dcgan generator, `latent_dim: 32, generator_channels: [128, 64]`: linear onto
        128×7×7 → batch norm → ReLU, 4×4 stride-2 transposed convs 7 → 14 → 28 (batch norm + ReLU
        between), sigmoid."""

        def __init__(self, latent=32, channels=(128, 64)):
            super().__init__()
            layers = len(channels)
            sizes = halving(SIDE, layers)
            widths = [*channels, CHANNELS]
            self.bottom = (widths[0], sizes[layers], sizes[layers])
            self.latent = latent
            self.project = nn.Linear(latent, widths[0] * sizes[layers] ** 2)
            self.project_norm = nn.BatchNorm2d(widths[0], eps=1e-5, momentum=0.1)
            self.layers = nn.ModuleList(
                nn.ConvTranspose2d(widths[k], widths[k + 1], 4, stride=2, padding=1,
                                   output_padding=sizes[layers - k - 1] - 2 * sizes[layers - k])
                for k in range(layers))
            self.norms = nn.ModuleList(nn.BatchNorm2d(c, eps=1e-5, momentum=0.1) for c in widths[1:layers])

        def forward(self, z):
            x = F.relu(self.project_norm(self.project(z).reshape(z.shape[0], *self.bottom)))
            for index, deconv in enumerate(self.layers):
                x = deconv(x)
                if index != len(self.layers) - 1:
                    x = F.relu(self.norms[index](x))
            return torch.sigmoid(x)

    class Discriminator(nn.Module):
        """plugins/dcgan discriminator, `discriminator_channels: [64, 128]`: 4×4 stride-2 convs
        28 → 14 → 7 with leaky ReLU (0.2), linear to one logit."""

        def __init__(self, channels=(64, 128), slope=0.2):
            super().__init__()
            layers = len(channels)
            bottom = halving(SIDE, layers)[layers]
            widths = [CHANNELS, *channels]
            self.layers = nn.ModuleList(
                nn.Conv2d(a, b, 4, stride=2, padding=1) for a, b in zip(widths, widths[1:]))
            self.head = nn.Linear(widths[-1] * bottom * bottom, 1)
            self.slope = slope

        def forward(self, images):
            x = images
            for conv in self.layers:
                x = F.leaky_relu(conv(x), self.slope)
            return self.head(x.flatten(1))

    class Dcgan(nn.Module):
        def __init__(self):
            super().__init__()
            self.generator = Generator()
            self.discriminator = Discriminator()

    class ResBlock(nn.Module):
        """plugins/ddpm ResBlock: (group norm → SiLU → 3×3 conv) twice, the projected timestep
        embedding added after the first conv, 1×1 conv shortcut when the width changes."""

        def __init__(self, cin, cout, time_dim, groups):
            super().__init__()
            self.norm1 = nn.GroupNorm(groups, cin, eps=1e-5)
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
            self.time = nn.Linear(time_dim, cout)
            self.norm2 = nn.GroupNorm(groups, cout, eps=1e-5)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
            self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

        def forward(self, x, time):
            h = self.conv1(F.silu(self.norm1(x)))
            h = h + self.time(time)[:, :, None, None]
            h = self.conv2(F.silu(self.norm2(h)))
            return (self.shortcut(x) if self.shortcut is not None else x) + h

    class Ddpm(nn.Module):
        """plugins/ddpm, `channels: [16, 32], timesteps: 200`, linear β 1e-4..0.02, groups 8: the
        U-Net noise predictor; loss MSE(ε_θ(x_t, t), ε) with t ~ U{0..T−1} per item."""

        def __init__(self, widths=(16, 32), timesteps=200, groups=8, beta_start=1e-4, beta_end=0.02):
            super().__init__()
            levels = len(widths)
            self.embed_dim = (widths[0] + 1) // 2 * 2
            time_dim = widths[0] * 4
            self.input = nn.Conv2d(CHANNELS, widths[0], 3, padding=1)
            self.time1 = nn.Linear(self.embed_dim, time_dim)
            self.time2 = nn.Linear(time_dim, time_dim)
            down, previous = [], widths[0]
            for width in widths:
                down.append(ResBlock(previous, width, time_dim, groups))
                previous = width
            self.down = nn.ModuleList(down)
            self.downsample = nn.ModuleList(nn.Conv2d(c, c, 3, stride=2, padding=1) for c in widths[:-1])
            self.middle = ResBlock(widths[-1], widths[-1], time_dim, groups)
            up, upsample, current = [], [], widths[-1]
            for level in reversed(range(levels)):
                up.append(ResBlock(current + widths[level], widths[level], time_dim, groups))
                current = widths[level]
                if level > 0:
                    upsample.append(nn.Conv2d(current, current, 3, padding=1))
            self.up = nn.ModuleList(up)
            self.upsample = nn.ModuleList(upsample)
            self.out_norm = nn.GroupNorm(groups, widths[0], eps=1e-5)
            self.output = nn.Conv2d(widths[0], CHANNELS, 3, padding=1)
            nn.init.zeros_(self.output.weight)
            nn.init.zeros_(self.output.bias)
            self.timesteps = timesteps
            betas = [beta_start + (beta_end - beta_start) * t / (timesteps - 1) if timesteps > 1 else beta_start
                     for t in range(timesteps)]
            alphas_bar, product = [], 1.0
            for beta in betas:
                product *= 1.0 - beta
                alphas_bar.append(product)
            self.register_buffer("alphas_bar", torch.tensor(alphas_bar, dtype=torch.float32), persistent=False)

        def embed(self, t):
            half = self.embed_dim // 2
            freqs = torch.tensor([math.exp(-math.log(10_000.0) * i / half) for i in range(half)],
                                 dtype=torch.float32).reshape(1, half)
            args = t.reshape(-1, 1) * freqs
            return torch.cat([args.sin(), args.cos()], 1)

        def predict_noise(self, x, t):
            time = F.silu(self.time2(F.silu(self.time1(self.embed(t)))))
            h = self.input(x)
            skips = []
            for level, block in enumerate(self.down):
                h = block(h, time)
                skips.append(h)
                if level < len(self.downsample):
                    h = self.downsample[level](h)
            h = self.middle(h, time)
            for index, block in enumerate(self.up):
                h = block(torch.cat([h, skips.pop()], 1), time)
                if index < len(self.upsample):
                    h = self.upsample[index](F.interpolate(h, size=(h.shape[2] * 2, h.shape[3] * 2), mode="nearest"))
            return self.output(F.silu(self.out_norm(h)))

        def loss(self, images, _labels):
            x0 = images * 2.0 - 1.0
            n = x0.shape[0]
            t = torch.empty(n).uniform_(0.0, float(self.timesteps)).floor().clamp(0.0, self.timesteps - 1)
            noise = torch.randn_like(x0)
            alphas_bar = self.alphas_bar.index_select(0, t.long()).reshape(n, 1, 1, 1)
            x_t = x0 * alphas_bar.sqrt() + noise * (1.0 - alphas_bar).sqrt()
            predicted = self.predict_noise(x_t, t)
            return (predicted - noise).pow(2).mean()

    class CharTransformer(nn.Module):
        """plugins/char-transformer, `layers: 2, d_model: 128, heads: 4, dropout: 0` (d_ff 4 × d_model):
        token + learned position embeddings, pre-norm blocks of causal self-attention and a GELU
        feed-forward layer (burn's TransformerEncoder with norm_first and an autoregressive mask),
        a final layer norm and a linear head over the vocabulary; cross-entropy against the next
        token at every position, averaged over batch × context."""

        def __init__(self, vocabulary, context=CONTEXT, d_model=128, heads=4, layers=2):
            super().__init__()
            self.vocabulary = vocabulary
            self.tokens = nn.Embedding(vocabulary, d_model)
            self.positions = nn.Embedding(context, d_model)
            block = nn.TransformerEncoderLayer(d_model, heads, dim_feedforward=4 * d_model, dropout=0.0,
                                               activation="gelu", batch_first=True, norm_first=True)
            self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(d_model, eps=1e-5)
            self.head = nn.Linear(d_model, vocabulary)
            self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(context), persistent=False)

        def forward(self, ids):
            t = ids.shape[1]
            x = self.tokens(ids) + self.positions(torch.arange(t)).unsqueeze(0)
            x = self.blocks(x, mask=self.mask[:t, :t], is_causal=True)
            return self.head(self.norm(x))

        def loss(self, ids, next_ids):
            logits = self(ids)
            return F.cross_entropy(logits.reshape(-1, self.vocabulary), next_ids.reshape(-1))

    if name == "char-transformer":
        return CharTransformer(text_vocabulary())
    return {"mlp-classifier": MlpClassifier, "vae": Vae, "dcgan": Dcgan, "ddpm": Ddpm}[name]()


def make_batch(name, model, batch):
    """One pre-made random batch: images in [0, 1] and labels, or token windows and next tokens."""
    import torch

    if name == "char-transformer":
        return (torch.randint(0, model.vocabulary, (batch, CONTEXT)), torch.randint(0, model.vocabulary, (batch, CONTEXT)))
    return (torch.rand(batch, CHANNELS, SIDE, SIDE), torch.randint(0, CLASSES, (batch,)))


def make_step(name, model):
    """One training step on a batch, as the Rust trainers do it."""
    import torch
    import torch.nn.functional as F

    if name == "dcgan":
        g, d = model.generator, model.discriminator
        # gan-trainer: its own Adam for the discriminator, the run's optimizer for the generator.
        d_optim = torch.optim.Adam(d.parameters(), **ADAM)
        g_optim = torch.optim.Adam(g.parameters(), **ADAM)

        def step(images, _labels):
            n = images.shape[0]
            # 1. Discriminator: fakes from fresh noise, detached; BCE(D(real), 1) + BCE(D(fake), 0).
            fake = g(torch.randn(n, g.latent)).detach()
            real_logits, fake_logits = d(images), d(fake)
            _d_real = torch.sigmoid(real_logits.detach()).mean()
            _d_fake = torch.sigmoid(fake_logits.detach()).mean()
            d_loss = (-F.logsigmoid(real_logits)).mean() + (-F.logsigmoid(-fake_logits)).mean()
            d_optim.zero_grad(set_to_none=True)
            d_loss.backward()
            d_optim.step()
            # 2. Generator: fresh noise, non-saturating BCE(D(G(z)), 1); only G's parameters move.
            g_loss = (-F.logsigmoid(d(g(torch.randn(n, g.latent))))).mean()
            g_optim.zero_grad(set_to_none=True)
            g_loss.backward()
            g_optim.step()
            return d_loss.item() + g_loss.item()

        return step

    optim = torch.optim.Adam(model.parameters(), **ADAM)

    def step(images, labels):
        loss = model.loss(images, labels)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
        return loss.item()

    return step


def count_params(module):
    return sum(p.numel() for p in module.parameters())


def run_case(name, batch, threads, warmup, steps, batches):
    """Runs one case in this process and returns its measurements."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(42)  # the Rust bench's seed (the speed does not depend on it)
    rss_import_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    model = build(name)
    model.train()
    step = make_step(name, model)
    data = [make_batch(name, model, batch) for _ in range(batches)]
    for i in range(warmup):
        step(*data[i % batches])
    cpu0, start = time.process_time(), time.perf_counter()
    loss = float("nan")
    for i in range(steps):
        loss = step(*data[(warmup + i) % batches])
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    if not math.isfinite(loss):
        raise SystemExit(f"{name}: the loss is not finite ({loss})")
    return {
        "model": name,
        "batch": batch,
        "samples_per_s": batch * steps / elapsed,
        "tokens_per_s": batch * CONTEXT * steps / elapsed if name == "char-transformer" else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "step_ms": 1000 * elapsed / steps,
        "cpu_percent": 100 * cpu / elapsed,
        "rss_after_import_mb": rss_import_mb,
        "params": count_params(model),
        "threads": torch.get_num_threads(),
    }


# The op classes both `--ops` tables use (benches/README.md): first matching pattern wins.
OP_CLASSES = [
    ("conv: backward", ("convolution_backward",)),
    ("conv / transposed conv: forward", ("conv", "mkldnn_convolution", "_convolution")),
    ("matmul / linear", ("mm", "addmm", "bmm", "matmul", "linear", "baddbmm")),
    ("group / batch / layer norm", ("norm",)),
    ("optimizer (Adam)", ("_foreach", "_fused_adam", "adam")),
    ("interpolate (upsample)", ("upsample",)),
    ("activations", ("silu", "relu", "sigmoid", "gelu", "tanh", "leaky", "softplus", "logsigmoid", "threshold")),
    ("softmax / exp / log", ("softmax", "exp", "log")),
    ("reductions", ("sum", "mean", "max", "min", "nll", "cross_entropy", "mse")),
    ("copies / layout", ("copy", "cat", "clone", "contiguous", "empty", "zero", "fill", "index", "permute", "transpose", "view", "reshape", "expand", "slice", "select", "stack", "split")),
    ("elementwise", ("add", "sub", "mul", "div", "pow", "sqrt", "rsqrt", "neg", "where", "clamp", "floor", "randn", "rand", "uniform", "normal")),
]


def op_class(name):
    short = name.split("::")[-1].lower()
    for label, patterns in OP_CLASSES:
        if any(pattern in short for pattern in patterns):
            return label
    return "other"


def profile_case(name, batch, threads, warmup, steps, batches):
    """Where one case's step goes: aten operators' self CPU time per step, by class and by op."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    torch.set_num_threads(threads)
    torch.manual_seed(42)
    model = build(name)
    model.train()
    step = make_step(name, model)
    data = [make_batch(name, model, batch) for _ in range(batches)]
    for i in range(warmup):
        step(*data[i % batches])
    start = time.perf_counter()
    for i in range(steps):
        step(*data[(warmup + i) % batches])
    plain_ms = 1000 * (time.perf_counter() - start) / steps
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for i in range(steps):
            step(*data[(warmup + i) % batches])
    # Self time of the innermost aten operators (no double counting of nested calls).
    rows = [(e.key, e.self_cpu_time_total / 1000 / steps, e.count // steps) for e in prof.key_averages()
            if e.self_cpu_time_total > 0]
    profiled_ms = sum(ms for _, ms, _ in rows)
    by_class = {}
    for key, ms, _ in rows:
        by_class[op_class(key)] = by_class.get(op_class(key), 0.0) + ms
    print(f"PyTorch {torch.__version__}: {name} batch {batch}, {threads} threads, {steps} steps: "
          f"{plain_ms:.2f} ms/step unprofiled, {profiled_ms:.2f} ms/step of operator self time profiled")
    print(f"{'op class':<34}{'ms/step':>10}{'share':>8}")
    for label, ms in sorted(by_class.items(), key=lambda item: -item[1]):
        print(f"{label:<34}{ms:>10.3f}{100 * ms / profiled_ms:>7.1f}%")
    print()
    print(f"{'aten operator':<44}{'calls/step':>11}{'ms/step':>10}{'share':>8}")
    for key, ms, calls in sorted(rows, key=lambda row: -row[1])[:25]:
        print(f"{key:<44}{calls:>11}{ms:>10.3f}{100 * ms / profiled_ms:>7.1f}%")


# --- burn checkpoints (burnpack, `model.bpk`): just enough of a reader to list the tensors ----------

def _cbor(data, pos):
    """Decodes one CBOR item at `pos`; returns (value, next position)."""
    head = data[pos]
    major, info = head >> 5, head & 31
    pos += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        arg = int.from_bytes(data[pos:pos + size], "big")
        pos += size
    else:
        raise ValueError(f"unsupported CBOR item 0x{head:02x} at {pos - 1}")
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major == 2:
        return bytes(data[pos:pos + arg]), pos + arg
    if major == 3:
        return data[pos:pos + arg].decode(), pos + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, pos = _cbor(data, pos)
            items.append(item)
        return items, pos
    if major == 5:
        items = {}
        for _ in range(arg):
            key, pos = _cbor(data, pos)
            items[key], pos = _cbor(data, pos)
        return items, pos
    if major == 6:
        return _cbor(data, pos)
    if major == 7:
        if info == 20:
            return False, pos
        if info == 21:
            return True, pos
        if info == 22:
            return None, pos
        if info == 25:
            return struct.unpack(">e", arg.to_bytes(2, "big"))[0], pos
        if info == 26:
            return struct.unpack(">f", arg.to_bytes(4, "big"))[0], pos
        if info == 27:
            return struct.unpack(">d", arg.to_bytes(8, "big"))[0], pos
    raise ValueError(f"unsupported CBOR item 0x{head:02x}")


def burnpack_tensors(path):
    """{name: shape} of the tensors in a burnpack file ("NRUB", u16 version, u32 LE metadata
    length, CBOR metadata, tensor data)."""
    with open(path, "rb") as file:
        data = file.read()
    if data[:4] != b"NRUB":
        raise SystemExit(f"{path}: not a burnpack file (no NRUB magic)")
    (length,) = struct.unpack("<I", data[6:10])
    metadata, _ = _cbor(data[10:10 + length], 0)
    return {name: list(entry["shape"]) for name, entry in metadata["tensors"].items()}


def torch_tensors(module):
    """{name: shape} of the parameters, in burn's naming and layout (see the module docs)."""
    from torch import nn

    linear_weights = {f"{prefix}.weight" if prefix else "weight"
                      for prefix, sub in module.named_modules() if isinstance(sub, nn.Linear)}
    norms = {prefix for prefix, sub in module.named_modules()
             if isinstance(sub, (nn.BatchNorm2d, nn.GroupNorm))}
    tensors = {}
    for name, param in module.named_parameters():
        prefix, _, leaf = name.rpartition(".")
        shape = list(param.shape)
        if name in linear_weights:
            shape = shape[::-1]
        if prefix in norms:
            leaf = {"weight": "gamma", "bias": "beta"}[leaf]
        tensors[f"{prefix}.{leaf}" if prefix else leaf] = shape
    return tensors


def params_report(bpk):
    import torch

    torch.manual_seed(0)
    ok = True
    print(f"{'model':<16}{'PyTorch params':>16}{'Rust params':>14}  tensors")
    for name in MODELS:
        model = build(name)
        ours = torch_tensors(model)
        total = count_params(model)
        detail = ""
        if name == "dcgan":
            detail = f" (G {count_params(model.generator):,} + D {count_params(model.discriminator):,})"
        rust = "-"
        verdict = "(no Rust checkpoint given)"
        if name in bpk:
            theirs = {k: v for k, v in burnpack_tensors(bpk[name]).items()
                      if not k.endswith(("running_mean", "running_var"))}
            rust_total = sum(math.prod(shape) for shape in theirs.values())
            rust = f"{rust_total:,}"
            if name == "char-transformer":
                # PyTorch packs a block's query, key and value in one in_proj tensor, burn keeps
                # three linear layers: only the totals compare.
                ok = ok and rust_total == total
                verdict = ("totals match" if rust_total == total else "MISMATCH in total") + \
                    f" ({len(theirs)} burn tensors, {len(ours)} PyTorch tensors: q, k, v packed in in_proj)"
            elif theirs == ours and rust_total == total:
                verdict = f"all {len(ours)} parameter tensors match (names and shapes)"
            else:
                ok = False
                diff = sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))
                verdict = "MISMATCH: " + ", ".join(f"{k}: rust {theirs.get(k)} torch {ours.get(k)}" for k in diff)
        print(f"{name:<16}{total:>16,}{rust:>14}  {verdict}{detail}")
    return ok


def others_busy_percent(seconds=1.0):
    """CPU use of everything else on the machine just before a case, in percent of one core (0 to
    100 × cores), from /proc/stat; None where it cannot be read."""
    def sample():
        with open("/proc/stat") as file:
            fields = [int(v) for v in file.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields[:8]) - idle, sum(fields[:8])
    try:
        busy0, total0 = sample()
        time.sleep(seconds)
        busy1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    cores = os.cpu_count() or 1
    return 100.0 * cores * (busy1 - busy0) / max(total1 - total0, 1)


def loadavg():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch.set_num_threads (default: all cores)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (default 5)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps (default 30)")
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 128], help="batch sizes (default 32 128)")
    parser.add_argument("--pool", type=int, default=8, help="pre-made random batches cycled through (default 8, as the Rust bare loop)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each case this many times, each in a fresh process; report the median samples/s "
                             "and the largest peak RSS (default 1)")
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--json", metavar="PATH", help="write [{model, batch, samples_per_s, peak_rss_mb}] here")
    parser.add_argument("--params", action="store_true", help="print parameter counts (and compare with --bpk) and exit")
    parser.add_argument("--bpk", nargs="*", default=[], metavar="MODEL=PATH", help="burn checkpoints (model.bpk) for --params")
    parser.add_argument("--ops", nargs=2, metavar=("MODEL", "BATCH"),
                        help="profile one case with torch.profiler: each op's share of a step")
    parser.add_argument("--case", nargs=2, metavar=("MODEL", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.ops:
        if args.ops[0] not in MODELS:
            parser.error(f"--ops: unknown model {args.ops[0]!r}; choose from {MODELS}")
        profile_case(args.ops[0], int(args.ops[1]), args.threads, args.warmup, args.steps, args.pool)
        return
    if args.case:
        result = run_case(args.case[0], int(args.case[1]), args.threads, args.warmup, args.steps, args.pool)
        print(json.dumps(result))
        return
    if args.params:
        bpk = dict(item.split("=", 1) for item in args.bpk)
        unknown = set(bpk) - set(MODELS)
        if unknown:
            parser.error(f"--bpk: unknown model(s) {sorted(unknown)}; choose from {MODELS}")
        sys.exit(0 if params_report(bpk) else 1)

    import torch  # only for the version line; each case runs in its own process

    print(f"PyTorch {torch.__version__}, {args.threads} threads, {args.warmup} warm-up + {args.steps} timed steps, "
          f"{SIDE}×{SIDE}×{CHANNELS} images (char-transformer: windows of {CONTEXT} tokens), median of {args.repeat} process(es) per case; "
          f"load average before: {loadavg()}")
    results = []
    header = (f"{'model':<16}{'batch':>6}{'samples/s':>12}{'ms/step':>10}{'CPU %':>8}{'peak RSS MB':>13}"
              f"{'params':>10}{'others %':>10}")
    print(header)
    print("-" * len(header))
    for name in args.models:
        for batch in args.batches:
            command = [sys.executable, os.path.abspath(__file__), "--case", name, str(batch),
                       "--threads", str(args.threads), "--warmup", str(args.warmup),
                       "--steps", str(args.steps), "--pool", str(args.pool)]
            runs = []
            for _ in range(args.repeat):
                others = others_busy_percent()
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode != 0:
                    sys.stderr.write(done.stderr)
                    raise SystemExit(f"case {name} batch {batch} failed (exit {done.returncode})")
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
                runs[-1]["others_percent"] = others
            runs.sort(key=lambda run: run["samples_per_s"])
            r = dict(runs[len(runs) // 2])
            r["peak_rss_mb"] = max(run["peak_rss_mb"] for run in runs)
            measured = [run["others_percent"] for run in runs if run["others_percent"] is not None]
            busy = f"{max(measured):.0f}" if measured else "?"
            results.append(r)
            print(f"{name:<16}{batch:>6}{r['samples_per_s']:>12,.0f}{r['step_ms']:>10.1f}{r['cpu_percent']:>8.0f}"
                  f"{r['peak_rss_mb']:>13.0f}{r['params']:>10,}{busy:>10}", flush=True)
    print(f"load average after: {loadavg()}")
    print("others %: CPU use of other processes in the second before each run (worst of the runs), in % of one "
          "core; with PyTorch's spinning OpenMP threads, anything above ~20 % can slow a case down many times.")
    if args.json:
        keys = ("model", "batch", "samples_per_s", "tokens_per_s", "peak_rss_mb", "params")
        with open(args.json, "w") as file:
            json.dump([{k: r[k] for k in keys} for r in results], file, indent=2)
            file.write("\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
