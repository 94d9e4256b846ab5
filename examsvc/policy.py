"""The authorisation policy: which roles reach which route (SEC-A3, issue 10).

One row per Flask endpoint (``blueprint.view``, as ``flask routes`` prints it). A value is either one of the
words below or the set of roles let in; a row may give a dict ``{"GET": ..., "POST": ...}`` when the methods of
one endpoint differ. A route missing here fails ``tests/examsvc/test_sec_a3_role_route_matrix.py``, which calls
every route as every role and compares who was let in with this table (deny by default).

The views enforce it (``examsvc.access.guard`` / ``roles_required``); which *object* a role may touch once let in
(own attempt, own unit's subtree) is decided by ``question_bank.services.protection``. This table is written by
hand, not derived from the code, so that a change of a guard shows up as a failing test and a reviewed row.

Adding a route: add one line ``"blueprint.view": roles(Role.X, ...),`` (or a word below).
"""

from __future__ import annotations

from question_bank.models import Role

#: Anyone, signed in or not.
PUBLIC = "public"
#: Anyone signed in, whatever their role (their own password, the law texts).
SIGNED_IN = "signed-in"
#: A cadre, for their own objects only (another cadre's gives the same 404 as a missing one, SEC-A1).
CANDIDATE_OWN = "candidate-own"
#: The records API: only a Bearer API token holding the view's scope (``view.required_scope``); a
#: browser session never gets in, whatever its roles (tests/examsvc/test_records_api.py checks tokens).
API_TOKEN = "api-token"

Rule = str | frozenset[Role]


def roles(*allowed: Role) -> frozenset[Role]:
    """The roles let into a route (holding any one of them is enough)."""
    return frozenset(allowed)


_BANK = roles(Role.BANK_EDITOR, Role.BANK_REVIEWER)
_EDITOR = roles(Role.BANK_EDITOR)
_REVIEWER = roles(Role.BANK_REVIEWER)
_EXAM_ADMIN = roles(Role.EXAM_ADMIN)
_SYSADMIN = roles(Role.SYSADMIN)
_HR = roles(Role.HR)
_AUDITOR = roles(Role.AUDITOR)
_MARKERS = roles(Role.MARKER, Role.SENIOR_MARKER)
_LAW_KEEPERS = roles(Role.LAW_ADMIN, Role.BANK_EDITOR)
_STUDY_KEEPERS = roles(Role.STUDY_ADMIN, Role.EXAM_ADMIN)

POLICY: dict[str, Rule | dict[str, Rule]] = {
    # --- signing in, one's own account -----------------------------------------------------------------
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.set_language": PUBLIC,
    "auth.index": SIGNED_IN,
    "auth.logout": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    # --- accounts and the org tree (system administrator, own subtree) -----------------------------------
    "auth.users": _SYSADMIN,
    "auth.new_user": _SYSADMIN,
    "auth.edit_user": _SYSADMIN,
    "auth.disable_user": _SYSADMIN,
    "auth.enable_user": _SYSADMIN,
    "auth.reset_password": _SYSADMIN,
    "auth.import_accounts": _SYSADMIN,
    "auth.units": _SYSADMIN,
    "auth.edit_unit": _SYSADMIN,
    "auth.api_tokens_page": _SYSADMIN,
    "auth.revoke_api_token": _SYSADMIN,
    "auth.make_reset_link": _SYSADMIN,
    "auth.lift_sign_in_lock": _SYSADMIN,
    # --- a one-time password reset link: whoever holds the link (it is the credential) -------------------
    "auth.reset_with_link": PUBLIC,
    # --- the candidate's own exam -------------------------------------------------------------------------
    "candidate.dashboard": CANDIDATE_OWN,
    "candidate.confirm": CANDIDATE_OWN,
    "candidate.start": CANDIDATE_OWN,
    "candidate.attempt_page": CANDIDATE_OWN,
    "candidate.result": CANDIDATE_OWN,
    "candidate.review": CANDIDATE_OWN,
    "api.attempt_state": CANDIDATE_OWN,
    "api.save_response": CANDIDATE_OWN,
    "api.submit": CANDIDATE_OWN,
    "api.claim": CANDIDATE_OWN,
    "api.take_over": CANDIDATE_OWN,
    "api.focus": CANDIDATE_OWN,
    # --- the candidate's practice and study ------------------------------------------------------------
    "practice.index": CANDIDATE_OWN,
    "practice.start": CANDIDATE_OWN,
    "practice.run": CANDIDATE_OWN,
    "practice.feedback": CANDIDATE_OWN,
    "practice.answer": CANDIDATE_OWN,
    "practice.book": CANDIDATE_OWN,
    "my_study.index": CANDIDATE_OWN,
    "my_study.item": CANDIDATE_OWN,
    "my_study.studied": CANDIDATE_OWN,
    "my_study.practise": CANDIDATE_OWN,
    # --- the question bank ------------------------------------------------------------------------------
    "bank.questions": _BANK,
    "bank.question": _BANK,
    "bank.new_question": _EDITOR,
    "bank.edit_question": _EDITOR,
    "bank.submit": _EDITOR,
    "bank.approve": _REVIEWER,
    "bank.return_question": _REVIEWER,
    "bank.retire": _REVIEWER,
    "bank.restore": _REVIEWER,
    "bank.export_questions": _BANK,
    "bank.import_template": _BANK,
    "bank.import_upload": _EDITOR,
    "bank.import_held": _EDITOR,
    "bank.import_job": _BANK,
    "bank.import_job_status": _BANK,
    "bank.refused_problems": _EDITOR,
    "bank.batches": _BANK,
    "bank.batch": _BANK,
    "bank.batch_problems": _BANK,
    "bank.decide": _REVIEWER,
    "bank.discard": _EDITOR,
    "bank.category_list": _BANK,
    "bank.category_page": _BANK,
    "bank.create_category": _EDITOR,
    "bank.rename_category": _EDITOR,
    "bank.move_category": _EDITOR,
    "bank.merge_category": _EDITOR,
    "bank.delete_category": _EDITOR,
    # --- the law catalogue and the review of questions whose law changed -------------------------------
    "laws.index": SIGNED_IN,
    "laws.law": SIGNED_IN,
    "laws.version": SIGNED_IN,
    "laws.article": SIGNED_IN,
    "laws.current_article": SIGNED_IN,
    "laws.jump": SIGNED_IN,
    "laws.api_laws": SIGNED_IN,
    "laws.api_articles": SIGNED_IN,
    "laws.api_check": _BANK,
    "laws.load": _LAW_KEEPERS,
    "laws.edit": _LAW_KEEPERS,
    "law_review.flags": roles(Role.BANK_EDITOR, Role.BANK_REVIEWER, Role.LAW_ADMIN),
    "law_review.flag": roles(Role.BANK_EDITOR, Role.BANK_REVIEWER, Role.LAW_ADMIN),
    "law_review.clear": _REVIEWER,
    "law_review.retire": _REVIEWER,
    # --- papers, sittings, rosters, score changes (exam administrator, own subtree) ---------------------
    "exams.papers": _EXAM_ADMIN,
    "exams.paper": _EXAM_ADMIN,
    "exams.new_paper": _EXAM_ADMIN,
    "exams.edit_paper": _EXAM_ADMIN,
    "exams.new_fixed_section": _EXAM_ADMIN,
    "exams.republish_paper": _EXAM_ADMIN,
    "exams.paper_exposure": _EXAM_ADMIN,
    "exams.paper_practice": _EXAM_ADMIN,
    "exams.sittings": _EXAM_ADMIN,
    "exams.sitting": _EXAM_ADMIN,
    "exams.new_sitting": _EXAM_ADMIN,
    "exams.edit_sitting": _EXAM_ADMIN,
    "exams.add_to_roster": _EXAM_ADMIN,
    "exams.import_roster": _EXAM_ADMIN,
    "exams.remove_from_roster": _EXAM_ADMIN,
    "exams.extra_time": _EXAM_ADMIN,
    "exams.release_results": _EXAM_ADMIN,
    "exams.attempt": _EXAM_ADMIN,
    "exams.reopen_attempt": _EXAM_ADMIN,
    "exams.void_attempt": _EXAM_ADMIN,
    "exams.attempt_marks": _EXAM_ADMIN,
    "exams.propose_change": _EXAM_ADMIN,
    "exams.decide_change": _EXAM_ADMIN,
    "exams.regrade": _EXAM_ADMIN,
    "exams.regrade_post": _EXAM_ADMIN,
    # --- marking of short answers -----------------------------------------------------------------------
    "marking.queue": _MARKERS,
    "marking.queue_json": _MARKERS,
    "marking.item": _MARKERS,
    "marking.mark": _MARKERS,
    # --- HR: score sheets and study progress (exports with personal data) ------------------------------
    "reports.sittings": _HR,
    "reports.sitting": _HR,
    "reports.scores_csv": _HR,
    "reports.scores_xlsx": _HR,
    "reports.release_results": _HR,
    # HR reaches it; without the separate grant Role.FULL_ID_EXPORT the view answers 403 (SEC-P1,
    # tests/examsvc/test_sec_p1_p2_p5_privacy_and_trail.py).
    "reports.full_id_export": _HR,
    "appraisal.page": _HR,
    "appraisal.download": _HR,
    "score_reports.show": _HR,
    "score_reports.issue_code": _HR,
    # --- anyone checking a printed score report's verification code ----------------------------------
    "verification.page": PUBLIC,
    "verification.lookup": PUBLIC,
    # --- the records API (Bearer tokens only) and its OpenAPI document ------------------------------------
    "records.list_sittings": API_TOKEN,
    "records.get_sitting": API_TOKEN,
    "records.list_scores": API_TOKEN,
    "records.list_audit_events": API_TOKEN,
    "records.list_roster": API_TOKEN,
    "records.list_appraisal_cadres": API_TOKEN,
    "records.list_appraisal_units": API_TOKEN,
    "api-docs.openapi_json": PUBLIC,
    "records_openapi": PUBLIC,
    "study_reports.lists": _HR,
    "study_reports.progress": _HR,
    "study_reports.download": _HR,
    # --- item analysis (no personal data) -----------------------------------------------------------------
    "item_analysis.sittings": roles(Role.EXAM_ADMIN, Role.AUDITOR),
    "item_analysis.sitting": roles(Role.EXAM_ADMIN, Role.AUDITOR),
    "item_analysis.sitting_export": roles(Role.EXAM_ADMIN, Role.AUDITOR),
    "item_analysis.versions": roles(Role.EXAM_ADMIN, Role.AUDITOR),
    "item_analysis.versions_export": roles(Role.EXAM_ADMIN, Role.AUDITOR),
    # --- the audit trail (read only) -------------------------------------------------------------------
    "audit.events": _AUDITOR,
    "audit.events_csv": _AUDITOR,
    "audit.events_xlsx": _AUDITOR,
    "audit.ledger": _AUDITOR,
    "audit.sittings": _AUDITOR,
    "audit.sitting": _AUDITOR,
    # --- study lists -------------------------------------------------------------------------------------
    "study.lists": _STUDY_KEEPERS,
    "study.show": _STUDY_KEEPERS,
    "study.new_list": _STUDY_KEEPERS,
    "study.import_list": _STUDY_KEEPERS,
    "study.edit_list": _STUDY_KEEPERS,
    "study.new_item": _STUDY_KEEPERS,
    "study.edit_item": _STUDY_KEEPERS,
    "study.remove_item": _STUDY_KEEPERS,
    "study.publish": _STUDY_KEEPERS,
    "study.new_version": _STUDY_KEEPERS,
    "study.copy": _STUDY_KEEPERS,
    "study.export": _STUDY_KEEPERS,
    "study_coverage.lists": roles(Role.BANK_EDITOR, Role.BANK_REVIEWER, Role.STUDY_ADMIN, Role.EXAM_ADMIN),
    "study_coverage.show": roles(Role.BANK_EDITOR, Role.BANK_REVIEWER, Role.STUDY_ADMIN, Role.EXAM_ADMIN),
}


def rule_for(endpoint: str, method: str) -> Rule | None:
    """The row for ``endpoint`` called with ``method``; ``None`` when the table has none (deny)."""
    rule = POLICY.get(endpoint)
    if isinstance(rule, dict):
        return rule.get(method)
    return rule


def allows(rule: Rule | None, role: Role | None) -> bool:
    """Whether ``rule`` lets in a person holding ``role`` alone (``None``: signed out)."""
    if rule is None:
        return False
    if rule == PUBLIC:
        return True
    if rule == SIGNED_IN:
        return role is not None
    if rule == CANDIDATE_OWN:
        return role == Role.CADRE
    if rule == API_TOKEN:
        return False
    return role in rule
