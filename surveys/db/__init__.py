"""Persistence: the declarative base, typed models and session handling."""
