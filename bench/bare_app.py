"""The bench's baseline: a bare Flask app that upserts one row and commits, on the same database
with the same engine settings as the service (SQLite WAL with synchronous=FULL and IMMEDIATE
transactions; PostgreSQL with synchronous_commit on). The service's figures are reported as
ratios against it, so that they mean the same on any machine (issue 7).

    EXAMSVC_DATABASE_URL=… gunicorn -c gunicorn.conf.py bench.bare_app:app
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import Column, Integer, MetaData, String, Table, text

from question_bank.db import make_engine

metadata = MetaData()
bare_response = Table(
    "bench_bare_response", metadata,
    Column("attempt_id", Integer, primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("answer", String(200), nullable=False),
    Column("seq", Integer, nullable=False),
)

_UPSERT = text(
    "INSERT INTO bench_bare_response (attempt_id, slot, answer, seq) VALUES (:attempt, :slot, :answer, :seq) "
    "ON CONFLICT (attempt_id, slot) DO UPDATE SET answer = excluded.answer, seq = excluded.seq")


def create_bare_app(url: str) -> Flask:
    """The baseline app on ``url``: ``POST /attempts/<id>/responses`` with the service's JSON body
    (``slot``, ``answer``, ``seq``) stores it in one upsert and one commit; the reply is small JSON."""
    engine = make_engine(url)
    metadata.create_all(engine)
    app = Flask(__name__)

    @app.post("/api/attempts/<int:attempt_id>/responses")
    def save(attempt_id: int):
        body = request.get_json()
        with engine.begin() as connection:
            connection.execute(_UPSERT, {"attempt": attempt_id, "slot": int(body["slot"]),
                                         "answer": ",".join(body["answer"]), "seq": int(body["seq"])})
        return jsonify({"saved": True})

    return app


app = create_bare_app(os.environ["EXAMSVC_DATABASE_URL"]) if "EXAMSVC_DATABASE_URL" in os.environ else None
