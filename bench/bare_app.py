"""The baselines for bench/submit.py: bare Flask endpoints on the same engine settings.

- ``POST /insert``: inserts one row (the POST-only mode's baseline).
- ``GET /v/<n>``, ``POST /v/<n>``, ``GET /v/thanks``: the whole-visit baseline. The GET
  renders a Jinja template of the same form shape as the real survey page (the same
  questions, one input per option, labels, a hidden token field) with plain loops; the
  POST reads the form, inserts one row and answers 303 to the thanks page, which renders
  a small template. No link lookup, no token check, no answer validation: the floor of
  what a Flask + Jinja + one-insert visit costs on this machine.
"""

from __future__ import annotations

import os
from datetime import date

from flask import Flask, redirect, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Column, Date, Integer, MetaData, Table, insert

from surveys.db.session import make_engine
from surveys.definitions import Question, catalogue

metadata = MetaData()
rows = Table(
    "bench_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("value", Integer, nullable=False),
    Column("created_on", Date, nullable=False),
)

SURVEY = ("mentor_pulse", 1)  # the survey bench/submit.py's invitations are for

_PAGE = """<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>{{ definition.title }}</title></head>
<body>
<main>
<h1>{{ definition.title }}</h1>
<form method="post" novalidate>
  <input name="csrf_token" type="hidden" value="{{ form_token }}">
  {% for question, choices in questions %}
  <div class="question">
  {% if question.type == "text" %}
    <label for="q-{{ question.key }}">{{ question.text }}</label>
    <textarea id="q-{{ question.key }}" name="{{ question.key }}" rows="4"></textarea>
  {% else %}
    <fieldset id="q-{{ question.key }}">
      <legend>{{ question.text }}</legend>
      {% set kind = "checkbox" if question.type == "multi_choice" else "radio" %}
      {% for value, label in choices %}
        <div class="choice">
          <input id="q-{{ question.key }}-{{ loop.index0 }}" name="{{ question.key }}" type="{{ kind }}" value="{{ value }}">
          <label for="q-{{ question.key }}-{{ loop.index0 }}">{{ label }}</label>
        </div>
      {% endfor %}
    </fieldset>
  {% endif %}
  </div>
  {% endfor %}
  <p><button type="submit">Send my answers</button></p>
</form>
</main>
</body>
</html>
"""  # noqa: E501

_THANKS = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Thank you</title></head>
<body><main><h1>Thank you</h1><p>Your answers are saved.</p></main></body></html>
"""


def _choices(question: Question) -> list[tuple[str, str]]:
    if question.type == "likert5":
        return [(str(i + 1), label) for i, label in enumerate(question.labels)]
    if question.type == "scale0_10":
        return [(str(i), str(i)) for i in range(11)]
    if question.type == "yes_no":
        return [("yes", "Yes"), ("no", "No")]
    return [(o.key, o.label) for o in question.options]


def create_app() -> Flask:
    app = Flask(__name__)
    engine = make_engine(
        os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
    )
    definition = catalogue().get(*SURVEY)
    questions = [(q, _choices(q)) for q in definition.questions]
    page = app.jinja_env.from_string(_PAGE)
    thanks_page = app.jinja_env.from_string(_THANKS)

    @app.post("/insert")
    def insert_one() -> tuple[str, int]:
        with engine.begin() as conn:
            conn.execute(insert(rows).values(value=1, created_on=date.today()))
        return "", 204

    @app.get("/v/thanks")
    def thanks() -> ResponseReturnValue:
        return thanks_page.render()

    @app.route("/v/<int:n>", methods=["GET", "POST"])
    def visit(n: int) -> ResponseReturnValue:
        if request.method == "POST":
            answered = sum(bool(request.form.getlist(q.key)) for q, _ in questions)
            with engine.begin() as conn:
                conn.execute(insert(rows).values(value=answered, created_on=date.today()))
            return redirect("/v/thanks", code=303)
        return page.render(definition=definition, questions=questions, form_token=f"t{n}")

    return app


app = create_app()
