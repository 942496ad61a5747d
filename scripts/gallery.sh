#!/usr/bin/env bash
# Rebuilds the README gallery: trains every shipped generative config in full, draws 64 samples
# from each run's `best` checkpoint into docs/gallery/<config>.png, plots the VAE's curves, and
# writes docs/gallery/metrics.md with the metrics of each model after one training step and after
# the full run (same evaluation seed and held-out digits), and each run's wall time.
#   scripts/gallery.sh            # all four configs (~5 min on 2 cores)
#   scripts/gallery.sh vae-digits # one (metrics.md then holds its row only)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
frameworm=target/release/frameworm
out=docs/gallery
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
mkdir -p "$out"
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(vae-digits dcgan-digits ddpm-digits resnet-vae-digits)

metrics_for() {
    case "$1" in
        vae-digits|resnet-vae-digits) echo "fd-digits,psnr,ssim,mae" ;;
        *) echo "fd-digits" ;;
    esac
}

# One evaluation as a markdown table row fragment: "value | value | …".
scores() {
    "$frameworm" evaluate --checkpoint "$1" --metrics "$2" --n 500 --json |
        python3 -c 'import json,sys; print(", ".join("%s %.4g" % (s["metric"], s["value"]) for s in json.load(sys.stdin)["scores"]))'
}

table="$out/metrics.md"
{
    echo "| config | wall time | after 1 step | after training (best checkpoint) |"
    echo "|---|---|---|---|"
} > "$table.new"
for config in "${configs[@]}"; do
    metrics=$(metrics_for "$config")
    "$frameworm" train --quiet --config "configs/$config.yaml" --set "output_dir=$runs" --set name=untrained \
        --set training.max_steps=1 --set 'callbacks=[]' > /dev/null 2>&1
    before=$(scores "$runs"/untrained-*/checkpoints/latest "$metrics")
    rm -rf "$runs"/untrained-*
    start=$(date +%s.%N)
    "$frameworm" train --quiet --config "configs/$config.yaml" --set "output_dir=$runs" --set name=gallery --set 'callbacks=[]'
    wall=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.0f} s')" "$start" "$(date +%s.%N)")
    run=$(echo "$runs"/gallery-*)
    after=$(scores "$run/checkpoints/best" "$metrics")
    "$frameworm" sample --checkpoint "$run/checkpoints/best" --n 64 --seed 1 --out "$out/$config.png"
    [ "$config" != vae-digits ] || "$frameworm" plot "$run" --out "$out/vae-digits-curves.png"
    echo "| $config | $wall | $before | $after |" >> "$table.new"
    rm -rf "$run"
done
mv "$table.new" "$table"
cat "$table"
