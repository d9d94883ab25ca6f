"""A seeded simulator of reverse-mentoring programmes, for the demo (``flipside demo``).

Everything it creates is invented. People and HR outcomes are drawn from
simple hazard models; meetings, invitations and responses go through the real
services (record_meeting, issue_pulse_invitations / launch_round,
open_invitation + submit_response), so the demo's responses have exactly the
shape, cohort snapshot and anonymity of real ones. The simulator knows who
answers what only while it runs; nothing it stores links an answer to a person.

The planted effects are in :mod:`surveys.simulation.effects`;
tests/integration/test_demo_effects.py checks that the statistics engine finds
them, and finds nothing where nothing was planted.
"""
