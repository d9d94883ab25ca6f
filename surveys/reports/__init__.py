"""What a reader may see: read-only reports for the dashboard and the API.

Every module here reads *released* data only (released aggregate cells, pooled
comments released with them, counts of who was enrolled or asked) and decides
what may be shown through ``surveys.disclosure``. Nothing here changes state;
use cases that do live in ``surveys.services``, which never imports this
package.

- ``released_cells``  the released cells a page or the API may add up (and the
                      stored cells researchers read, each judged)
- ``shown_sums``      what leads see: one-attribute month sums and the pages'
                      totals, with the exact people behind each; ``judged`` decides
                      them as shown, with complementary suppression
- ``pooled``          a cross-organisation programme's cells: per member, or pooled
                      for its coordinator
- ``cache``           reports kept per programme release version (in the process,
                      then the ``released_reports`` table)
- ``precompute``      the worker's release step: decide and store reports once
- ``codec``           strict JSON conversions of stored reports (never pickle)
- ``counts``          enrolled and invited per role (rate denominators)
- ``overview``        the programme overview
- ``headline``        "is it working?" on one screen: key scores, trends, net
                      scores (``headline_values`` its values, ``headline_rules``
                      when each may be shown, ``headline_months`` the one month
                      it is shown as of, ``headline_findings`` every
                      comparison of the evaluation plan, in the plan's order,
                      run through the builder)
- ``pulse``           pulse trends per month; ``pulse_details`` its 0-10 lines,
                      topics and comments (``pulse_values`` their values)
- ``two_cohorts``     one question, two cohorts, from released histograms
- ``builder``         the comparison builder: ``COMPARE`` names a plain function per
                      comparison (``plain``, ``matched``, ``did``, ``benchmark``) over a
                      frozen ``scope``; ``comparisons`` is the one table of comparisons
                      (label, HR, rounds, export family); ``request`` parses the form,
                      ``sides`` the groups
- ``retention``       Kaplan-Meier retention and promotion from HR dates
- ``exported``        what the comparison builder shows for a research export's scope
                      (the bundle's analysis/expected.json)
"""
