"""Research exports (PRODUCT.md 2.7): row-level bundles and differentially private aggregates.

``quasi`` names the quasi-identifiers and how they coarsen; ``bundle`` builds
the zip, from the group counts of ``planning`` and the rows of ``table_rows``
read in chunks; ``writers`` and ``documents`` write its files; ``comments``
masks free text; ``dp`` releases noisy aggregates against a budget ledger.
Whether anything may be released is decided by :mod:`surveys.disclosure`.
"""
