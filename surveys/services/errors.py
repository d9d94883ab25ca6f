"""Errors a service raises for input a user can correct (mapped to 4xx by the interfaces)."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: the message is safe and meant for the person who sent the input."""

    status = 400


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    status = 422


class Gone(ServiceError):
    """Something that existed but can no longer be used (an answered or expired link)."""

    status = 410
