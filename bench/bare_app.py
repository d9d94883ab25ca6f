"""The baseline for bench/submit.py: a bare Flask endpoint that inserts one row."""

from __future__ import annotations

import os
from datetime import date

from flask import Flask
from sqlalchemy import Column, Date, Integer, MetaData, Table, insert

from surveys.db.session import make_engine

metadata = MetaData()
rows = Table(
    "bench_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("value", Integer, nullable=False),
    Column("created_on", Date, nullable=False),
)


def create_app() -> Flask:
    app = Flask(__name__)
    engine = make_engine(
        os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")
    )

    @app.post("/insert")
    def insert_one() -> tuple[str, int]:
        with engine.begin() as conn:
            conn.execute(insert(rows).values(value=1, created_on=date.today()))
        return "", 204

    return app


app = create_app()
