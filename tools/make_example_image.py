"""Generate glimpse/data/example.png, the example image shipped in the package.

A synthetic, natural-looking greyscale scene (numpy + Pillow only, fixed seed):
1/f ("pink") noise terrain, a sun-like disc, hills, a tree-like branching
structure, rocks (shaded ellipses at many orientations), a striped flag and
scattered grass blades, so the image has edges at many orientations and scales.

Run from the repository root: ``python tools/make_example_image.py``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 320, 256
SEED = 2013
OUT = Path(__file__).resolve().parent.parent / "glimpse" / "data" / "example.png"


def pink_noise(rng, height, width, exponent=1.8):
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    radius[0, 0] = 1.0
    spectrum = (rng.normal(size=radius.shape) + 1j * rng.normal(size=radius.shape)) / radius ** (
        exponent / 2.0
    )
    spectrum[0, 0] = 0.0
    field = np.fft.irfft2(spectrum, s=(height, width))
    field -= field.min()
    return field / field.max()


def branch(draw, rng, x, y, angle, length, width, depth):
    if depth == 0 or length < 3:
        return
    x2 = x + length * math.cos(angle)
    y2 = y - length * math.sin(angle)
    draw.line([(x, y), (x2, y2)], fill=40, width=max(1, int(width)))
    for turn in (-1, 1):
        spread = turn * rng.uniform(0.3, 0.7)
        branch(draw, rng, x2, y2, angle + spread, length * rng.uniform(0.6, 0.8),
               width * 0.7, depth - 1)


def main():
    rng = np.random.default_rng(SEED)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float64)
    # sky: vertical gradient; ground: pink-noise terrain
    sky = 0.85 - 0.35 * yy / HEIGHT
    terrain = pink_noise(rng, HEIGHT, WIDTH)
    horizon = 150 + 18 * np.sin(xx / 37.0) + 10 * np.sin(xx / 11.0 + 1.3)
    ground = 0.25 + 0.4 * terrain
    scene = np.where(yy < horizon, sky, ground)
    # far hills with a soft edge
    hills = 120 + 25 * np.sin(xx / 53.0 + 0.7) + 8 * np.sin(xx / 17.0)
    scene = np.where((yy >= hills) & (yy < horizon), 0.55 + 0.1 * terrain, scene)
    # sun: a bright disc with a soft halo
    dist = np.hypot(xx - 250, yy - 55)
    scene = np.maximum(scene, np.clip(1.2 - dist / 22.0, 0, 1) * 0.98)
    img = Image.fromarray(np.uint8(np.clip(scene, 0, 1) * 255), mode="L")
    draw = ImageDraw.Draw(img)
    # rocks: shaded ellipses at many orientations and sizes
    for _ in range(14):
        cx, cy = rng.uniform(10, WIDTH - 10), rng.uniform(165, HEIGHT - 8)
        rx, ry = rng.uniform(5, 22), rng.uniform(3, 12)
        rock = Image.new("L", (int(2 * rx) + 4, int(2 * ry) + 4), 0)
        ImageDraw.Draw(rock).ellipse([2, 2, 2 + 2 * rx, 2 + 2 * ry], fill=255)
        rock = rock.rotate(rng.uniform(0, 180), expand=True, resample=Image.Resampling.BICUBIC)
        shade = int(rng.uniform(70, 200))
        img.paste(shade, (int(cx - rock.width / 2), int(cy - rock.height / 2)), rock)
    # a tree: recursive branches give edges at every orientation
    branch(draw, rng, 70, 175, math.pi / 2, 45, 7, 7)
    # a striped flag on a pole: a grating at an oblique angle
    flag = Image.new("L", (60, 40), 0)
    fdraw = ImageDraw.Draw(flag)
    for k in range(0, 60, 6):
        fdraw.rectangle([k, 0, k + 2, 40], fill=230)
    flag = flag.rotate(25, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=None)
    mask = Image.new("L", (60, 40), 255).rotate(25, expand=True, resample=Image.Resampling.BICUBIC)
    img.paste(flag, (175, 70), mask)
    draw.line([(178, 95), (178, 190)], fill=30, width=3)
    # grass blades: short strokes leaning at random angles
    for _ in range(160):
        x0, y0 = rng.uniform(0, WIDTH), rng.uniform(195, HEIGHT)
        angle = rng.uniform(math.pi / 3, 2 * math.pi / 3)
        length = rng.uniform(4, 14)
        draw.line([(x0, y0), (x0 + length * math.cos(angle), y0 - length * math.sin(angle))],
                  fill=int(rng.uniform(20, 120)), width=1)
    # a little blur for natural edges, then fine sensor noise
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    data = np.asarray(img, dtype=np.float64) + rng.normal(0, 2.0, size=(HEIGHT, WIDTH))
    img = Image.fromarray(np.uint8(np.clip(np.rint(data), 0, 255)), mode="L")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    img.save(OUT, optimize=True)
    print("wrote %s (%dx%d)" % (OUT, WIDTH, HEIGHT))


if __name__ == "__main__":
    main()
