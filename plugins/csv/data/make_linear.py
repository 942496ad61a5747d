"""Writes linear.csv: 400 rows of 10 features x0..x9 ~ N(0, 1) and 5 targets y0..y4 = W x + b +
noise (noise ~ N(0, 0.1²)), W and b drawn once from a fixed seed. The plugin guide's first model,
one Linear(10, 5) layer, can fit it to the noise floor (a validation MSE near 0.01 in the
standardised unit is the best possible). Python's standard library only:
    python3 plugins/csv/data/make_linear.py > plugins/csv/data/linear.csv
"""
import random

rng = random.Random(20261203)
W = [[rng.gauss(0, 1) for _ in range(10)] for _ in range(5)]
b = [rng.gauss(0, 1) for _ in range(5)]
print(",".join([f"x{i}" for i in range(10)] + [f"y{j}" for j in range(5)]))
for _ in range(400):
    x = [rng.gauss(0, 1) for _ in range(10)]
    y = [sum(w * v for w, v in zip(W[j], x)) + b[j] + rng.gauss(0, 0.1) for j in range(5)]
    print(",".join(f"{v:.5f}" for v in x + y))
