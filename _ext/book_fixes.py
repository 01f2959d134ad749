"""Small fixes to the Jupyter Book 1 HTML, so that pages load with a clean console.

- sphinx-thebe registers its configuration script twice in this tool chain; the second
  copy re-declares a ``const`` and raises a JavaScript error on every page. Each script is
  kept once.
- pydata-sphinx-theme logs "Got invalid theme mode" on a reader's first visit, because the
  default colour mode is empty; it is set to "auto" (follow the reader's system setting).
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {})
        key = (str(getattr(script, "filename", script) or ""), tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique
    context.setdefault("default_mode", "auto")


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
