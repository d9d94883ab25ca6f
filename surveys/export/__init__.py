"""Research exports (PRODUCT.md 2.7): row-level bundles and differentially private aggregates.

``quasi`` names the quasi-identifiers and how they coarsen; ``bundle`` builds
the zip, from the group counts of ``planning`` and the rows of ``table_rows``
read in chunks; ``writers`` and ``documents`` write its files; ``comments``
masks free text; ``dp`` releases noisy aggregates against a budget ledger.
``priorities`` carries the researcher's order of quasi-identifiers to protect
and its cost; ``releases`` keeps one release lineage per programme (each
response generalised once, at its first release) and ``lineage`` applies it to
an export's scope; ``analysis`` writes the bundle's ``analysis/`` folder (the
scripts of ``scripts`` and the dashboard's numbers they are checked against),
and ``sides`` decides which of those numbers are left out (a side differing from
the bundle's rows by 1 to k-1 people).
Whether anything may be released is decided by :mod:`surveys.disclosure`.
"""
