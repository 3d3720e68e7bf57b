"""Exercise numbers that the book, the notebook and the checks agree on.

The chapters number their exercises "4.1, 4.2, ..." (sphinx-exercise, from the
table of contents) and the checks print the same ("Exercise 4.1, ...: passed").
In JupyterLab and Notebook 7, jupyterlab-myst numbers a notebook's exercises on
its own, 1, 2, 3, unless a directive states its number with mystmd's
``:enumerator:`` option. So every exercise in ``notebooks/`` states it::

    ```{exercise} Predict, then run: fifty steps back
    :label: ex-rnn-growth
    :enumerator: 4.1
    ```

sphinx-exercise does not know that option (docutils would reject the directive).
This extension registers the ``exercise`` directive again with it, keeps the
number on the node, and when the book's numbers are known (``doctree-resolved``)
compares the two: a stated number that is not the book's is a warning, which the
book's ``-W`` build turns into an error. The book keeps numbering by itself; the
option only has to be right. (tests/test_check.py ties the stated number to the
check the exercise's cells call.)
"""

from __future__ import annotations

from docutils.parsers.rst import directives
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The node attribute holding the stated number.
STATED = "gradnotes_enumerator"


def _directive():
    from sphinx_exercise.directive import ExerciseDirective

    class NumberedExerciseDirective(ExerciseDirective):
        """sphinx-exercise's directive, plus mystmd's ``:enumerator:`` (the number JupyterLab shows)."""

        option_spec = {**ExerciseDirective.option_spec, "enumerator": directives.unchanged_required}

        def run(self):
            nodes = super().run()
            stated = self.options.get("enumerator")
            if stated is not None:
                for node in nodes:
                    if node.get("type") == self.name:
                        node[STATED] = stated.strip()
            return nodes

    return NumberedExerciseDirective


def check_numbers(app, doctree, docname) -> None:
    """Warn where an exercise's stated ``:enumerator:`` is not the number the book gives it."""
    from sphinx_exercise.nodes import exercise_enumerable_node

    numbers = app.builder.env.toc_fignumbers.get(docname, {}).get("exercise", {})
    for node in doctree.findall(exercise_enumerable_node):
        stated = node.get(STATED)
        if stated is None or not node["ids"]:
            continue
        given = ".".join(map(str, numbers.get(node["ids"][0], ())))
        if stated != given:
            logger.warning(f"exercise {node['label']!r} states ':enumerator: {stated}' but the book numbers it "
                           f"{given or '(no number)'}: JupyterLab would show a different number than the book",
                           location=node, type="gradnotes", subtype="exercise_number")


def setup(app):
    app.setup_extension("sphinx_exercise")
    app.add_directive("exercise", _directive(), override=True)
    app.connect("doctree-resolved", check_numbers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
