"""What the auditor's page calls each audit action, object type and snapshot key (issue 6, tester
finding 6: the page showed raw codes such as ``auth.sign_in`` and table names such as ``org_unit``).

A code without a label is shown as it is (a new action is never hidden); a test checks that every
action the code records has one. Times written in snapshots (ISO 8601 with an offset, as the
services write them) are shown in Beijing time, like the page's own time column.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l

from question_bank.clock import BEIJING

#: Action code → label. ``read.*`` are reads of records (``examsvc.read_audit``).
ACTIONS: dict[str, Any] = {
    "api_token.create": _l("API token created"), "api_token.refuse": _l("API token refused"),
    "api_token.revoke": _l("API token revoked"), "api_token.use": _l("API token used"),
    "attempt.deadline": _l("Attempt deadline changed"), "attempt.reopen": _l("Attempt re-opened"),
    "attempt.start": _l("Attempt started"), "attempt.void": _l("Attempt voided"),
    "attempt.submitted": _l("Attempt handed in"), "attempt.auto_submitted": _l("Attempt handed in at its deadline"),
    "attempt.closed_by_void": _l("Attempt closed by a void"),
    "auth.password_change": _l("Password changed"), "auth.password_change_failed": _l("Password change failed"),
    "auth.password_change_throttled": _l("Password change slowed down (too many tries)"),
    "auth.password_change_locked": _l("Password change locked (too many tries)"),
    "auth.refused": _l("Access refused"), "auth.sign_in": _l("Signed in"), "auth.sign_in_failed": _l("Sign-in failed"),
    "auth.sign_in_disabled": _l("Sign-in refused: account disabled"),
    "auth.sign_in_throttled": _l("Sign-in slowed down (too many tries)"), "auth.sign_out": _l("Signed out"),
    "backup.failed": _l("Backup failed"), "backup.written": _l("Backup written"),
    "restore.done": _l("Backup restored"), "restore.refused": _l("Restore refused"),
    "batch.approve": _l("Import batch approved"), "batch.reject": _l("Import batch rejected"),
    "batch.discard": _l("Import batch discarded"), "batch.import": _l("Questions imported"),
    "batch.import_refused": _l("Question import refused"),
    "category.create": _l("Category created"), "category.delete": _l("Category deleted"),
    "category.merge": _l("Categories merged"), "category.move": _l("Category moved"),
    "category.rename": _l("Category renamed"),
    "export.appraisal": _l("Appraisal summary exported"), "export.audit_log": _l("Audit log exported"),
    "export.import_problems": _l("Import problems exported"), "export.item_analysis": _l("Item analysis exported"),
    "export.questions": _l("Questions exported"), "export.score_sheet": _l("Score sheet exported"),
    "export.score_sheet_full_id": _l("Score sheet with full ID numbers exported"),
    "export.score_sheet_full_id_refused": _l("Score sheet with full ID numbers refused"),
    "export.study_list": _l("Study list exported"), "export.study_progress": _l("Study progress exported"),
    "law.citations_carried_forward": _l("Citations carried to a new law version"), "law.load": _l("Law loaded"),
    "law.update": _l("Law updated"), "ledger.checkpoint": _l("Score record checkpoint"),
    "mark.given": _l("Mark given"), "mark.set_aside": _l("Mark set aside (response changed)"),
    "paper.create": _l("Paper created"), "paper.update": _l("Paper changed"), "paper.exposure": _l("Paper exposure checked"),
    "paper.practice_exclusion": _l("Paper kept out of practice"), "paper.republish": _l("Fixed paper published again"),
    "question.approve": _l("Question approved"), "question.create": _l("Question created"),
    "question.discard_revision": _l("Question revision discarded"),
    "question.law_review_clear": _l("Question law review cleared"),
    "question.law_review_flag": _l("Question flagged for law review"),
    "question.law_review_retire": _l("Question retired after law review"), "question.restore": _l("Question restored"),
    "question.retire": _l("Question retired"), "question.return": _l("Question returned to its author"),
    "question.submit": _l("Question submitted for review"), "question.update": _l("Question changed"),
    "read.api_appraisal_cadres": _l("Read: appraisal by cadre (API)"),
    "read.api_appraisal_units": _l("Read: appraisal by unit (API)"), "read.api_audit_events": _l("Read: audit events (API)"),
    "read.api_roster": _l("Read: roster (API)"), "read.api_scores": _l("Read: score records (API)"),
    "read.appraisal": _l("Read: appraisal summary"), "read.appraisal_export": _l("Read: appraisal summary download"),
    "read.audit_export": _l("Read: audit log download"), "read.score_records": _l("Read: score records"),
    "read.score_report": _l("Read: exam report"), "read.score_sheet": _l("Read: score sheet"),
    "read.score_sheet_export": _l("Read: score sheet download"), "read.study_progress": _l("Read: study progress"),
    "read.study_progress_export": _l("Read: study progress download"),
    "report.issue": _l("Exam report issued"),
    "roster.add": _l("Added to roster"), "roster.extra_time": _l("Extra time given"),
    "roster.import": _l("Roster imported"), "roster.remove": _l("Removed from roster"),
    "score_change.approve": _l("Score change approved"), "score_change.reject": _l("Score change rejected"),
    "score_change.dropped": _l("Score change dropped"), "score_change.propose": _l("Score change proposed"),
    "sitting.admission_refused": _l("Admission refused"), "sitting.create": _l("Sitting created"),
    "sitting.makeup_roster": _l("Make-up roster made"), "sitting.regrade": _l("Sitting regraded"),
    "sitting.release_results": _l("Results released"), "sitting.update": _l("Sitting changed"),
    "study_list.copy": _l("Study list copied"), "study_list.create": _l("Study list created"),
    "study_list.import": _l("Study list imported"), "study_list.item_add": _l("Study list item added"),
    "study_list.item_remove": _l("Study list item removed"), "study_list.item_update": _l("Study list item changed"),
    "study_list.new_version": _l("Study list new version"), "study_list.publish": _l("Study list published"),
    "study_list.update": _l("Study list changed"),
    "unit.create": _l("Unit created"), "unit.update": _l("Unit changed"),
    "user.create": _l("Account created"), "user.disable": _l("Account disabled"), "user.enable": _l("Account enabled"),
    "user.import": _l("Accounts imported"), "user.password_change": _l("Account password changed"),
    "user.password_reset": _l("Account password reset"), "user.password_reset_by_link": _l("Password reset by link"),
    "user.password_reset_link": _l("Password reset link made"), "user.update": _l("Account changed"),
    "user.sign_in_lock_lifted": _l("Sign-in lock lifted"),
}

#: Object type (a table's name) → label.
OBJECT_TYPES: dict[str, Any] = {
    "api_token": _l("API token"), "attempt": _l("Attempt"), "attempt_item": _l("Attempt item"),
    "audit_event": _l("Audit log"), "backup_file": _l("Backup file"), "category": _l("Category"),
    "file": _l("File"), "import_batch": _l("Import batch"), "import_file": _l("Import file"), "law": _l("Law"),
    "law_version": _l("Law version"), "ledger": _l("Score record"), "org_unit": _l("Unit"), "unit": _l("Unit"),
    "paper": _l("Paper"), "question": _l("Question"), "question_set": _l("Question set"),
    "roster_entry": _l("Roster entry"), "sitting": _l("Sitting"), "study_list": _l("Study list"),
    "user": _l("Account"),
}

#: Snapshot key → label, for the keys events commonly hold; others are shown as written.
KEYS: dict[str, Any] = {
    "score": _l("Score"), "band": _l("Band"), "passed": _l("Passed"), "status": _l("Status"), "reason": _l("Reason"),
    "round": _l("Round"), "comment": _l("Comment"), "settled": _l("Mark that counts"), "marking": _l("Marking"),
    "finished_at": _l("Finished at"), "deadline": _l("Deadline"), "awaiting_marking": _l("Awaiting marking"),
    "path": _l("Page"), "address": _l("Address"), "agent": _l("Browser"), "roles": _l("Roles"), "name": _l("Name"),
    "title": _l("Title"), "slot": _l("Question"), "kind": _l("Kind"), "changes": _l("Changes"),
    "question_id": _l("Question id"), "attempt_id": _l("Attempt id"), "regrade_id": _l("Regrade id"),
    "old": _l("Old"), "new": _l("New"), "old_max": _l("Old maximum"), "new_max": _l("New maximum"),
    "until": _l("Until"), "format": _l("Format"), "rows": _l("Rows"), "user_id": _l("Account id"),
    "created_at": _l("Created at"), "updated_at": _l("Changed at"), "state": _l("State"), "total": _l("Total"),
    "mark": _l("Mark"), "version": _l("Version"), "note": _l("Note"), "sitting": _l("Sitting"), "unit": _l("Unit"),
}


def action_label(code: str) -> Any:
    """The action's label; the code itself for one without a label (never hidden)."""
    return ACTIONS.get(code, code)


def object_label(code: str) -> Any:
    return OBJECT_TYPES.get(code, code)


def beijing(value: Any) -> Any:
    """``value`` with every string that is an ISO 8601 time with an offset (as the services write
    them: "2026-12-02T01:30:00+00:00") written in Beijing time ("2026-12-02 09:30:00"), at any
    depth; other values unchanged."""
    if isinstance(value, dict):
        return {k: beijing(v) for k, v in value.items()}
    if isinstance(value, list):
        return [beijing(v) for v in value]
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] in ("T", " "):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    return value


def labelled(snapshot: dict[str, Any] | None) -> list[tuple[Any, Any]]:
    """A snapshot's top-level (label, value) pairs, times in Beijing time, for the page; nested
    values stay as they are (the raw JSON is shown beside them)."""
    if not isinstance(snapshot, dict):
        return []
    return [(KEYS.get(key, key), value) for key, value in beijing(snapshot).items()]
