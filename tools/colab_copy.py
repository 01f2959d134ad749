"""Write the copies of the notebooks that Colab opens: plain Markdown, values filled in.

Usage: python tools/colab_copy.py [--output-dir colab] [notebooks ...]
(`make execute` runs it after executing the notebooks and writing the student versions.)

Colab renders plain Markdown only: a MyST role or directive shows there as raw text. For
every notebook a student can open (chapters/*.ipynb and student/*.ipynb) this writes
colab/<same path> in which the markdown cells are plain Markdown:

- {eval}`expression` becomes its stored value (the `user_expressions` that
  tools/execute_notebooks.py saved), {glue:text}`name:format` the glued value formatted
  as myst-nb formats it;
- {cite:p}`key` becomes "([Author et al., 2021](link))", {cite:t}`key`
  "[Author et al.](link) (2021)", {cite}`key` as {cite:p}; each link opens the entry on
  the book's References page (html.baseurl in _config.yml + appendix/references.html#cite-key);
- admonitions (```{note}, :::{admonition} Title, ...) become blockquotes with a bold title;
- exercise and solution fences become a heading and a bold line numbered as the book
  numbers them ("### Exercise 2.3 (Title)", "**Solution to Exercise 2.3 (Title)**"); the
  end fences, and markdown cells left empty, go;
- links to other notebooks point at their Colab copies, links to book pages (.md) at the
  published book.

Code cells and their outputs are kept, less the widget views (Colab cannot show a saved
widget; the kernel-free HTML next to it shows until the cell runs) and the saved widget
state. Anything MyST-only that this tool does not know is an error naming notebook and
cell, never silently copied. tests/test_front_ends.py checks that the committed copies are
what this tool writes now and contain no MyST syntax.
"""
import argparse
import ast
import copy
import re
import sys
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from execute_notebooks import FENCE, iter_roles, markdown_segments  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "colab"
SOURCES = ("chapters", "student")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ADMONITIONS = {"note", "tip", "warning", "important", "caution", "attention", "danger", "error",
               "hint", "seealso", "admonition"}
CITE_PAREN = {"cite", "cite:p", "cite:ps"}
CITE_TEXT = {"cite:t", "cite:ts"}
LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|$#])")


class ConversionError(ValueError):
    """A MyST construct this tool cannot turn into plain Markdown."""


# ---- configuration -------------------------------------------------------------------------

@lru_cache(maxsize=None)
def config():
    data = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo_url = data["repository"]["url"].rstrip("/")
    baseurl = (data.get("html", {}) or {}).get("baseurl", "")
    if not baseurl:
        raise ConversionError("_config.yml has no html.baseurl: the Colab copies link citations and book "
                              "pages to the published book, so set it (e.g. https://<owner>.github.io/<repo>/)")
    return {"repo": repo_url.removeprefix("https://github.com/"), "branch": data["repository"]["branch"],
            "book": baseurl.rstrip("/") + "/"}


def colab_url(repo_path):
    """The Colab URL that opens the copy of the notebook at ``repo_path`` (e.g. chapters/x.ipynb)."""
    c = config()
    return f"https://colab.research.google.com/github/{c['repo']}/blob/{c['branch']}/colab/{quote(repo_path)}"


def book_url(repo_path, anchor=""):
    """The published book's page for a source file (chapters/x.ipynb, appendix/y.md)."""
    page = re.sub(r"\.(ipynb|md)$", ".html", repo_path)
    return config()["book"] + page + (f"#{anchor}" if anchor else "")


@lru_cache(maxsize=None)
def chapter_numbers():
    """Book chapter number of each notebook stem, as the book numbers them (_toc.yml order)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    numbers, n = {}, 0
    for part in toc.get("parts", []):
        if not part.get("numbered"):
            continue
        for chapter in part.get("chapters", []):
            n += 1
            for entry in [chapter, *chapter.get("sections", [])]:
                numbers[Path(entry["file"]).stem] = n
    return numbers


# ---- citations -----------------------------------------------------------------------------

@lru_cache(maxsize=None)
def bibliography():
    from pybtex.database import parse_file

    return parse_file(str(ROOT / "references.bib")).entries


@lru_cache(maxsize=None)
def _plain(latex):
    from pybtex.backends.plaintext import Backend
    from pybtex.richtext import Text

    # = Text.from_latex(latex).render_as("text"), whose plug-in lookup reads every installed
    # package's entry points on each call: 2.5 s for one chapter's citations.
    return Text.from_latex(latex).render(Backend())


def citation_parts(key):
    """(authors, year) as the book's author-year labels write them: "A", "A and B", "A et al."."""
    entries = bibliography()
    if key not in entries:
        raise ConversionError(f"citation key {key!r} is not in references.bib")
    entry = entries[key]
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    surnames = [_plain(" ".join(p.prelast_names + p.last_names)) for p in people]
    if not surnames:
        raise ConversionError(f"references.bib entry {key!r} has no author or editor")
    if len(surnames) > 2 or "others" in surnames:
        authors = f"{surnames[0]} et al."
    elif len(surnames) == 2:
        authors = f"{surnames[0]} and {surnames[1]}"
    else:
        authors = surnames[0]
    return authors, entry.fields.get("year", "n.d.")


def citation_markdown(role, content):
    keys = [k.strip() for k in content.split(",") if k.strip()]
    links = []
    for key in keys:
        authors, year = citation_parts(key)
        url = book_url("appendix/references.md", anchor=f"cite-{key}")
        links.append(f"[{authors}, {year}]({url})" if role in CITE_PAREN else f"[{authors}]({url}) ({year})")
    return "(" + "; ".join(links) + ")" if role in CITE_PAREN else "; ".join(links)


# ---- values --------------------------------------------------------------------------------

def escape(text):
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def plain_value(data):
    """text/plain of a stored value with the quotes of a string removed (as myst-nb shows it)."""
    if "text/plain" not in data:
        raise ConversionError(f"a stored value has no text/plain, only {sorted(data)}")
    text = data["text/plain"]
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        return text
    return value if isinstance(value, str) else text


def glued_values(nb):
    values = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("scrapbook")
            if meta:
                prefix = meta.get("mime_prefix", "")
                values[meta["name"]] = {k[len(prefix):]: v for k, v in out.get("data", {}).items()}
    return values


# ---- markdown --------------------------------------------------------------------------------

class Converter:
    """Turns the markdown cells of one notebook into plain Markdown."""

    def __init__(self, nb, repo_path):
        self.nb = nb
        self.repo_path = repo_path
        self.glue = glued_values(nb)
        self.chapter = chapter_numbers().get(Path(repo_path).stem.removesuffix("_exercises"),
                                             chapter_numbers().get(Path(repo_path).stem))
        self.exercises = {}  # label -> "Exercise 2.3 (Title)"
        self.cell_index = None

    def fail(self, message):
        raise ConversionError(f"{self.repo_path}, cell {self.cell_index}: {message}")

    def cell(self, index, cell):
        self.cell_index = index
        self._stored = iter(cell.metadata.get("user_expressions", []))
        text = self.inline(self.blocks(cell.source))  # structure first, then roles in order
        if next(self._stored, None) is not None:
            self.fail("more stored {eval} values than {eval} roles: run `make execute`")
        return text

    # -- blocks: fences and directives, line by line (roles are left for inline()) --
    def blocks(self, text):
        lines = text.split("\n")
        out, i = [], 0
        while i < len(lines):
            m = FENCE.match(lines[i])
            if m and m.group(2):
                close = self._closing(lines, i, m.group(1))
                name = m.group(2).strip("{}")
                argument = m.group(3).strip()
                body = lines[i + 1:close]
                options = []
                while body and re.match(r"^:[\w-]+:", body[0]):
                    options.append(body.pop(0))
                out.extend(self.directive(name, argument, options, "\n".join(body)).split("\n"))
                i = close + 1
            elif m:  # a plain code fence: copied as it is
                close = self._closing(lines, i, m.group(1))
                out.extend(lines[i:close + 1])
                i = close + 1
            elif re.match(r"^\(([\w.:-]+)\)=\s*$", lines[i]) or re.match(r"^%( |$)", lines[i]):
                i += 1  # MyST targets and comments have no plain-Markdown form
            else:
                out.append(lines[i])
                i += 1
        return "\n".join(out)

    def _closing(self, lines, start, fence):
        for j in range(start + 1, len(lines)):
            m = FENCE.match(lines[j])
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                    and not m.group(2) and not m.group(3).strip():
                return j
        self.fail(f"the fence {lines[start]!r} is never closed")

    def directive(self, name, argument, options, body):
        if name in ADMONITIONS:
            title = argument if name == "admonition" and argument else (argument or name.capitalize())
            inner = self.blocks(body).strip("\n")
            quoted = "\n".join(("> " + line).rstrip() for line in inner.split("\n"))
            return f"> **{title}**\n>\n{quoted}"
        if name == "exercise-start":
            label = next((o.split(":", 2)[2].strip() for o in options if o.startswith(":label:")), None)
            number = f"{self.chapter}.{len(self.exercises) + 1}" if self.chapter else str(len(self.exercises) + 1)
            heading = f"Exercise {number}" + (f" ({argument})" if argument else "")
            self.exercises[label] = heading
            return f"### {heading}\n" + ("\n" + self.blocks(body) if body.strip() else "")
        if name == "solution-start":
            if argument not in self.exercises:
                self.fail(f"solution-start points at {argument!r}, which no earlier exercise-start labels")
            return f"**Solution to {self.exercises[argument]}**\n" + ("\n" + self.blocks(body) if body.strip() else "")
        if name in ("exercise-end", "solution-end"):
            return self.blocks(body) if body.strip() else ""
        if name in ("code", "code-block", "sourcecode"):
            return f"```{argument}\n{body}\n```"
        if name == "math":
            return f"$$\n{body}\n$$"
        self.fail(f"the directive {{{name}}} has no plain-Markdown form here; add it to tools/colab_copy.py")

    # -- inline: roles and links, in markdown only (not in code fences) --
    def inline(self, text):
        pieces, pos = [], 0
        for start, end, name, content in iter_roles(text):
            pieces.append(text[pos:start])
            pieces.append(self.role(name, content))
            pos = end
        pieces.append(text[pos:])
        return "".join(self.links(segment) if is_markdown else segment
                       for segment, is_markdown in markdown_segments("".join(pieces)))

    def role(self, name, content):
        if name == "eval":
            entry = next(self._stored, None)
            if entry is None or entry.get("expression") != content:
                self.fail(f"no stored value for {{eval}}`{content}`: run `make execute`")
            if entry["result"].get("status") != "ok":
                self.fail(f"{{eval}}`{content}` failed: {entry['result'].get('evalue')}")
            return escape(str(plain_value(entry["result"]["data"])))
        if name in ("glue", "glue:text", "glue:any", "glue:md"):
            key, _, spec = content.partition(":") if name == "glue:text" else (content, "", "")
            if key not in self.glue:
                self.fail(f"{{{name}}}`{content}`: nothing is glued under {key!r}")
            from myst_nb.core.variables import format_plain_text

            data = self.glue[key]
            if name == "glue:md" and "text/markdown" in data:
                return data["text/markdown"]
            return escape(format_plain_text(data.get("text/plain", ""), spec) if spec else str(plain_value(data)))
        if name in CITE_PAREN | CITE_TEXT:
            return citation_markdown(name, content)
        if name == "math":
            return f"${content}$"
        if name in ("doc", "ref", "numref"):
            m = re.match(r"^(.*?)\s*<([^>]+)>$", content, re.S)
            return escape(m.group(1)) if m else escape(content)
        self.fail(f"the role {{{name}}} has no plain-Markdown form here; add it to tools/colab_copy.py")

    def links(self, text):
        def fix(m):
            bang, label, target = m.groups()
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                return m.group(0)
            path, _, anchor = target.partition("#")
            resolved = (ROOT / Path(self.repo_path).parent / path).resolve()
            try:
                repo_path = resolved.relative_to(ROOT).as_posix()
            except ValueError:
                self.fail(f"the link {target!r} leaves the repository")
            if not resolved.exists():
                print(f"warning: {self.repo_path}, cell {self.cell_index}: the link {target!r} points at "
                      f"{repo_path}, which does not exist", file=sys.stderr)
            if repo_path.endswith(".ipynb"):
                url = colab_url(repo_path) + (f"#{anchor}" if anchor else "")
            elif repo_path.endswith(".md"):
                url = book_url(repo_path, anchor)
            else:
                c = config()
                url = f"https://github.com/{c['repo']}/blob/{c['branch']}/{quote(repo_path)}"
            return f"{bang}[{label}]({url})"

        return LINK.sub(fix, text)


# ---- notebooks ------------------------------------------------------------------------------

def colab_notebook(path):
    """The Colab copy of the notebook at ``path`` (a NotebookNode; nothing is written)."""
    path = Path(path).resolve()
    repo_path = path.relative_to(ROOT).as_posix()
    nb = nbformat.read(path, as_version=4)
    out = copy.deepcopy(nb)
    out.metadata.pop("widgets", None)
    converter = Converter(nb, repo_path)
    empty = []
    for index, cell in enumerate(out.cells):
        if cell.cell_type == "markdown":
            cell.source = converter.cell(index, nb.cells[index]).strip("\n")
            cell.metadata.pop("user_expressions", None)
            if not cell.source.strip() and nb.cells[index].source.strip():
                empty.append(index)
        elif cell.cell_type == "code":
            kept = []
            for output in cell.get("outputs", []):
                data = output.get("data")
                if data and WIDGET_VIEW in data:
                    del data[WIDGET_VIEW]
                    if not any(k != "text/plain" for k in data):
                        continue
                kept.append(output)
            cell.outputs = kept
    out.cells = [c for k, c in enumerate(out.cells) if k not in empty]
    return out


def source_notebooks():
    return [p for d in SOURCES for p in sorted((ROOT / d).glob("*.ipynb"))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: chapters/*.ipynb and student/*.ipynb")
    parser.add_argument("--output-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    paths = args.notebooks or source_notebooks()
    try:
        copies = {Path(p).resolve().relative_to(ROOT): colab_notebook(p) for p in paths}
    except ConversionError as err:
        print(f"colab_copy: {err}", file=sys.stderr)
        return 1
    for relative, nb in copies.items():
        target = args.output_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.validate(nb)
        nbformat.write(nb, target)
    if not args.notebooks:  # a full run also removes copies whose notebook is gone
        for stale in args.output_dir.glob("*/*.ipynb"):
            if stale.relative_to(args.output_dir) not in copies:
                stale.unlink()
                print(f"removed {stale} (its notebook is gone)")
    print(f"{len(copies)} Colab copies written to {args.output_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
