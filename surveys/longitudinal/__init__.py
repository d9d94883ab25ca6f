"""Longitudinal pairing without a plain pseudonym (PRODUCT.md 2.3).

Only the worker, holding both the private key and ``FLIPSIDE_PSEUDONYM_SECRET``,
can tell which stored responses are one person's:

- :mod:`surveys.longitudinal.vault`: the encrypted pairing records the mixer
  writes beside each longitudinal response, and the key that opens them;
- :mod:`surveys.longitudinal.release`: paired differences between two closed
  climate rounds, computed once at release and stored only at k;
- :mod:`surveys.longitudinal.exported`: per-export pseudonyms for a bundle,
  under a random key that is discarded with the build.
"""
