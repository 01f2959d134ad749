"""Author-year citations in round brackets: (Rosenblatt, 1958), Rosenblatt (1958).

sphinxcontrib-bibtex's ``author_year`` style writes [Rosenblatt, 1958]. The same citation
reads "(Rosenblatt, 1958)" in the Colab copies (tools/colab_copy.py) and "(rosenblatt1958)"
in JupyterLab ({cite:p} adds round brackets there), so the book uses round brackets too.
Select it with ``bibtex_reference_style: author_year_round`` in _config.yml.
"""
import dataclasses

from sphinxcontrib.bibtex.plugin import register_plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle


def _round():
    return BracketStyle(left="(", right=")")


@dataclasses.dataclass
class RoundAuthorYearReferenceStyle(AuthorYearReferenceStyle):
    bracket_parenthetical: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_textual: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_author: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_label: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_year: BracketStyle = dataclasses.field(default_factory=_round)


def setup(app):
    register_plugin("sphinxcontrib.bibtex.style.referencing", "author_year_round",
                    RoundAuthorYearReferenceStyle, force=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
