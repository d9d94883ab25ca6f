"""Use cases: one function each. They flush but never commit; the caller owns the transaction."""
