"""Anonymity at rest (PRODUCT.md 2.3): keys, the sealed inbox and the mixer.

A submission is sealed to the workers' public key (:mod:`surveys.intake.sealing`),
padded to its survey version's one fixed size (:mod:`surveys.intake.padding`);
the mixer (:mod:`surveys.intake.mixer`) opens sealed submissions with the private
key and stores them as plain responses only in batches of at least k distinct
people. :mod:`surveys.intake.keys` loads and derives every key involved;
:mod:`surveys.intake.due` says which periods a pass opens,
:mod:`surveys.intake.mixing` runs one pass against the database and
:mod:`surveys.intake.storing` writes its released batches;
:mod:`surveys.intake.passes` records when the last pass completed (for /healthz).
"""
