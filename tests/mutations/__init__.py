"""Wrong answers for the mutation test of the exercise checks (tests/test_exercise_mutations.py).

One file per exercise notebook, named after it (``01_vectors_exercises.py`` for
``chapters/01_vectors_exercises.ipynb``), defines a dict ``WRONG``: for every exercise id,
at least three plausible wrong answers, each under a name that says what the mistake is::

    from mutations import code, swap

    WRONG = {
        "vectors-euclidean": {
            "no square root": swap("np.sqrt(np.sum((u - v) ** 2))", "np.sum((u - v) ** 2)",
                                   expect="square root"),
            "np.linalg.norm, a shortcut": code('''
                def my_euclidean_distance(u, v):
                    return np.linalg.norm(np.subtract(u, v))
            '''),
        },
    }

``swap(old, new, ...)`` makes the wrong answer from the reference solution by replacing text
(each ``old`` must occur exactly once in the exercise's solution cells, so a wrong answer
that no longer applies after the solution changes is reported, not silently skipped);
``code(source, ...)`` writes the solution cell(s) out in full. ``expect`` is a piece of text
the check's failure message must contain (a hint it should give), case-insensitive.

The test runs each wrong answer in place of the solution, then the exercise's check cell,
and demands an AssertionError of at most eight lines with no traceback in it. The exercise
notebooks still without a mutation file are listed in ``pending.txt`` next to this file.
"""
import textwrap
from dataclasses import dataclass

__all__ = ["Wrong", "swap", "code"]


@dataclass(frozen=True)
class Wrong:
    """One wrong answer: text swaps applied to the reference, or the solution cells in full."""

    swaps: tuple = ()
    sources: tuple = ()
    expect: str = None

    def apply(self, solutions):
        """The wrong answer's solution cells, given the reference's (a list of sources)."""
        if self.sources:
            return list(self.sources)
        out = list(solutions)
        for old, new in self.swaps:
            where = [k for k, src in enumerate(out) if old in src]
            count = sum(src.count(old) for src in out)
            if count != 1:
                raise ValueError(f"swap({old!r}, ...): the text occurs {count} times in the solution, "
                                 "it must occur exactly once (quote more of the line)")
            out[where[0]] = out[where[0]].replace(old, new)
        return out


def swap(old, new, *more, expect=None):
    """A wrong answer made from the reference solution: replace old by new (and more pairs)."""
    pairs = (old, new, *more)
    if len(pairs) % 2:
        raise ValueError("swap() takes pairs of texts: old, new, old, new, ...")
    return Wrong(swaps=tuple(zip(pairs[::2], pairs[1::2])), expect=expect)


def code(*sources, expect=None):
    """A wrong answer written out: one source per solution cell of the exercise."""
    return Wrong(sources=tuple(textwrap.dedent(s).strip("\n") for s in sources), expect=expect)
