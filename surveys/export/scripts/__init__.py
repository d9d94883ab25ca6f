"""The analysis scripts a research bundle carries (``analysis/`` in the zip).

``analysis.py`` (this package, standalone: the standard library and SciPy) and
``analysis.R`` (base R) recompute the dashboard's comparisons from the
bundle's own CSV files and compare them with ``expected.json``; they are
copied into the bundle as they are (:mod:`surveys.export.analysis`).
"""
