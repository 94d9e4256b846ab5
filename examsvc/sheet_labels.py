"""The Chinese words of the HR score sheet, the appraisal summary and the score ledger, as a page
shows them in the reader's language (issue 6: in English these stayed Chinese, and the Chinese
ledger page showed "marked").

The downloaded files stay Chinese (they are Chinese HR documents: ``question_bank.reports``); only
the web pages translate. Each word has the message context "sheet", so its Chinese translation is
the sheet's own word whatever other pages call the same English word.
"""

from __future__ import annotations

from flask_babel import get_locale, gettext, pgettext

from question_bank.reports import score_share


def _sheet_words() -> dict[str, str]:
    """Sheet word → the word in the current language (built per call: the language is per request)."""
    return {
        # Score sheet headers.
        "单位": pgettext("sheet", "Unit"), "姓名": pgettext("sheet", "Name"),
        "身份证号": pgettext("sheet", "ID number"), "现任职务": pgettext("sheet", "Current post"),
        "拟任职务": pgettext("sheet", "Proposed post"), "考试场次": pgettext("sheet", "Sitting"),
        "考试日期": pgettext("sheet", "Date"), "考试类别": pgettext("sheet", "Attempt"),
        "开始时间": pgettext("sheet", "Started (Beijing time)"), "交卷时间": pgettext("sheet", "Finished (Beijing time)"),
        "用时（分钟）": pgettext("sheet", "Duration (minutes)"), "结束方式": pgettext("sheet", "How it ended"),
        "成绩": pgettext("sheet", "Score"), "满分": pgettext("sheet", "Out of"), "合格分": pgettext("sheet", "Pass mark"),
        "等次": pgettext("sheet", "Band"),
        "是否合格": pgettext("sheet", "Passed"), "成绩核验": pgettext("sheet", "Score check"),
        "首考场次": pgettext("sheet", "First sitting"), "首考结束方式": pgettext("sheet", "First attempt ended"),
        "首考成绩": pgettext("sheet", "First attempt score"), "首考是否合格": pgettext("sheet", "First attempt passed"),
        "补考场次": pgettext("sheet", "Make-up sitting"), "补考结束方式": pgettext("sheet", "Make-up ended"),
        "补考成绩": pgettext("sheet", "Make-up score"), "补考是否合格": pgettext("sheet", "Make-up passed"),
        # Appraisal summary headers.
        "职级": pgettext("sheet", "Rank"), "应考场次": pgettext("sheet", "Sittings due"),
        "参考场次": pgettext("sheet", "Sittings taken"), "缺考场次": pgettext("sheet", "Sittings missed"),
        "首考最高成绩": pgettext("sheet", "Best first-attempt score"),
        "补考最高成绩": pgettext("sheet", "Best make-up score"), "最高成绩": pgettext("sheet", "Best score"),
        "最近成绩": pgettext("sheet", "Latest score"), "最近考试": pgettext("sheet", "Latest sitting"),
        "待阅卷场次": pgettext("sheet", "Sittings awaiting marking"), "已学条目": pgettext("sheet", "Articles studied"),
        "应学条目": pgettext("sheet", "Articles to study"), "练习题数": pgettext("sheet", "Practice questions"),
        "练习正确率（%）": pgettext("sheet", "Practice accuracy (per cent)"), "各场次情况": pgettext("sheet", "Sittings"),
        "人数": pgettext("sheet", "Cadres"), "应考人数": pgettext("sheet", "On a roster"),
        "参考人数": pgettext("sheet", "Took part"), "合格人数": pgettext("sheet", "Passed (cadres)"),
        "合格率（%）": pgettext("sheet", "Pass rate (per cent)"),
        "最高得分率（%）": pgettext("sheet", "Best share of the maximum (per cent)"),
        "平均得分率（%）": pgettext("sheet", "Mean share of the maximum (per cent)"),
        "计分口径": pgettext("sheet", "How scores are compared"),
        score_share.RULE: pgettext(
            "sheet", "Papers may have different maxima, so scores are compared as shares of their paper's maximum "
                     "(points ÷ maximum): the best score is the sitting with the highest share (equal shares: the "
                     "larger maximum, then the earlier sitting); the latest is the sitting handed in last (at the "
                     "same time: the one opening later); a mean share is the mean of the shares (per cadre: their "
                     "sittings; per unit: each cadre's best share), not total points ÷ total maxima; percentages "
                     "are rounded half up to two decimals."),
        "缺考人次": pgettext("sheet", "Absences"), "补考人数": pgettext("sheet", "Make-up candidates"),
        "待阅卷人数": pgettext("sheet", "Awaiting marking (cadres)"), "合计": pgettext("sheet", "Total"),
        # Cell values.
        "优秀": pgettext("sheet", "Excellent"), "合格": pgettext("sheet", "Pass"), "不合格": pgettext("sheet", "Fail"),
        "首考": pgettext("sheet", "First attempt"), "补考": pgettext("sheet", "Make-up"),
        "交卷": pgettext("sheet", "Submitted"), "到时自动交卷": pgettext("sheet", "Submitted automatically at time"),
        "答题中": pgettext("sheet", "In progress"), "未开始": pgettext("sheet", "Not started"),
        "缺考": pgettext("sheet", "Absent"), "作废": pgettext("sheet", "Voided"),
        "一致": pgettext("sheet", "Agrees"), "一致（成绩已更正）": pgettext("sheet", "Agrees (score corrected)"),
        "待阅卷": pgettext("sheet", "Awaiting marking"), "成绩待核查": pgettext("sheet", "Score being checked"),
        "成绩档案中无此成绩": pgettext("sheet", "Not in the score record"),
    }


def sheet_text(value: object) -> object:
    """A sheet header or cell in the current language; anything else (names, numbers, the
    sentence of a mismatch) unchanged."""
    if not isinstance(value, str):
        return value
    locale = get_locale()
    if locale is not None and locale.language == "zh":
        return value  # the sheet's own words are Chinese
    return _sheet_words().get(value, value)
