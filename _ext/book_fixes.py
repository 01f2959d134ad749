"""Small fixes to the Jupyter Book 1 HTML: a clean console and accessible markup.

- sphinx-thebe registers its configuration script twice in this tool chain; the second
  copy re-declares a ``const`` and raises a JavaScript error on every page. Each script is
  kept once.
- pydata-sphinx-theme logs "Got invalid theme mode" on a reader's first visit, because the
  default colour mode is empty; it is set to "auto" (follow the reader's system setting).
- The References page: docutils marks the bibliography ``role="list"`` but its entries
  ``role="doc-biblioentry"`` (a deprecated role, and not a list item), which axe reports as
  a critical "aria-required-children" violation. The entries become list items.
- myst-nb's toggles for hidden code (``hide-input``) are ``<summary>`` elements whose
  aria-label "Toggle hidden content" hides their visible text "Show code cell source"
  (axe: "label-content-name-mismatch", serious); the label goes, the visible text names them.
- The sidebar's expand/collapse chevrons (``<summary>`` elements with an icon only) get an
  accessible name, "Sections of <page title>" (axe: "summary-name", serious).
- _static/course.css and _static/a11y.js are added to every page: the course's styles
  (e.g. hiding the "run this cell" hint of the kernel-free explorers, which only concerns
  JupyterLab and Colab) and the fixes that need the page's script (see a11y.js).

Relies on pydata-sphinx-theme 0.17 (``generate_toctree_html`` in the page context) and
docutils 0.21's citation markup, both pinned in requirements.txt.
"""
import re

BIBLIOENTRY = re.compile(r'(<div class="citation" id="[^"]*") role="doc-biblioentry"')


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


def _accessible_body(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body:
        return
    if "doc-biblioentry" in body:
        body = BIBLIOENTRY.sub(r'\1 role="listitem"', body)
    # myst-nb's "Show code cell source" toggles: the label hid the visible text
    body = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")
    context["body"] = body


def label_summaries(toctree):
    """Give every icon-only <summary> of a sidebar toctree the title of its page as a name.

    ``toctree`` is the BeautifulSoup that pydata-sphinx-theme returns (changed in place) or an
    HTML string (a new string is returned).
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(toctree, "html.parser") if isinstance(toctree, str) else toctree
    for summary in soup.find_all("summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        item = summary.find_parent("li")
        link = item.find("a", recursive=False) if item else None
        title = link.get_text(" ", strip=True) if link else ""
        summary["aria-label"] = f"Sections of {title}" if title else "Sections"
    return str(soup) if isinstance(toctree, str) else soup


def _label_sidebar_toggles(app, pagename, templatename, context, doctree):
    original = context.get("generate_toctree_html")
    if original is None or getattr(original, "labels_summaries", False):
        return

    def generate_toctree_html(*args, **kwargs):
        out = original(*args, **kwargs)
        kind = kwargs.get("kind", args[0] if args else None)
        return label_summaries(out) if kind == "sidebar" else out

    generate_toctree_html.labels_summaries = True
    context["generate_toctree_html"] = generate_toctree_html


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _accessible_body, priority=900)
    app.connect("html-page-context", _label_sidebar_toggles, priority=900)
    app.add_css_file("course.css")
    app.add_js_file("a11y.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}

