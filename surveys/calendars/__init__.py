"""Meetings found in calendars: what counts as one, and the connectors that read them.

Only the pairing, the date and the source (the connector's kind) of a meeting are
ever kept or logged; a calendar's subjects, bodies, locations and other attendees
are read in memory to decide and then dropped.

- ``events``: the connector-neutral event (times, status, attendees and replies).
- ``matching``: the pure rule that turns one event into meetings of pairings.
- ``ical``: iCalendar text to events, recurring series expanded, time zones kept.
- ``caldav_source``: reads a CalDAV calendar (``caldav``) or an ICS feed (``requests``).
- ``graph``: Microsoft 365 through Microsoft Graph (client-credentials token, a full
  calendarView delta round per mentor's mailbox).
- ``google``: Google Calendar (service-account JWT with domain-wide delegation, sync
  tokens, 410 Gone -> a full read again).
- ``notifications``: Graph change notifications (validation handshake, clientState).
- ``recording``: applies decisions through :mod:`surveys.services.meetings`
  (record, move, withdraw before any invitation is sent).
- ``connectors``: per-firm connector settings, credentials by environment-variable
  name, sync, dry-run and health.
"""
