"""Interactive figures that work in every front end: one call, one cell.

A lesson writes one drawing function ``draw(ax, **values)`` and shows it with::

    widgets.explorer(draw, alt="What the figure shows, in one sentence.",
                     live=dict(w1=(-1.5, 2.5, 0.1), b=(-2.5, 2.5, 0.1)),
                     frames=dict(w1=[-1, 0, 1], b=[-1.5, -0.5, 0.5, 1.5]))

The cell's output is one mime bundle with two renderings of the same figure:

- ``application/vnd.jupyter.widget-view+json``: ipywidgets sliders (the ``live`` ranges)
  that redraw the figure through the kernel. JupyterLab, Binder and Colab show this one
  once the cell has run.
- ``text/html``: every combination of the ``frames`` values drawn once, when the notebook
  runs, with plain range sliders that switch between the pictures. It needs no kernel, no
  internet and no widget library. The book shows this one (``_config.yml`` ranks HTML
  above the widget view), and so does JupyterLab for a notebook opened but not yet run
  (its sliders are then disabled, and a line says to run the cell).

The live picture is rendered at twice its size and shown at ``figsize * dpi`` CSS pixels,
so it is sharp on high-density screens and never stretched. Every picture carries ``alt``
plus the slider values as its alternative text. Tag the cell ``nbval-ignore-output``
(pictures are not compared). ``live`` and ``kernel_free`` are the two halves on their own,
for chapters not yet moved to ``explorer``.
"""
import base64
import functools
import html
import io
import itertools
import json
import math
import uuid

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, display

__all__ = ["explorer", "live", "kernel_free", "MAX_FRAMES"]

MAX_FRAMES = 200  # a kernel-free explorer embeds every frame: keep pages light
LIVE_SCALE = 2    # the live PNG has this many pixels per CSS pixel


def _draw_png(draw, values, figsize, dpi):
    """base64 PNG of one frame, drawn at ``dpi`` (its size is figsize * dpi pixels)."""
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    draw(ax, **values)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _format(value):
    if isinstance(value, (float, np.floating, int, np.integer)) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def _describe(alt, values):
    """The alternative text of one picture: the sentence, then the slider values."""
    settings = ", ".join(f"{name} = {_format(v)}" for name, v in values.items())
    return f"{alt.rstrip()} ({settings})" if settings else alt


def _check_alt(where, alt):
    if not isinstance(alt, str) or len(alt.split()) < 4:
        raise ValueError(f"{where}: alt expected a sentence saying what the figure shows, got {alt!r}: "
                         "readers who cannot see the picture get only this text. "
                         "Write one sentence, e.g. alt=\"The decision boundary of one neuron ...\".")


# ---- the kernel-free half --------------------------------------------------------------

def _kernel_free_html(draw, params, *, figsize, dpi, title, alt):
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
    combos = [dict(zip(names, combo)) for combo in itertools.product(*grids)]
    frames = [_draw_png(draw, values, figsize, dpi) for values in combos]

    uid = "nnx-" + uuid.uuid5(uuid.NAMESPACE_OID, repr((names, grids, frames[0][:64]))).hex[:10]
    strides = [int(np.prod([len(g) for g in grids[k + 1:]])) for k in range(len(grids))]
    starts = [len(g) // 2 for g in grids]
    start_frame = sum(s * i for s, i in zip(strides, starts))
    # One inline handler per slider (no <script>): the frame index is the mixed-radix number
    # formed by the slider positions; the readout and aria-valuetext follow the slider.
    update = (f"(function(){{var r=document.getElementById('{uid}');var s=r.querySelectorAll('input');"
              f"var st={strides};var k=0;for(var i=0;i<s.length;i++){{k+=st[i]*parseInt(s[i].value);"
              f"var lab=JSON.parse(s[i].dataset.labels);s[i].nextElementSibling.textContent=lab[s[i].value];"
              f"s[i].setAttribute('aria-valuetext',lab[s[i].value]);}}"
              f"r.querySelectorAll('img').forEach(function(im,j){{im.style.display=(j===k)?'block':'none';}});}})()")
    width, height = round(figsize[0] * dpi), round(figsize[1] * dpi)
    # Labels inherit the page's text colour and have no background of their own, so they
    # read in light and dark themes alike.
    text = "color:inherit;background:transparent;"
    rows = []
    for name, grid, start in zip(names, grids, starts):
        labels = html.escape(json.dumps([_format(v) for v in grid]))
        rows.append(
            f'<label style="display:flex;align-items:center;gap:0.6em;margin:0.2em 0;{text}">'
            f'<span class="nnlib-explorer-name" style="min-width:3em;font-family:monospace;font-weight:bold;{text}">'
            f'{html.escape(name)}</span>'
            f'<input type="range" min="0" max="{len(grid) - 1}" step="1" value="{start}" '
            f'data-labels="{labels}" oninput="{html.escape(update)}" aria-label="{html.escape(name)}" '
            f'aria-valuetext="{html.escape(_format(grid[start]))}" style="width:14em;">'
            f'<span class="nnlib-explorer-value" style="font-family:monospace;{text}">'
            f'{html.escape(_format(grid[start]))}</span></label>')
    images = "".join(
        f'<img src="data:image/png;base64,{png}" alt="{html.escape(_describe(alt, values))}" '
        f'width="{width}" height="{height}" '
        f'style="display:{"block" if k == start_frame else "none"};max-width:100%;height:auto;">'
        for k, (png, values) in enumerate(zip(frames, combos)))
    caption = (f'<div class="nnlib-explorer-title" style="font-weight:bold;margin-bottom:0.3em;{text}">'
               f'{html.escape(title)}</div>') if title else ""
    # Shown where the page's own stylesheet does not hide it: in JupyterLab before the cell
    # has run (the sliders are disabled there) and in Colab. The book's CSS hides it.
    hint = ('<div class="nnlib-explorer-hint" style="font-size:0.9em;opacity:0.8;margin-bottom:0.3em;">'
            'Run this cell for live sliders.</div>')
    return (f'<div class="nnlib-explorer" id="{uid}" data-frames="{n_frames}" '
            f'style="border:1px solid rgba(128,128,128,0.5);border-radius:6px;padding:0.6em;'
            f'max-width:{width + 24}px;{text}">'
            f'{caption}{hint}{"".join(rows)}{images}</div>')


def kernel_free(draw, *, figsize=(5.0, 4.0), dpi=80, title=None, alt=None, **params):
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
    alt : str, optional
        One sentence saying what the figure shows; each frame's alternative text is this
        sentence plus its slider values. Defaults to the title (or "interactive figure").
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
    alt = alt if alt is not None else (title or "interactive figure")
    return HTML(_kernel_free_html(draw, params, figsize=figsize, dpi=dpi, title=title, alt=alt))


# ---- the live half -----------------------------------------------------------------------

def _controls(where, params, start=None):
    """ipywidgets controls for ``params``: (low, high, step) -> slider, list -> dropdown."""
    import ipywidgets

    start = start or {}
    controls = {}
    for name, spec in params.items():
        if isinstance(spec, tuple) and len(spec) == 3 and all(isinstance(v, (int, float)) for v in spec):
            low, high, step = spec
            if not (low < high and step > 0):
                raise ValueError(f"{where}: parameter {name!r} expected (low, high, step) with low < high and "
                                 f"step > 0, got {spec!r}")
            value = start.get(name, (low + high) / 2)
            integer = all(isinstance(v, int) for v in spec)
            cls = ipywidgets.IntSlider if integer else ipywidgets.FloatSlider
            controls[name] = cls(value=value, min=low, max=high, step=step, description=name,
                                 continuous_update=False, layout=ipywidgets.Layout(width="28em"))
        elif isinstance(spec, (list, tuple)) and spec:
            controls[name] = ipywidgets.Dropdown(options=list(spec), value=start.get(name, spec[0]),
                                                 description=name, layout=ipywidgets.Layout(width="28em"))
        else:
            raise ValueError(f"{where}: parameter {name!r} needs (low, high, step) or a non-empty list of "
                             f"choices, got {spec!r}")
    if not controls:
        raise ValueError(f"{where}: give at least one parameter, e.g. b=(-2.0, 2.0, 0.1)")
    return controls


def _live_box(draw, controls, *, figsize, dpi, alt, box_class):
    import ipywidgets

    width, height = round(figsize[0] * dpi), round(figsize[1] * dpi)
    picture = ipywidgets.HTML(layout=ipywidgets.Layout(width=f"{width}px", height=f"{height}px"))

    def redraw(change=None):
        values = {name: control.value for name, control in controls.items()}
        png = _draw_png(draw, values, figsize, LIVE_SCALE * dpi)
        picture.value = (f'<img src="data:image/png;base64,{png}" alt="{html.escape(_describe(alt, values))}" '
                         f'width="{width}" height="{height}" style="width:{width}px;height:{height}px;">')

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return box_class([*controls.values(), picture],
                     layout=ipywidgets.Layout(align_items="flex-start", width="auto"))


def live(draw, *, figsize=(5.0, 4.0), dpi=80, alt=None, **params):
    """Live ipywidgets sliders that redraw ``draw(ax, **values)`` through the kernel.

    The figure is rendered to a PNG at twice its size and shown in an ``ipywidgets.HTML``
    at ``figsize * dpi`` CSS pixels, with ``alt`` (plus the slider values) as its
    alternative text; moving a control renders a new PNG. (An ``Output`` widget, which
    ``ipywidgets.interact`` uses, makes notebook runners such as nbclient wait for output
    that sometimes never comes.)

    Parameters
    ----------
    draw : callable
        ``draw(ax, **values)`` draws one frame on a fresh matplotlib Axes.
    figsize : (float, float)
    dpi : int
        CSS pixels per inch of the shown picture.
    alt : str, optional
        One sentence saying what the figure shows.
    **params : tuple or list
        ``(low, high, step)`` for a slider (integers give an integer slider), or a list of
        choices for a dropdown.

    Returns
    -------
    ipywidgets.VBox
        The controls above the picture (Jupyter displays it when it is the cell's last value).
    """
    import ipywidgets

    controls = _controls("live", params)
    return _live_box(draw, controls, figsize=figsize, dpi=dpi, alt=alt or "interactive figure",
                     box_class=ipywidgets.VBox)


# ---- both halves in one output -----------------------------------------------------------

def _check_frames(live_params, frames):
    """The kernel-free values must be values the live controls can take."""
    if set(live_params) != set(frames):
        raise ValueError(f"explorer: live and frames must name the same parameters, got live={sorted(live_params)} "
                         f"and frames={sorted(frames)}: every slider needs both a live range and book values")
    for name, spec in live_params.items():
        values = list(frames[name])
        if not values:
            raise ValueError(f"explorer: frames[{name!r}] is empty; give the values the book's slider steps through")
        if isinstance(spec, tuple) and len(spec) == 3 and all(isinstance(v, (int, float)) for v in spec):
            low, high, step = spec
            for v in values:
                on_grid = math.isclose((v - low) / step, round((v - low) / step), abs_tol=1e-9)
                if not (low - 1e-12 <= v <= high + 1e-12 and on_grid):
                    raise ValueError(f"explorer: frames[{name!r}] has {v!r}, which the live slider {spec!r} "
                                     f"(low, high, step) cannot show; use values from low to high in steps of step")
        else:
            missing = [v for v in values if v not in list(spec)]
            if missing:
                raise ValueError(f"explorer: frames[{name!r}] has {missing}, which are not among the live "
                                 f"choices {list(spec)}")


def explorer(draw, *, alt, live, frames, title=None, figsize=(4.8, 4.4), dpi=80):
    """One interactive figure for every front end: live sliders in Jupyter, pre-drawn in the book.

    Parameters
    ----------
    draw : callable
        ``draw(ax, **values)`` draws one frame on a fresh matplotlib Axes.
    alt : str
        One sentence saying what the figure shows (taken from the prose that describes it);
        every picture's alternative text is this sentence plus its slider values.
    live : dict
        For each keyword of ``draw``: ``(low, high, step)`` for a live slider, or a list of
        choices for a dropdown.
    frames : dict
        For each keyword of ``draw`` (the same names as ``live``): the values the book's
        kernel-free slider steps through; each must be a value the live control can take.
        The live sliders start at the middle frame, so both versions open on one picture.
    title : str, optional
        A caption above the sliders.
    figsize : (float, float)
        Figure size in inches; shown at ``figsize * dpi`` CSS pixels (384 x 352 by default,
        which fits a 1366 x 768 screen with three sliders above it).
    dpi : int

    Returns
    -------
    ipywidgets.VBox
        The title, sliders and picture; displayed, its output carries both the widget view and the
        kernel-free HTML.
    """
    import ipywidgets

    _check_alt("explorer", alt)
    _check_frames(live, frames)
    grids = {name: list(frames[name]) for name in live}
    start = {name: grid[len(grid) // 2] for name, grid in grids.items()}
    controls = _controls("explorer", live, start=start)
    box = _live_box(draw, controls, figsize=figsize, dpi=dpi, alt=alt, box_class=_explorer_box_class())
    box.kernel_free_html = _kernel_free_html(draw, grids, figsize=figsize, dpi=dpi, title=title, alt=alt)
    box.alt_text = alt if title is None else f"{title}: {alt}"
    if title:
        box.children = (ipywidgets.HTML(f"<b>{html.escape(title)}</b>"), *box.children)
    return box


@functools.lru_cache(maxsize=None)
def _explorer_box_class():
    """The box class, built on first use so that importing this module needs no ipywidgets."""
    import ipywidgets

    class ExplorerBox(ipywidgets.VBox):
        """A VBox whose display bundle also holds the kernel-free HTML (see ``explorer``)."""

        kernel_free_html = ""
        alt_text = ""

        def _repr_mimebundle_(self, **kwargs):
            return {
                "text/plain": f"Interactive figure: {self.alt_text}",
                "text/html": self.kernel_free_html,
                "application/vnd.jupyter.widget-view+json": {
                    "version_major": 2, "version_minor": 0, "model_id": self.model_id},
            }

        # ipywidgets 7 (Colab) displays widgets through _ipython_display_, which IPython
        # prefers to _repr_mimebundle_: route it to the same bundle.
        def _ipython_display_(self, **kwargs):
            display(self._repr_mimebundle_(), raw=True)

    return ExplorerBox
