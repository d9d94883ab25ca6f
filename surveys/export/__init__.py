"""Research exports (PRODUCT.md 2.7): row-level bundles and differentially private aggregates.

``quasi`` names the quasi-identifiers and how they coarsen; ``bundle`` builds
the zip in chunks; ``writers`` and ``codebook`` write its files; ``comments``
masks free text; ``dp`` releases noisy aggregates against a budget ledger.
Whether anything may be released is decided by :mod:`surveys.disclosure`.
"""
