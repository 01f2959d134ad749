"""Putting numbers computed in a notebook into its prose (every chapter).

``glue(name, value)`` records a value so that the book can show it inside a sentence with
the MyST role ``{glue:text}`name```. It writes the same output that myst-nb's own ``glue``
writes, so it works unchanged in Jupyter, Binder and Colab, where myst-nb may not be
installed, and nbval checks the glued value like any other output.
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
