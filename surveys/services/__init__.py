"""Use cases: one function each. They flush but never commit; the caller owns the transaction.

The one exception is an export's build (``exports.building.run_export``, ``finish`` and
``exports.dp.build_dp_export``): it runs for minutes in a worker, so it takes a
``Database`` and commits its own short transactions (claim, progress, finish).

Read-only reports live in :mod:`surveys.reports`; nothing here imports them.

By area:

- **People**: ``people/`` imports a firm's HR file, all or nothing (``import_people``),
  enrols people in bulk and finds them (directory search).
- **Programmes and meetings**: ``programmes`` (firms, programmes, enrolments,
  pairings), ``meetings`` (``record_meeting``, which starts everything else),
  ``webhooks`` (the signed calendar webhook), ``rounds`` (closing climate rounds),
  ``suggestions`` (proposed pairs an admin accepts one by one), ``audience`` (who a
  round would invite, and the warning when a group cannot reach k, before launch),
  ``plans`` (each programme's evaluation plan: declared, frozen at the first release,
  amended with a date), ``members`` (cross-organisation programmes: member firms, and
  whose results each reader may see), ``member_people`` (how the programme's pages
  show another member firm's people: HR id, role and firm only).
- **Surveys, invitations and responses**: ``invitations/`` (issue, links,
  reminders), ``tokens`` (survey-link tokens), ``responses`` (``submit_response``).
- **Evaluation**: ``plans`` (each programme's evaluation plan: the default from the
  instruments, declared, frozen at the first release, amended with a date).
- **Scales**: ``scale_reliability`` (a scale's scores per stored response, and its
  α and ω released under the reliability rule, each release kept in
  ``reliability_releases`` so the next is judged against it).
- **Exports**: ``exports/`` (request, build, download links, expiry, and the
  differentially private ``exports.dp``).
- **Accounts**: ``accounts`` (staff accounts, passwords, sign-in), ``staff`` (invite,
  roles, deactivate, set-password and reset links, the account audit), ``resets``
  (password resets that answer the same for every address, mailed by a worker), ``sso``
  (per-firm OpenID Connect settings and sign-in rules), ``api_tokens``.
- Also: ``errors`` (what a service raises, mapped to 4xx by the interfaces) and
  ``demo`` (the synthetic demo firms; ``demo_shared`` its cross-organisation programme).
"""
