"""Signed integration webhooks (calendar meeting notifications)."""
