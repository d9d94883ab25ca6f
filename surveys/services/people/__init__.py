"""Importing a firm's people from an HR file: all or nothing, with a row-by-row report.

The file is a CSV with a header row. Columns (``*`` = required)::

    internal_id*  email*  level*  practice_area*  office*  start_date*
    leave_date  leave_reason  promotion_dates  working_pattern  gender  ethnicity
    given_name  family_name  manager_id  team  language

Dates are ISO (``2024-09-01``). ``level`` is one of LEVELS; ``working_pattern``
is ``full-time`` (the default when empty) or ``part-time``; ``leave_reason``
is one of LEAVE_REASONS and needs a ``leave_date``. ``promotion_dates`` lists
the person's promotions separated by ``;``: each is a date, optionally followed
by ``=level`` (``2024-09-01=senior associate``). A bare date is a promotion to
the next level up, counting back from the current level, so the last date is
the promotion to the level the person holds now. ``gender`` and ``ethnicity``
are optional self-descriptions; "prefer not to say" is kept as given.
``given_name`` and ``family_name`` are shown beside the HR id on the staff pages;
``manager_id`` (the line manager's HR id) and ``team`` keep pairing suggestions
from pairing a person with their manager or a teammate. ``language`` (``en``,
``fr``, ``de`` or ``es``; ``fr-FR`` reads as ``fr``) is the language of the
person's invitations and survey pages; empty: their browser's, else the firm's.

Every row is checked before anything is written; one bad row rejects the whole
file with a list of every problem found (row number, column, message).
Re-importing updates people by ``internal_id`` and replaces their promotions;
people absent from the file are left as they are.

The modules, in the order a file passes through them:

- ``reading``: the CSV or JSON shape (columns, widths, encoding);
- ``validation``: each row's values, then rows against each other and the firm;
- ``promotions``: the ``promotion_dates`` column;
- ``importing``: the use case, ``import_people``, and the write;
- ``problems``: RowProblem and ImportRejected, shared by all of them.

Beside the import: ``directory`` (search, filters and pages of a firm's people)
and ``enrolling`` (bulk enrolment from an ``internal_id,role`` CSV, all or nothing).
"""

from surveys.services.people.directory import (
    ENROLMENT_FILTERS,
    PER_PAGE,
    PeopleFilter,
    PeoplePage,
    PersonRow,
    display_name,
    filter_options,
    find_people,
    person_label,
)
from surveys.services.people.enrolling import (
    ENROLMENT_COLUMNS,
    EnrolmentResult,
    enrol_from_rows,
    enrol_many,
    read_enrolment_csv,
)
from surveys.services.people.importing import ImportResult, import_people
from surveys.services.people.problems import ImportRejected, RowProblem
from surveys.services.people.reading import COLUMNS, REQUIRED, read_csv, records_from_json
from surveys.services.people.validation import PersonRecord, validate_row

__all__ = [
    "COLUMNS",
    "ENROLMENT_COLUMNS",
    "ENROLMENT_FILTERS",
    "PER_PAGE",
    "EnrolmentResult",
    "PeopleFilter",
    "PeoplePage",
    "PersonRow",
    "display_name",
    "enrol_from_rows",
    "enrol_many",
    "filter_options",
    "find_people",
    "person_label",
    "read_enrolment_csv",
    "REQUIRED",
    "ImportRejected",
    "ImportResult",
    "PersonRecord",
    "RowProblem",
    "import_people",
    "read_csv",
    "records_from_json",
    "validate_row",
]
