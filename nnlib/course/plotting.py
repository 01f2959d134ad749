"""One consistent look for every figure in the course.

Call ``use_style()`` once at the top of a notebook. The helpers draw the pictures that
recur across chapters: arrows for vectors (Chapter 1), a network's layers and connections
(Chapters 1 and 2), and grids of small images (Chapters 1 and 5).
"""
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["COLORS", "use_style", "plot_vectors", "draw_network", "show_images"]

# Okabe-Ito: distinguishable with the common forms of colour blindness.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": plt.cycler(color=COLORS),
    "lines.linewidth": 2.0,
    "legend.frameon": False,
    "image.cmap": "viridis",
}


def use_style():
    """Apply the course's figure style (sizes readable at book width, colour-blind-safe colours)."""
    plt.rcParams.update(_STYLE)


def plot_vectors(ax, vectors, labels=None, *, origin=(0.0, 0.0), colors=None):
    """Draw 2-D vectors as arrows from ``origin`` and label their tips.

    Parameters
    ----------
    ax : matplotlib Axes
    vectors : array of shape (K, 2)
    labels : list of K str, optional
    origin : pair of float, or array of shape (K, 2) for one origin per arrow
    colors : list of K colours, optional
    """
    vectors = np.atleast_2d(np.asarray(vectors, dtype=float))
    if vectors.shape[1] != 2:
        raise ValueError(f"plot_vectors: expected 2-D vectors, shape (K, 2); got shape {vectors.shape}")
    origins = np.broadcast_to(np.asarray(origin, dtype=float), vectors.shape)
    colors = colors or [COLORS[k % len(COLORS)] for k in range(len(vectors))]
    for k, (o, v) in enumerate(zip(origins, vectors)):
        ax.annotate("", xy=o + v, xytext=o,
                    arrowprops=dict(arrowstyle="-|>", color=colors[k], lw=2, shrinkA=0, shrinkB=0))
        if labels:
            ax.annotate(labels[k], o + v, xytext=(6, 6), textcoords="offset points", color=colors[k],
                        fontweight="bold")
    ends = np.vstack([origins, origins + vectors, [[0, 0]]])
    lo, hi = ends.min(axis=0), ends.max(axis=0)
    pad = 0.15 * max(hi - lo) + 0.2
    ax.set_xlim(lo[0] - pad, hi[0] + pad)
    ax.set_ylim(lo[1] - pad, hi[1] + pad)
    ax.set_aspect("equal")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)


def draw_network(ax, layer_sizes, *, input_labels=None, output_labels=None, layer_names=None):
    """Draw a fully connected network: one column of circles per layer, every connection a line.

    Parameters
    ----------
    ax : matplotlib Axes
    layer_sizes : list of int
        Units per layer, input first, e.g. [3, 4, 4, 2].
    input_labels, output_labels : list of str, optional
        Text written beside the input and output units.
    layer_names : list of str, optional
        One caption under each column.
    """
    if len(layer_sizes) < 2 or any(int(n) < 1 for n in layer_sizes):
        raise ValueError(f"draw_network: expected at least two layers of one or more units, got {layer_sizes}")
    tallest = max(layer_sizes)
    pos = [[(i, (n - 1) / 2 - j) for j in range(n)] for i, n in enumerate(layer_sizes)]
    for left, right in zip(pos, pos[1:]):
        for (x0, y0) in left:
            for (x1, y1) in right:
                ax.plot([x0, x1], [y0, y1], color="0.75", lw=0.8, zorder=1)
    for i, column in enumerate(pos):
        color = COLORS[0] if i == 0 else COLORS[2] if i == len(pos) - 1 else COLORS[1]
        for (x, y) in column:
            ax.add_patch(plt.Circle((x, y), 0.18, facecolor=color, edgecolor="black", zorder=2))
    for labels, column, dx, ha in ((input_labels, pos[0], -0.3, "right"), (output_labels, pos[-1], 0.3, "left")):
        for text, (x, y) in zip(labels or [], column):
            ax.text(x + dx, y, text, ha=ha, va="center", fontsize=12)
    for i, name in enumerate(layer_names or []):
        ax.text(i, -(tallest - 1) / 2 - 0.6, name, ha="center", va="top", fontsize=10)
    ax.set_xlim(-0.8, len(layer_sizes) - 0.2)
    ax.set_ylim(-(tallest - 1) / 2 - 1.1, (tallest - 1) / 2 + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")


def show_images(images, titles=None, *, ncols=8, size=1.1, cmap="gray_r"):
    """Show a grid of small images (e.g. 8x8 digits), each with an optional title.

    Parameters
    ----------
    images : array of shape (K, H, W), or (K, H*W) for square images
    titles : list of K str, optional
    ncols : int
    size : float, inches per image

    Returns
    -------
    matplotlib Figure
    """
    images = np.asarray(images, dtype=float)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(f"show_images: rows of length {images.shape[1]} are not square images")
        images = images.reshape(len(images), side, side)
    k = len(images)
    ncols = min(ncols, k)
    nrows = -(-k // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.15), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < k:
            ax.imshow(images[i], cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=9, fontweight="normal")
    return fig
