"""``python -m webapp.cli.stats``: the ``stats`` commands alone, without the ``flipside`` group."""

from webapp.cli.stats import stats

stats(prog_name="flipside stats")
