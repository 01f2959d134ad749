"""Putting numbers computed in a notebook into its prose: the old way, being retired.

``glue(name, value)`` records a value so that the book can show it inside a sentence with
the MyST role ``{glue:text}`name```. It writes the same output that myst-nb's own ``glue``
writes, so the cell runs anywhere; but only the book can show the number. JupyterLab
(jupyterlab-myst) shows a {glue:text} role as its bare name, with the number missing, and
Colab shows the raw role. New and migrated chapters write ``{eval}`expression``` instead (see
CONTRIBUTING.md): JupyterLab, the book (_ext/stored_eval.py) and the Colab copies
(tools/colab_copy.py) all show its value. This module goes once no chapter uses it
(tests/front_end_pending.txt lists the chapters that still do).
"""
import IPython
from IPython.display import display

__all__ = ["glue"]

_HIDDEN = "application/papermill.record/"  # myst-nb's prefix for glued values not shown in place


def glue(name, value, display_value=False):
    """Record ``value`` under ``name`` for the book's ``{glue:text}`name``` role.

    Parameters
    ----------
    name : str
        A name unique within the notebook.
    value : object
        Anything IPython can display; numbers are best pre-formatted as strings
        (``f"{x:,}"``) so that the prose shows exactly the digits intended.
    display_value : bool
        Also show the value below the cell (default: only record it).
    """
    bundle, metadata = IPython.core.formatters.format_display_data(value)
    prefix = "" if display_value else _HIDDEN
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
