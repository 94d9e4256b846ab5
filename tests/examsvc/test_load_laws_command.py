"""``flask --app wsgi load-laws DIR``: one line per law version (title, date, articles), the 民法典
folder as one law, the same folder again changes nothing, and a folder with a bad file loads
nothing and names the file and line."""

from __future__ import annotations

import shutil

from sqlalchemy import func, select

from question_bank.models import Law, LawVersion
from tests.shared_data import LAW_TEXTS


def test_loading_the_dataset_folder_prints_each_version_and_again_changes_nothing(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["load-laws", str(LAW_TEXTS)])
    assert first.exit_code == 0, first.output
    lines = first.output.strip().split("\n")
    assert len([line for line in lines if line.endswith("(loaded)")]) == 11
    assert "中华人民共和国民法典  2020-05-28  1260 articles  (loaded)" in lines
    assert "中华人民共和国行政复议法  2017-09-01  43 articles  (loaded)" in lines
    # The later of two versions loaded together says what the amendment changed.
    assert ("中华人民共和国行政复议法  2023-09-01  90 articles  (loaded; against 2017-09-01: 43 changed, 47 added, "
            "0 removed, 0 unchanged articles; 0 of 0 questions citing it held for law review, 0 carried forward to the new text)") in lines
    assert ("中华人民共和国监察法  2024-12-25  78 articles  (loaded; against 2018-03-20: 55 changed, 9 added, "
            "0 removed, 14 unchanged articles; 0 of 0 questions citing it held for law review, 0 carried forward to the new text)") in lines
    assert "skipped 法律法规模版.md: marked bookHidden: a template, not a law text" in lines
    second = runner.invoke(args=["load-laws", str(LAW_TEXTS)])
    assert second.exit_code == 0 and second.output.count("(already loaded, unchanged)") == 13
    assert db.scalar(select(func.count(LawVersion.id))) == 13


def test_loading_an_amendment_prints_how_many_questions_citing_the_law_it_held(app, db, make, tmp_path):
    make.laws("宪法相关法/监察法(2018-03-20).md")
    make.question(legal_basis="《监察法》第十二条")
    make.question(legal_basis="《监察法》第三条")
    shutil.copy(LAW_TEXTS / "宪法相关法" / "监察法(2024-12-25).md", tmp_path / "监察法.md")
    result = app.test_cli_runner().invoke(args=["load-laws", str(tmp_path)])
    assert result.exit_code == 0, result.output
    # 第十二条 changed: its question is held; 第三条 did not: its question now cites the new text.
    assert result.output.strip().endswith("14 unchanged articles; 1 of 2 questions citing it held for law review, "
                                          "1 carried forward to the new text)")


def test_a_folder_with_a_bad_file_loads_nothing_and_names_the_line(app, db, tmp_path):
    shutil.copy(LAW_TEXTS / "宪法" / "宪法.md", tmp_path / "宪法.md")
    (tmp_path / "坏文件.txt").write_text("某某法\n\n2020年1月1日 通过\n\n第一条 甲\n第一条 乙\n", encoding="gb18030")
    result = app.test_cli_runner().invoke(args=["load-laws", str(tmp_path)])
    assert result.exit_code == 1
    assert "坏文件.txt, line 6: 第一条 comes after 第一条: article numbers must rise" in result.output
    assert "Nothing was loaded." in result.output
    assert db.scalar(select(func.count(Law.id))) == 0


def test_a_folder_that_does_not_exist_is_named(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["load-laws", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "There is no folder" in result.output
