"""The course's helpers: what exists to teach, show and check, not the library itself.

``nnlib`` (the package above) is the library a student rebuilds: modules, layers, losses,
optimizers, autograd, gradient checking, attention, convolution, recurrence, training and
data. This subpackage holds what the lessons need around it, and imports the library
(never the reverse), so ``import nnlib`` loads neither matplotlib nor IPython:

- ``checks``: the self-checks that end every exercise (with ``_feedback``, how a verdict is
  worded, and ``_running``, how the student's code is run);
- ``plotting`` and ``widgets``: the course's figure style and its interactive figures
  (live sliders in Jupyter, kernel-free sliders in the book);
- ``linalg``: distances and similarities between vectors (Chapter 1);
- ``perceptron``: the threshold unit and Rosenblatt's learning rule (Chapter 2);
- ``piecewise``: exact linear pieces of a ReLU network on one input (Chapter 6);
- ``diagnostics``: per-layer statistics, dead units and the confusion matrix (Chapter 5).

Numbers in the prose are ``{eval}`` expressions (CONTRIBUTING.md), so no helper is needed
for them.

Import what a lesson needs, e.g. ``from nnlib.course import checks, plotting``.
"""
