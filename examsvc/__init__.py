"""The Flask web service over ``question_bank``: thin views that validate input, call a service,
commit and render."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, redirect, request, url_for
from flask_babel import gettext
from werkzeug.routing import IntegerConverter

from examsvc import config as app_config
from examsvc import audit_origin, database, errors, id_keys, ledger_reasons, outages, template_gettext
from examsvc.auth.access_log import register as register_access_log
from examsvc.auth.session_rules import register as register_session_rules
from examsvc.extensions import babel, csrf, login_manager, select_locale, wants_json
from examsvc.formatting import register_filters
from examsvc.laws.links import register as register_citation_links
from examsvc.request_text import register as register_request_text
from examsvc.security_headers import register as register_security_headers
from examsvc.access import load_user

ROOT = database.ROOT


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides settings (tests pass DATABASE_URL, CLOCK, SECRET_KEY).

    Makes no database changes: the schema comes from ``flask --app wsgi db-upgrade``.
    """
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(app_config.INSTANCE_DIR),
    )
    app.config.update(app_config.load(config))
    # ID numbers are sealed and found with keys from the configuration (SEC-P5).
    id_keys.configure(app.config["ID_KEY"])
    # Before any route exists: every <int:…> in a URL is bounded like the ids it names.
    app.url_map.converters["int"] = DatabaseIntConverter

    database.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "examsvc" / "translations"))
    template_gettext.register(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(_unauthorized)
    errors.register(app)
    audit_origin.register(app)
    outages.register(app)
    register_filters(app)
    ledger_reasons.register(app)
    register_security_headers(app)
    register_request_text(app)
    register_access_log(app)
    register_session_rules(app)

    from examsvc.api.routes import bp as api_bp
    from examsvc.auth.routes import bp as auth_bp
    from examsvc.bank.routes import bp as bank_bp
    from examsvc.candidate.routes import bp as candidate_bp
    from examsvc.exams.routes import bp as exams_bp
    from examsvc.item_analysis.routes import bp as item_analysis_bp
    from examsvc.law_review.routes import bp as law_review_bp
    from examsvc.marking.routes import bp as marking_bp
    from examsvc.audit.routes import bp as audit_bp
    from examsvc.laws.routes import bp as laws_bp
    from examsvc.practice.routes import bp as practice_bp
    from examsvc.records_api.routes import register as register_records_api
    from examsvc.reports.appraisal import bp as appraisal_bp
    from examsvc.reports.routes import bp as reports_bp
    from examsvc.reports.score_reports import bp as score_reports_bp
    from examsvc.verification import bp as verification_bp
    from examsvc.reports.study import bp as study_reports_bp
    from examsvc.study.cadre import bp as my_study_bp
    from examsvc.study.coverage import bp as study_coverage_bp
    from examsvc.study.routes import bp as study_bp

    for blueprint in (auth_bp, candidate_bp, api_bp, bank_bp, exams_bp, reports_bp, law_review_bp,
                      marking_bp, audit_bp, item_analysis_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(laws_bp)
    for blueprint in (study_bp, my_study_bp, study_coverage_bp, study_reports_bp, appraisal_bp, score_reports_bp,
                      verification_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(practice_bp)
    register_records_api(app)
    register_citation_links(app)

    from examsvc.cli import register as register_cli

    register_cli(app)
    if app.config["IMPORT_WORKER_THREAD"]:
        from examsvc.import_worker_cli import start_thread

        start_thread(app)
    return app


class DatabaseIntConverter(IntegerConverter):
    """``<int:…>`` limited to what an id column holds (PostgreSQL ``integer``): a larger number
    cannot name anything, so the URL simply does not match (404) instead of failing in the database."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _unauthorized():
    if wants_json():
        return jsonify({"error": "unauthenticated", "message": gettext("Please sign in.")}), 401
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
