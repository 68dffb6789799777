"""Pictures of a generator: the paper's Figures 1-3 and toy scatter plots, as uint8 arrays.

Pure NumPy (and matplotlib for plots with axes), so TensorBoard, `ganzoo sample` and the docs
draw the same pictures.
"""

from __future__ import annotations

import io

import numpy as np


def to_display(images, value_range=None):
    """Images in [0, 1] for display. With `value_range` (the data's fixed (low, high), e.g.
    (-1, 1) for a tanh generator's) they are mapped from it and clipped; without, images already
    in [0, 1] stay, and others (e.g. contrast-normalised) are min-max scaled each."""
    images = np.asarray(images, np.float32)
    if value_range is not None:
        low, high = value_range
        return np.clip((images - low) / (high - low), 0.0, 1.0)
    if images.min() >= 0.0 and images.max() <= 1.0:
        return images
    flat = images.reshape(len(images), -1)
    low, high = flat.min(axis=1), flat.max(axis=1)
    scale = np.where(high > low, high - low, 1.0)
    shape = (-1,) + (1,) * (images.ndim - 1)
    return (images - low.reshape(shape)) / scale.reshape(shape)


def image_grid(images, columns, pad=1, value_range=None):
    """Tile [N, H, W, C] images into one uint8 [rows*(H+pad)+pad, ..., 3] picture
    (`value_range`: see `to_display`)."""
    images = to_display(images, value_range)
    count, height, width, channels = images.shape
    rows = -(-count // columns)
    grid = np.ones((rows * (height + pad) + pad, columns * (width + pad) + pad, 3), np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        top, left = pad + r * (height + pad), pad + c * (width + pad)
        grid[top:top + height, left:left + width] = image if channels == 3 else image[..., :1]
    return (grid * 255 + 0.5).astype(np.uint8)


def nearest_neighbours(queries, examples, batch=4096):
    """For each query, the example closest in pixel space (the paper's Figure 2 check)."""
    q = queries.reshape(len(queries), -1).astype(np.float32)
    best_d = np.full(len(q), np.inf)
    best_i = np.zeros(len(q), np.int64)
    q_sq = (q ** 2).sum(axis=1)
    for start in range(0, len(examples), batch):
        block = examples[start:start + batch].reshape(-1, q.shape[1]).astype(np.float32)
        d = q_sq[:, None] - 2 * q @ block.T + (block ** 2).sum(axis=1)[None, :]
        i = d.argmin(axis=1)
        closer = d[np.arange(len(q)), i] < best_d
        best_d[closer] = d[np.arange(len(q)), i][closer]
        best_i[closer] = start + i[closer]
    return examples[best_i]


def figure2(samples, examples, columns, value_range=None):
    """Figure 2: rows of samples, and in the last column the training example nearest to the
    sample beside it, so memorisation would show as a repeated image."""
    rows = samples.reshape((-1, columns) + samples.shape[1:])
    neighbours = nearest_neighbours(rows[:, -1], examples)
    tiles = np.concatenate([rows, neighbours[:, None]], axis=1)
    return image_grid(tiles.reshape((-1,) + samples.shape[1:]), columns + 1,
                      value_range=value_range)


def interpolation_latents(start, end, steps):
    """Figure 3: `steps` evenly spaced points from each start row to its end row, row-major."""
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[None, :, None]
    path = start[:, None, :] * (1 - t) + end[:, None, :] * t
    return path.reshape(-1, start.shape[-1])


def figure_to_array(figure):
    """A matplotlib figure as a uint8 RGB array (then closed)."""
    import matplotlib.image
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    plt.close(figure)
    buffer.seek(0)
    return (matplotlib.image.imread(buffer, format="png")[..., :3] * 255).astype(np.uint8)


def new_figure(size=(4, 4)):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)


def scatter(data, samples, title=""):
    """Toy picture: data points (grey) and generator samples (red) in the plane."""
    figure, axes = new_figure()
    axes.scatter(data[:, 0], data[:, 1], s=2, c="0.6", label="data")
    axes.scatter(samples[:, 0], samples[:, 1], s=2, c="tab:red", label="samples")
    axes.set_aspect("equal")
    axes.legend(loc="upper right", fontsize=7)
    axes.set_title(title, fontsize=9)
    return figure_to_array(figure)


def figure1(data, samples, grid, discriminator_values, title=""):
    """Figure 1 of the paper: p_data (black dots), p_g (green) and D(x) (blue dashes) on a line."""
    figure, axes = new_figure((6, 3))
    bins = np.linspace(grid[0], grid[-1], 61)
    centres = (bins[:-1] + bins[1:]) / 2
    p_data, _ = np.histogram(data.ravel(), bins, density=True)
    p_g, _ = np.histogram(samples.ravel(), bins, density=True)
    axes.plot(centres, p_data, "k.", markersize=3, label="p_data")
    axes.plot(centres, p_g, "g-", label="p_g")
    axes.plot(grid, discriminator_values, "b--", label="D(x)")
    axes.set_ylim(0, max(1.05, p_data.max() * 1.05, p_g.max() * 1.05))
    axes.legend(loc="upper right", fontsize=7)
    axes.set_title(title, fontsize=9)
    return figure_to_array(figure)
