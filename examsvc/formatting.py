"""Jinja filters: times in Asia/Shanghai, points, durations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Flask
from flask_babel import format_datetime, ngettext

from examsvc import sheet_labels
from examsvc.extensions import clock, select_locale

from question_bank.types import REGISTRY


def points(value: Decimal | int | float | None) -> str:
    """86.50 → "86.5", 2.00 → "2"; None → "—". The exact mean of two markers keeps its half
    hundredth: Decimal 30.005 → "30.005" (``Mark.exact``), never rounded for show."""
    if value is None:
        return "—"
    if isinstance(value, Decimal) and value.is_finite() and value != value.quantize(Decimal("0.01")) \
            and value == value.quantize(Decimal("0.001")):
        return f"{value:.3f}"
    text = f"{Decimal(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def points_count(value: Decimal | int) -> str:
    """A mark with its unit, counted: "1 point", "2.5 points" / "2.5分". A fraction takes the
    plural, as English says "1.5 points"."""
    return ngettext("%(points)s point", "%(points)s points", 1 if value == 1 else 2, points=points(value))


def local_time(value: dt.datetime | str | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A UTC datetime shown in the app's timezone (Asia/Shanghai). ``value`` may also be the ISO
    8601 text a stored report keeps (``ImportReport.same_file["uploaded_at"]``); without an offset
    it is UTC, as every stored time is. The one way a time is shown, so no page shows UTC."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
    return format_datetime(value, fmt)


def moment(value: dt.datetime | None) -> str:
    """A UTC datetime as a date and time in the app's timezone (Asia/Shanghai), with seconds only
    when it has any: "2026-05-11 12:00", "2026-05-11 11:59:30"."""
    if value is None:
        return "—"
    return format_datetime(value, "yyyy-MM-dd HH:mm:ss" if value.second else "yyyy-MM-dd HH:mm")


def deadline(value: dt.datetime | None) -> str:
    """A deadline in the app's timezone (Asia/Shanghai), to the second as the countdown speaks: the
    time alone when it falls today there by the server's clock, else the date too ("12:00:00",
    "2026-05-12 09:30:00"). An attempt that runs past midnight must never read as ending earlier today."""
    if value is None:
        return "—"
    if format_datetime(value, "yyyy-MM-dd") != format_datetime(clock().now(), "yyyy-MM-dd"):
        return format_datetime(value, "yyyy-MM-dd HH:mm:ss")
    return format_datetime(value, "HH:mm:ss")


def clock_time(seconds: int | None) -> str:
    """1830 → "30:30" (minutes:seconds), for a countdown."""
    return "—" if seconds is None else f"{seconds // 60}:{seconds % 60:02d}"


def minutes(seconds: int) -> str:
    """A duration in whole minutes, in words: "60 minutes" / "60分钟"."""
    return ngettext("%(num)d minute", "%(num)d minutes", seconds // 60)


def register_filters(app: Flask) -> None:
    app.add_template_filter(points, "points")
    app.add_template_filter(points_count, "points_count")
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(moment, "moment")
    app.add_template_filter(deadline, "deadline")
    app.add_template_filter(clock_time, "duration")
    app.add_template_filter(minutes, "minutes")
    app.add_template_filter(sheet_labels.sheet_text, "sheet_text")
    app.add_template_global(REGISTRY, "QUESTION_TYPES")
    app.add_template_global(select_locale, "current_language")
