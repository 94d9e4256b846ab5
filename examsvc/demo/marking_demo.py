"""The demo's marking sitting: the demo bank's two short-answer questions, sat and submitted by one
demo cadre, so that the demo marker finds two responses waiting in the marking queue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.models import BlueprintSection, ExamKind, MultiChoiceRule, Paper, ResultPolicy, RosterEntry, Sitting, User
from question_bank.services import attempts, authoring
from question_bank.services.assembly import check_paper

#: What the demo cadre wrote, by slot (the paper is not shuffled): a fair answer and a partial one.
ESSAYS = {
    1: "应当告知当事人拟作出的行政处罚内容及事实、理由、依据，并告知其享有陈述、申辩的权利。",
    2: "平等、自愿、公平、诚信原则，还有守法原则。",
}


def essay_sitting(session: Session, clock: Clock, admin: User, category_path: str, cadre: User) -> Sitting:
    """A sitting of two short answers (50 points each, second marking off) that ``cadre`` has
    submitted; returns it. The attempt waits for a marker (no total, no score record entry yet)."""
    now = clock.now().replace(second=0, microsecond=0)
    paper = Paper(title="简答题（阅卷演示）", multi_rule=MultiChoiceRule.ALL_OR_NOTHING, org_unit=admin.org_unit,
                  created_by_id=admin.id, created_at=now, updated_at=now)
    paper.sections.append(BlueprintSection(position=1, title="简答题", qtype="short_answer", count=2,
                                           mark=Decimal(50), category=authoring.ensure_category(session, category_path)))
    session.add(paper)
    session.flush()
    check_paper(session, paper)
    sitting = Sitting(
        title=f"{now.year}年学法用法考试（阅卷演示）", kind=ExamKind.ANNUAL, paper=paper, org_unit=admin.org_unit,
        opens_at=now - dt.timedelta(hours=2), closes_at=now + dt.timedelta(days=30), time_limit_s=30 * 60,
        pass_mark=Decimal(60), excellent_mark=Decimal(90), attempts_allowed=1, shuffle_questions=False,
        shuffle_options=False, results_policy=ResultPolicy.IMMEDIATELY, created_by_id=admin.id, created_at=now,
    )
    sitting.roster.append(RosterEntry(user_id=cadre.id, current_post=cadre.current_post,
                                      proposed_post=cadre.proposed_post, added_at=now))
    session.add(sitting)
    session.flush()
    attempt = attempts.start_attempt(session, clock, cadre, sitting)
    for seq, (slot, text) in enumerate(ESSAYS.items(), start=1):
        attempts.save_response(session, clock, cadre, attempt.id, slot, text, seq)
    attempts.submit_attempt(session, clock, cadre, attempt.id)
    return sitting
