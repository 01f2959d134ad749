"""Interactive figures that work everywhere: live sliders in Jupyter, kernel-free in the book.

A lesson writes one drawing function ``draw(ax, **values)`` and shows it two ways:

- ``live(draw, w1=(-3, 3, 0.1), ...)``: ipywidgets sliders that redraw the figure through
  the kernel (JupyterLab, Binder, Colab).
- ``kernel_free(draw, w1=[-2, 0, 2], ...)``: every combination of the listed values is drawn
  once, when the notebook runs, and the frames are saved in the notebook as one HTML output
  with plain range sliders that switch between them. It needs no kernel, no internet and
  no widget library, so the HTML book shows working sliders instead of dead ones.

In a notebook, tag the ``live`` cell ``remove-output`` (the book shows the kernel-free
version instead) and both cells ``nbval-ignore-output`` (pictures are not compared).
Used by Chapters 2, 3 and 6.
"""
import base64
import html
import io
import itertools
import json
import uuid

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML

__all__ = ["live", "kernel_free", "MAX_FRAMES"]

MAX_FRAMES = 200  # a kernel-free explorer embeds every frame: keep pages light


def _draw_png(draw, values, figsize, dpi):
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    draw(ax, **values)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _format(value):
    return f"{value:g}" if isinstance(value, (float, np.floating, int, np.integer)) else str(value)


def kernel_free(draw, *, figsize=(5.0, 4.0), dpi=80, title=None, **params):
    """Pre-render ``draw`` for every combination of parameter values, with sliders to choose.

    Parameters
    ----------
    draw : callable
        ``draw(ax, **values)`` draws one frame on a fresh matplotlib Axes.
    figsize : (float, float)
        Size of each frame in inches.
    dpi : int
        Resolution of each frame.
    title : str, optional
        A caption shown above the sliders.
    **params : list
        For each keyword of ``draw``, the values its slider steps through, e.g.
        ``b=[-2, -1, 0, 1, 2]``. The number of frames is the product of the list lengths
        and must not exceed ``MAX_FRAMES``.

    Returns
    -------
    IPython.display.HTML
        Self-contained HTML: the frames as embedded PNG images and one range slider per
        parameter. In Jupyter it is shown as the cell's output.
    """
    if not params:
        raise ValueError("kernel_free: give at least one parameter, e.g. kernel_free(draw, b=[-1, 0, 1])")
    names = list(params)
    grids = [list(params[n]) for n in names]
    if any(len(g) == 0 for g in grids):
        raise ValueError(f"kernel_free: every parameter needs at least one value, got {params}")
    n_frames = int(np.prod([len(g) for g in grids]))
    if n_frames > MAX_FRAMES:
        raise ValueError(f"kernel_free: {n_frames} frames (the product of {[len(g) for g in grids]}) is more "
                         f"than MAX_FRAMES={MAX_FRAMES}; use fewer values per slider")
    frames = [_draw_png(draw, dict(zip(names, combo)), figsize, dpi) for combo in itertools.product(*grids)]

    uid = "nnx-" + uuid.uuid5(uuid.NAMESPACE_OID, repr((names, grids, frames[0][:64]))).hex[:10]
    strides = [int(np.prod([len(g) for g in grids[k + 1:]])) for k in range(len(grids))]
    starts = [len(g) // 2 for g in grids]
    start_frame = sum(s * i for s, i in zip(strides, starts))
    update = (f"(function(){{var r=document.getElementById('{uid}');var s=r.querySelectorAll('input');"
              f"var st={strides};var k=0;for(var i=0;i<s.length;i++){{k+=st[i]*parseInt(s[i].value);"
              f"var lab=JSON.parse(s[i].dataset.labels);s[i].nextElementSibling.textContent=lab[s[i].value];}}"
              f"r.querySelectorAll('img').forEach(function(im,j){{im.style.display=(j===k)?'block':'none';}});}})()")
    rows = []
    for name, grid, start in zip(names, grids, starts):
        labels = html.escape(json.dumps([_format(v) for v in grid]))
        rows.append(
            f'<label style="display:flex;align-items:center;gap:0.6em;margin:0.2em 0;">'
            f'<code style="min-width:3em;">{html.escape(name)}</code>'
            f'<input type="range" min="0" max="{len(grid) - 1}" step="1" value="{start}" '
            f'data-labels="{labels}" oninput="{html.escape(update)}" aria-label="{html.escape(name)}" '
            f'style="width:14em;"><span>{html.escape(_format(grid[start]))}</span></label>')
    images = "".join(
        f'<img src="data:image/png;base64,{png}" alt="frame {k + 1} of {n_frames}" '
        f'style="display:{"block" if k == start_frame else "none"};max-width:100%;">'
        for k, png in enumerate(frames))
    caption = f'<div style="font-weight:bold;margin-bottom:0.3em;">{html.escape(title)}</div>' if title else ""
    return HTML(f'<div class="nnlib-explorer" id="{uid}" data-frames="{n_frames}" '
                f'style="border:1px solid #ccc;border-radius:6px;padding:0.6em;max-width:32em;">'
                f'{caption}{"".join(rows)}{images}</div>')


def live(draw, *, figsize=(5.0, 4.0), dpi=80, **params):
    """Live ipywidgets sliders that redraw ``draw(ax, **values)`` through the kernel.

    The figure is rendered to a PNG and shown in an ``ipywidgets.Image``; moving a control
    renders a new PNG. (An ``Output`` widget, which ``ipywidgets.interact`` uses, makes
    notebook runners such as nbclient wait for output that sometimes never comes.)

    Parameters
    ----------
    draw : callable
        ``draw(ax, **values)`` draws one frame on a fresh matplotlib Axes.
    figsize : (float, float)
    dpi : int
    **params : tuple or list
        ``(low, high, step)`` for a float slider, or a list of choices for a dropdown.

    Returns
    -------
    ipywidgets.VBox
        The controls above the picture (Jupyter displays it when it is the cell's last value).
    """
    import ipywidgets

    controls = {}
    for name, spec in params.items():
        if isinstance(spec, tuple) and len(spec) == 3:
            low, high, step = spec
            controls[name] = ipywidgets.FloatSlider(value=(low + high) / 2, min=low, max=high, step=step,
                                                    description=name, continuous_update=False)
        elif isinstance(spec, (list, tuple)) and spec:
            controls[name] = ipywidgets.Dropdown(options=list(spec), description=name)
        else:
            raise ValueError(f"live: parameter {name!r} needs (low, high, step) or a list of choices, got {spec!r}")
    if not controls:
        raise ValueError("live: give at least one parameter, e.g. live(draw, b=(-2.0, 2.0, 0.1))")

    picture = ipywidgets.Image(format="png")

    def redraw(change=None):
        values = {name: control.value for name, control in controls.items()}
        picture.value = base64.b64decode(_draw_png(draw, values, figsize, dpi))

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return ipywidgets.VBox([*controls.values(), picture])
