# Independent SSIM reference (Wang et al. 2004, Gaussian-weighted), plain Python, float64.
# Same conventions as burn-train's SsimMetric: normalised Gaussian window of `size` taps,
# zero padding of size//2 ("same" output), variances clamped at 0, SSIM map averaged over pixels.
# Uses a direct 2-D window (outer product), not burn's separable 1-D passes.
import math

def window(size, sigma):
    c = size // 2
    g = [math.exp(-((i - c) ** 2) / (2 * sigma * sigma)) for i in range(size)]
    s = sum(g)
    g = [v / s for v in g]
    return [[g[i] * g[j] for j in range(size)] for i in range(size)]

def filt(img, w):
    h, wd, k = len(img), len(img[0]), len(w)
    p = k // 2
    out = [[0.0] * wd for _ in range(h)]
    for i in range(h):
        for j in range(wd):
            acc = 0.0
            for a in range(k):
                for b in range(k):
                    y, x = i + a - p, j + b - p
                    if 0 <= y < h and 0 <= x < wd:
                        acc += w[a][b] * img[y][x]
            out[i][j] = acc
    return out

def ssim(x, y, size, sigma, data_range=1.0, k1=0.01, k2=0.03):
    w = window(size, sigma)
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    h, wd = len(x), len(x[0])
    mul = lambda a, b: [[a[i][j] * b[i][j] for j in range(wd)] for i in range(h)]
    mx, my = filt(x, w), filt(y, w)
    exx, eyy, exy = filt(mul(x, x), w), filt(mul(y, y), w), filt(mul(x, y), w)
    total = 0.0
    for i in range(h):
        for j in range(wd):
            vx = max(exx[i][j] - mx[i][j] ** 2, 0.0)
            vy = max(eyy[i][j] - my[i][j] ** 2, 0.0)
            cxy = exy[i][j] - mx[i][j] * my[i][j]
            num = (2 * mx[i][j] * my[i][j] + c1) * (2 * cxy + c2)
            den = (mx[i][j] ** 2 + my[i][j] ** 2 + c1) * (vx + vy + c2)
            total += num / den
    return total / (h * wd)

def img(f, n):
    return [[f(i, j) for j in range(n)] for i in range(n)]

x8 = img(lambda i, j: ((i * 7 + j * 3) % 11) / 10, 8)
y8 = img(lambda i, j: ((i * 5 + j * 2 + 1) % 9) / 8, 8)
print("8x8 pattern, window 7, sigma 1.5:", repr(ssim(x8, y8, 7, 1.5)))
print("8x8 pattern, window 3, sigma 1.0:", repr(ssim(x8, y8, 3, 1.0)))
x5 = img(lambda i, j: ((i * 7 + j * 3) % 11) / 10, 5)
y5 = [[min(1.0, v * 0.8 + 0.1) for v in row] for row in x5]
print("5x5 x vs 0.8x+0.1, window 5, sigma 1.5:", repr(ssim(x5, y5, 5, 1.5)))
print("8x8 pattern vs itself, window 7:", repr(ssim(x8, x8, 7, 1.5)))
print("x8 values:", [v for r in x8 for v in r])
