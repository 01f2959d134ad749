"""One notebook, three front ends: what each notebook a student opens shows, checked as files.

- JupyterLab and Binder (with jupyterlab-myst 2.7): lessons, exercise notebooks and student
  versions may use only the roles and directives jupyterlab-myst renders; a {glue} role
  shows there as bare text with its number missing. Every {eval} value is stored.
- Colab: the copies in colab/ are exactly what tools/colab_copy.py writes now, and contain
  no MyST syntax at all (Colab renders plain Markdown).
- Computed numbers: a name that an {eval} expression reads is never rebound later in the
  notebook (JupyterLab's Run All evaluates a markdown cell's expressions late, after later
  code cells may have run), and every value shown in prose is also printed by a cell above.
- Figures: every figure has alt text in its cell metadata (mystnb.image.alt, which myst-nb
  puts on the image), kernel-free frames describe themselves, an interactive figure is one
  `widgets.explorer` cell, and long plotting code is hidden in the book (hide-input).

Chapters not yet moved to these conventions are listed, with the checks they still fail, in
tests/front_end_pending.txt. A notebook failing a check it is not listed for fails; so does
a listed check that now passes (remove it from the list, which only shrinks).
"""
import ast
import builtins
import re
import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import colab_copy  # noqa: E402
from execute_notebooks import eval_expressions, iter_roles, markdown_segments  # noqa: E402

LESSONS = sorted(p for p in (ROOT / "chapters").glob("*.ipynb") if not p.stem.endswith("_exercises"))
EXERCISES = sorted((ROOT / "chapters").glob("*_exercises.ipynb"))
STUDENT = sorted((ROOT / "student").glob("*.ipynb"))
STUDENT_FACING = LESSONS + EXERCISES + STUDENT
CHAPTERS = LESSONS + EXERCISES
PENDING_FILE = ROOT / "tests" / "front_end_pending.txt"
CHECKS = ("myst", "alt-text", "explorer", "plot-code")


def rel(path):
    return path.relative_to(ROOT).as_posix()


def read(path):
    return nbformat.read(path, as_version=4)


# ---- what jupyterlab-myst 2.7.0 renders -------------------------------------------------------
# The role and directive names (aliases included) registered by the mystmd parser bundled in
# jupyterlab-myst 2.7.0 (pinned in requirements.txt), read from its JavaScript bundle in
# .venv/share/jupyter/labextensions/jupyterlab-myst/static. Any other {name} renders wrongly:
# an unknown role shows its bare content (a {glue:text}`n_params` shows "n_params"), an
# unknown directive an error box.
LAB_ROLES = {
    "abbreviation", "abbr", "chemicalFormula", "chem", "cite", "cite:p", "cite:t", "cite:ps",
    "cite:ts", "cite:ct", "cite:cts", "cite:alp", "cite:alps", "cite:label", "cite:labelpar",
    "cite:year", "cite:yearpar", "cite:author", "cite:authors", "cite:authorpar", "cite:authorpars",
    "cite:cauthor", "cite:cauthors", "delete", "del", "strike", "doc", "download", "eval", "index",
    "keyboard", "kbd", "math", "ref", "eq", "numref", "prf:ref", "si", "smallcaps", "sc", "span",
    "subscript", "sub", "superscript", "sup", "term", "underline", "u", "raw",
}
LAB_DIRECTIVES = {
    "admonition", "attention", "caution", "danger", "error", "important", "hint", "note",
    "seealso", "tip", "warning", "aside", "margin", "sidebar", "topic", "blockquote", "epigraph",
    "pull-quote", "card", "grid-item-card", "code", "code-block", "sourcecode", "code-cell",
    "csv-table", "div", "dropdown", "embed", "figure", "glossary", "grid", "grid-item", "iframe",
    "image", "include", "literalinclude", "list-table", "math", "mermaid", "raw", "table", "tab-set",
    "tab-item", "tab", "toc", "exercise", "exercise-start", "exercise-end", "solution",
    "solution-start", "solution-end", "proof", "prf:proof", "prf:theorem", "prf:lemma",
    "prf:definition", "prf:example", "prf:remark", "prf:proposition", "prf:corollary",
    "prf:algorithm",
}
DIRECTIVE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,}|:{3,})\s*\{([^}\s]+)\}", re.M)


def lab_myst_problems(nb):
    """What jupyterlab-myst would show raw, wrongly or without its number."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for _, _, name, content in iter_roles(cell.source):
            if name not in LAB_ROLES:
                problems.append(f"cell {i}: the role {{{name}}}`{content}` does not render in JupyterLab")
        for segment, is_markdown in markdown_segments(cell.source):
            if not is_markdown:
                continue
            for m in DIRECTIVE_LINE.finditer(segment):
                if m.group(2) not in LAB_DIRECTIVES:
                    problems.append(f"cell {i}: the directive {{{m.group(2)}}} does not render in JupyterLab")
            if "{{" in segment:
                problems.append(f"cell {i}: a {{{{ substitution }}}} shows raw in JupyterLab")
        expressions = eval_expressions(cell.source)
        stored = cell.metadata.get("user_expressions", [])
        if expressions and [e.get("expression") for e in stored] != expressions:
            problems.append(f"cell {i}: the values of {expressions} are not stored (JupyterLab would show "
                            "the expressions until the cell runs): run `make execute`")
        for entry in stored:
            if entry.get("result", {}).get("status") != "ok":
                problems.append(f"cell {i}: {{eval}}`{entry.get('expression')}` stored an error")
    return problems


# ---- figures ----------------------------------------------------------------------------------

IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
IMG_ALT = re.compile(r"<img\b[^>]*?\balt=\"([^\"]*)\"", re.S)
IMG_TAG = re.compile(r"<img\b", re.S)
MIN_ALT_WORDS = 8


def is_real_alt(text):
    return (isinstance(text, str) and len(text.split()) >= MIN_ALT_WORDS
            and not re.search(r"frame \d+ of \d+", text) and not re.search(r"\.(png|svg|jpe?g)\b", text))


def figure_outputs(cell):
    images = [o for o in cell.get("outputs", []) if any(t in o.get("data", {}) for t in IMAGE_TYPES)]
    explorers = [o for o in cell.get("outputs", []) if "nnlib-explorer" in o.get("data", {}).get("text/html", "")]
    return images, explorers


def alt_text_problems(nb):
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        images, explorers = figure_outputs(cell)
        if len(images) > 1:
            problems.append(f"cell {i}: {len(images)} figures in one cell; give each its own cell, so that "
                            "the cell's alt text describes it")
        if images:
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt")
            if not is_real_alt(alt):
                problems.append(f"cell {i}: the figure has no alt text (cell metadata mystnb.image.alt, a "
                                f"sentence of {MIN_ALT_WORDS}+ words saying what it shows), got {alt!r}")
        for out in explorers + [o for o in cell.get("outputs", []) if o not in explorers]:
            html = out.get("data", {}).get("text/html", "")
            alts = IMG_ALT.findall(html)
            if len(alts) < len(IMG_TAG.findall(html)) or not all(is_real_alt(a) for a in alts):
                bad = next((a for a in alts if not is_real_alt(a)), "(missing)")
                problems.append(f"cell {i}: an HTML figure has pictures without real alt text, e.g. {bad!r}")
    return problems


def explorer_problems(nb):
    return [f"cell {i}: an interactive figure in two cells (widgets.live / widgets.kernel_free): use "
            "widgets.explorer(draw, alt=..., live=..., frames=...), one cell"
            for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and re.search(r"widgets\.(live|kernel_free)\(", cell.source)]


PLOT_CODE_LINES = 12  # a figure cell longer than this hides its code in the book


def plot_code_problems(nb):
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not any(figure_outputs(cell)):
            continue
        tags = set(cell.metadata.get("tags", []))
        lines = len(cell.source.strip().splitlines())
        if lines > PLOT_CODE_LINES and not tags & {"hide-input", "remove-input", "remove-cell"}:
            problems.append(f"cell {i}: {lines} lines of figure code shown in the book: tag it hide-input "
                            "(and keep any computation the prose relies on in a visible cell above)")
    return problems


CHECKERS = {"myst": lab_myst_problems, "alt-text": alt_text_problems, "explorer": explorer_problems,
            "plot-code": plot_code_problems}
APPLIES = {"myst": STUDENT_FACING, "alt-text": CHAPTERS, "explorer": CHAPTERS, "plot-code": LESSONS}


def pending():
    """{notebook path: set of checks it is allowed to fail for now}."""
    listed = {}
    for n, line in enumerate(PENDING_FILE.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        path, sep, checks = line.partition(":")
        unknown = set(checks.split()) - set(CHECKS)
        assert sep and not unknown and (ROOT / path.strip()).exists(), (
            f"{rel(PENDING_FILE)}, line {n}: expected '<notebook path>: <checks>' with checks among {CHECKS} "
            f"and an existing notebook, got {line!r}")
        listed[path.strip()] = set(checks.split())
    return listed


CASES = [(check, path) for check in CHECKS for path in APPLIES[check]]


@pytest.mark.parametrize("check,path", CASES, ids=[f"{c}-{rel(p)}" for c, p in CASES])
def test_front_end_conventions(check, path):
    problems = CHECKERS[check](read(path))
    allowed = check in pending().get(rel(path), set())
    if allowed:
        assert problems, (f"{rel(path)} now passes the {check!r} check: remove {check!r} from its line in "
                          f"{rel(PENDING_FILE)}")
    else:
        assert not problems, (f"{rel(path)} fails the {check!r} check ({len(problems)} problem(s)); first: "
                              + "; ".join(problems[:3]))


def test_pending_list_names_only_known_notebooks():
    listed = pending()
    known = {rel(p) for p in STUDENT_FACING}
    assert set(listed) <= known, f"{rel(PENDING_FILE)} lists notebooks that are not in chapters/ or student/: " \
                                 f"{sorted(set(listed) - known)}"


# ---- computed numbers ----------------------------------------------------------------------------

BUILTINS = set(dir(builtins))


def names_read(expression):
    """Global names an expression reads (comprehension and lambda variables excluded)."""
    tree = ast.parse(expression, mode="eval")
    local = {n.id for node in ast.walk(tree) if isinstance(node, (ast.comprehension,))
             for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    local |= {a.arg for node in ast.walk(tree) if isinstance(node, ast.Lambda) for a in node.args.args}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - local


def names_bound(source):
    """Module-level names a code cell binds or mutates in place (x = ..., x[i] = ..., x.a = ...,
    x += ..., for x in ..., import x, def x, ...). Function and class bodies are their own scopes."""
    tree = ast.parse(TransformerManager().transform_cell(source))
    found = set()

    def root(node):
        while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
            for d in node.decorator_list:
                visit(d)
            return
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.update((a.asname or a.name).split(".")[0] for a in node.names)
        if isinstance(node, (ast.Name,)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            found.add(node.id)
        if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            name = root(node)
            if name:
                found.add(name)
        if isinstance(node, ast.Global):
            found.update(node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_names_bound_sees_module_level_bindings_and_mutations():
    source = ("a = 1\nb[0] = 2\nc.d = 3\ne += 1\nfor f in []: pass\nimport g.h\nfrom i import j as k\n"
              "def l(m):\n    n = 1\nwith o() as p: pass\nq, *r = s\n[t for t in u]\n(v := 1)\n%matplotlib inline")
    assert names_bound(source) == {"a", "b", "c", "e", "f", "g", "k", "l", "p", "q", "r", "v"}


def test_names_read_ignores_comprehension_variables():
    assert names_read('f"{sum(x for x in xs) / n:.1%}"') == {"sum", "xs", "n"}


def eval_rebinding_problems(nb):
    problems = []
    code = [(i, names_bound(c.source)) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for expression in eval_expressions(cell.source):
            names = names_read(expression) - BUILTINS
            for j, bound in code:
                if j > i and names & bound:
                    problems.append(f"cell {i}: {{eval}}`{expression}` reads {sorted(names & bound)}, which cell {j} "
                                    "binds again: give the value a name of its own that no later cell reuses")
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=[rel(p) for p in CHAPTERS])
def test_eval_names_are_never_rebound_later(path):
    problems = eval_rebinding_problems(read(path))
    assert not problems, f"{rel(path)}: " + "; ".join(problems[:3])


def printed_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
    return "".join(parts)


@pytest.mark.parametrize("path", CHAPTERS, ids=[rel(p) for p in CHAPTERS])
def test_every_number_in_prose_is_printed_by_a_cell_above(path):
    nb = read(path)
    problems = []
    for i, cell in enumerate(nb.cells):
        above = "".join(printed_text(c) for c in nb.cells[:i] if c.cell_type == "code")
        for entry in cell.metadata.get("user_expressions", []) if cell.cell_type == "markdown" else []:
            shown = str(colab_copy.plain_value(entry["result"].get("data", {"text/plain": ""})))
            if shown not in above:
                problems.append(f"cell {i}: {{eval}}`{entry['expression']}` shows {shown!r}, which no cell "
                                "above prints: print it where it is computed, so that nbval compares it")
    assert not problems, f"{rel(path)}: " + "; ".join(problems[:3])


# ---- Colab ------------------------------------------------------------------------------------------

COLAB = ROOT / "colab"
MYST_IN_PLAIN_MARKDOWN = [
    (re.compile(r"^\([\w.:-]+\)=\s*$", re.M), "a MyST target"),
    (re.compile(r"\{\{"), "a substitution"),
    (re.compile(r"^:[\w-]+:", re.M), "a directive option"),
]
PLAIN_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(?!.*\{)")


def plain_markdown_problems(nb):
    """MyST syntax that Colab's plain Markdown would show raw (code fences excluded)."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        if "user_expressions" in cell.metadata:
            problems.append(f"cell {i}: user_expressions metadata left in")
        for _, _, name, content in iter_roles(cell.source):
            problems.append(f"cell {i}: a MyST role ({{{name}}}`{content}`) shows raw in Colab")
        prose, fence = [], None
        for line in cell.source.splitlines():
            m = re.match(r"^ {0,3}(`{3,}|~{3,}|:{3,})\s*(\{[^}]*\})?", line)
            if fence:
                if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not m.group(2):
                    fence = None
                continue
            if m and (m.group(2) or m.group(1)[0] == ":"):
                problems.append(f"cell {i}: a MyST directive ({line.strip()!r}) shows raw in Colab")
            elif m:
                fence = m.group(1)
            else:
                prose.append(line)
        for pattern, what in MYST_IN_PLAIN_MARKDOWN:
            m = pattern.search("\n".join(prose))
            if m:
                problems.append(f"cell {i}: {what} ({m.group(0)!r}) shows raw in Colab")
    return problems


COLAB_COPIES = [COLAB / rel(p) for p in STUDENT_FACING]


@pytest.mark.parametrize("path", STUDENT_FACING, ids=[rel(p) for p in STUDENT_FACING])
def test_colab_copy_is_committed_and_fresh(path):
    copy = COLAB / rel(path)
    assert copy.exists(), f"colab/{rel(path)} is missing: run `make execute` (tools/colab_copy.py)"
    fresh = colab_copy.colab_notebook(path)
    saved = read(copy)
    same = nbformat.writes(saved) == nbformat.writes(fresh)
    if not same:
        differ = [i for i, (a, b) in enumerate(zip(saved.cells, fresh.cells)) if a != b]
        where = f"first at cell {differ[0]}" if differ else f"{len(saved.cells)} vs {len(fresh.cells)} cells or metadata"
    assert same, (f"colab/{rel(path)} is not what tools/colab_copy.py makes of {rel(path)} now ({where}): "
                  "run `make execute`")


@pytest.mark.parametrize("copy", COLAB_COPIES, ids=[rel(p) for p in COLAB_COPIES])
def test_colab_copy_has_no_myst_syntax(copy):
    if not copy.exists():
        pytest.fail(f"{rel(copy)} is missing: run `make execute`")
    nb = read(copy)
    problems = plain_markdown_problems(nb)
    assert not problems, f"{rel(copy)}: " + "; ".join(problems[:3])
    assert "widgets" not in nb.metadata, f"{rel(copy)}: saved widget state left in (Colab cannot use it)"
    views = [i for i, c in enumerate(nb.cells) for o in c.get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert not views, f"{rel(copy)}: cells {views} keep a widget view, which Colab shows as an error"


def test_no_colab_copy_without_its_notebook():
    sources = {rel(p) for p in STUDENT_FACING}
    extra = [rel(p) for p in COLAB.glob("*/*.ipynb") if p.relative_to(COLAB).as_posix() not in sources]
    assert not extra, f"Colab copies whose notebook is gone: {extra}; run `make execute`"


def test_plain_markdown_check_catches_myst():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(s) for s in (
        "a {cite:p}`x` b", "```{note}\nn\n```", ":::{tip}\nt\n:::", "(label)=\n# T", "ok `{eval}` in code",
        "```python\n{eval}`x`\n```")])
    problems = plain_markdown_problems(nb)
    assert sorted({p.split(":")[0] for p in problems}) == ["cell 0", "cell 1", "cell 2", "cell 3"], problems


# ---- the Colab conversion ----------------------------------------------------------------------------

def convert(*sources, stored=None, path="chapters/02_neurons_exercises.ipynb"):
    cells = [nbformat.v4.new_markdown_cell(s) for s in sources]
    for cell, values in zip(cells, stored or []):
        cell.metadata["user_expressions"] = [
            {"expression": e, "result": {"status": "ok", "data": {"text/plain": v}, "metadata": {}}}
            for e, v in values]
    nb = nbformat.v4.new_notebook(cells=cells)
    converter = colab_copy.Converter(nb, path)
    return [converter.cell(i, c) for i, c in enumerate(nb.cells)]


def test_colab_conversion_fills_values_in_order_even_inside_directives():
    [out] = convert("a {eval}`x`\n```{note}\nb {eval}`y`\n```\nc {eval}`f\"{z:.1%}\"`",
                    stored=[[("x", "1"), ("y", "'2,000'"), ('f"{z:.1%}"', "'5.0%'")]])
    assert out == "a 1\n> **Note**\n>\n> b 2,000\nc 5.0%"


def test_colab_conversion_of_exercises_citations_and_links():
    out = convert("```{exercise-start} Weights\n:label: ex-w\n```\nBody", "```{solution-start} ex-w\n:class: dropdown\n```",
                  "```{solution-end}\n```", "See {cite:t}`rosenblatt1958` and [Chapter 1](01_vectors.ipynb).")
    assert out[0].startswith("### Exercise 2.1 (Weights)\n\nBody")
    assert out[1].startswith("**Solution to Exercise 2.1 (Weights)**")
    assert out[2] == ""
    assert "[Rosenblatt](https://" in out[3] and "#cite-rosenblatt1958) (1958)" in out[3]
    assert "colab/chapters/01_vectors.ipynb)" in out[3]


def test_colab_conversion_refuses_what_it_does_not_know():
    with pytest.raises(colab_copy.ConversionError, match="unknownrole"):
        convert("{unknownrole}`x`")
    with pytest.raises(colab_copy.ConversionError, match="no stored value"):
        convert("{eval}`x`")


def test_citation_labels_match_the_books_author_year_style():
    # The book (sphinxcontrib-bibtex, author_year) writes these labels; the copies must agree.
    assert colab_copy.citation_parts("mcculloch1943") == ("McCulloch and Pitts", "1943")
    assert colab_copy.citation_parts("dosovitskiy2021") == ("Dosovitskiy et al.", "2021")
    assert colab_copy.citation_parts("rosenblatt1958") == ("Rosenblatt", "1958")


CITE_KEY = re.compile(r"^[a-z]+\d{4}[a-z]?$")


def test_citation_keys_read_as_author_and_year():
    # JupyterLab cannot resolve citations (jupyterlab-myst reads no .bib file): it shows the
    # key itself, e.g. "(rosenblatt1958)". Keys of the form surnameYEAR keep that readable.
    keys = {k for p in STUDENT_FACING for c in read(p).cells if c.cell_type == "markdown"
            for _, _, name, content in iter_roles(c.source) if name.startswith("cite")
            for k in content.split(",")}
    bad = sorted(k.strip() for k in keys if not CITE_KEY.match(k.strip()))
    assert not bad, f"citation keys that JupyterLab readers cannot read as author and year: {bad}"


# ---- the scanner itself ---------------------------------------------------------------------------------

def test_eval_expressions_follow_backtick_pairing_and_skip_code():
    text = ("a {eval}`x` b `{eval}` c ``{eval}`y` `` d {eval}``p`q``\n"
            "```python\n{eval}`in_fence`\n```\n```{note}\n{eval}`in_note`\n```\n\\`{eval}`esc`")
    assert eval_expressions(text) == ["x", "p`q", "in_note", "esc"]


def test_markdown_segments_keep_directive_bodies_as_markdown():
    text = "t {eval}`a`\n````{exercise-start} T\n```python\ncode\n```\n````\nafter\n"
    segments = markdown_segments(text)
    assert "".join(s for s, _ in segments) == text
    assert [s for s, md in segments if md] == ["t {eval}`a`\n", " T\n", "after\n"]


# ---- the pieces behind the conventions ----------------------------------------------------------

def _draw_line(ax, a, b):
    ax.plot([0, 1], [b, a + b])


def test_explorer_output_holds_the_live_widget_and_the_kernel_free_frames():
    from nnlib.course import widgets

    box = widgets.explorer(_draw_line, alt="A straight line whose slope is a and whose intercept is b.",
                           live=dict(a=(-2.0, 2.0, 0.5), b=(-1.0, 1.0, 0.5)),
                           frames=dict(a=[-2, 0, 2], b=[-1, 0, 1]), figsize=(2.0, 1.5), dpi=50)
    bundle = box._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", "application/vnd.jupyter.widget-view+json"}
    html = bundle["text/html"]
    alts = IMG_ALT.findall(html)
    assert len(alts) == 9 and alts[0].endswith("(a = -2, b = -1)") and all(is_real_alt(a) for a in alts)
    assert "<code" not in html and "color:inherit" in html  # labels legible in light and dark themes
    sliders = [w for w in box.children if hasattr(w, "min")]
    assert [s.value for s in sliders] == [0, 0], "the live sliders start on the book's first picture"
    picture = box.children[-1].value
    assert 'width="100" height="75"' in picture  # CSS size figsize * dpi ...
    import base64
    import io

    from PIL import Image
    png = base64.b64decode(re.search(r'base64,([^"]+)"', picture).group(1))
    assert Image.open(io.BytesIO(png)).size == (200, 150)  # ... drawn at twice that


@pytest.mark.parametrize("kwargs, message", [
    (dict(alt="a line", live=dict(a=(0.0, 1.0, 0.5)), frames=dict(a=[0.5])), "alt expected a sentence"),
    (dict(alt="A line that moves up and down.", live=dict(a=(0.0, 1.0, 0.5)), frames=dict(b=[0.5])),
     "must name the same parameters"),
    (dict(alt="A line that moves up and down.", live=dict(a=(0.0, 1.0, 0.5)), frames=dict(a=[0.3])),
     "cannot show"),
    (dict(alt="A line that moves up and down.", live=dict(a=["x", "y"]), frames=dict(a=["z"])), "not among"),
])
def test_explorer_refuses_inconsistent_arguments(kwargs, message):
    from nnlib.course import widgets

    with pytest.raises(ValueError, match=message):
        widgets.explorer(_draw_line, **kwargs)


def test_book_extensions_label_sidebar_toggles_and_read_stored_values():
    sys.path.insert(0, str(ROOT / "_ext"))
    import book_fixes
    import stored_eval

    html = ('<ul><li class="has-children"><a href="x.html">1. Vectors</a><details><summary>'
            '<span class="toctree-toggle"><i></i></span></summary></details></li></ul>')
    assert '<summary aria-label="Sections of 1. Vectors">' in book_fixes.label_summaries(html)
    nb = read(ROOT / "chapters" / "01_vectors.ipynb")
    index = next(i for i, c in enumerate(nb.cells) if "n_params" in eval_expressions(c.source))
    result = stored_eval.stored_results(nb, "n_params", (index + 1) * stored_eval.CELL_LINE_BASE + 3)
    assert result["status"] == "ok" and stored_eval.plain_text(result["data"]["text/plain"]).isdigit()
    with pytest.raises(stored_eval.RetrievalError, match="no stored value"):
        stored_eval.stored_results(nb, "not_an_expression_here", (index + 1) * stored_eval.CELL_LINE_BASE)
