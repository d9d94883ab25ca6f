"""The JSON API under /api/v1 (Bearer tokens) and its OpenAPI 3.1 document."""
