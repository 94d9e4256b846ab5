"""The downloadable import template: an .xlsx whose first sheet (题库) has the header row and
example rows for every registered question type (one with a pinned option), and whose second sheet
(说明) explains each column.

The examples are real questions on the Administrative Penalty Law, the Constitution and the
Administrative Licensing Law. Each stem begins with ``template.EXAMPLE_MARK`` (【示例】), so that an
editor who fills the template below them without deleting them does not import them as questions:
the import recognises a row that is one of them as shipped (:func:`example_differences`), leaves it
out and names it (``formats.template_sheets``). A row whose texts were changed is the editor's
question, imported (the mark taken off its stem, and said); taken off, the row reads back as the
sound question it is (``tests/question_bank/test_import_template.py``).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from question_bank.formats.spreadsheet import Row
from question_bank.formats.template import EXAMPLE_MARK, GUIDE, TEMPLATE_COLUMNS, TEMPLATE_HEADERS, Header
from question_bank.types import REGISTRY

QUESTION_SHEET = "题库"
GUIDE_SHEET = "说明"
#: The header row of the explanation sheet (the import knows the sheet by it and leaves it unread).
GUIDE_HEADER = ("中文表头", "English header", "必填 / required", "填写说明", "Description")

#: Example rows of each type code, by template header. Types registered later pick theirs up here.
EXAMPLES: dict[str, tuple[dict[str, str], ...]] = {
    "single_choice": ({
        "题型": "单选",
        "题干": "根据《中华人民共和国行政处罚法》，下列哪一项不属于行政处罚的种类？（ ）",
        "选项A": "警告、通报批评", "选项B": "罚款、没收违法所得", "选项C": "记过", "选项D": "暂扣许可证件",
        "答案": "C",
        "解析": "记过是政务处分，不是行政处罚；行政处罚的种类见行政处罚法第九条。",
        "难度": "易", "知识点": "行政处罚的种类", "法律依据": "《中华人民共和国行政处罚法》第九条",
        "分类": "行政处罚法/总则", "分值": "2",
    }, {
        "题型": "单选",
        "题干": "根据《中华人民共和国行政处罚法》，下列属于行政处罚种类的是（ ）",
        "选项A": "警告、通报批评", "选项B": "罚款、没收违法所得、没收非法财物",
        "选项C": "暂扣许可证件、降低资质等级、吊销许可证件", "选项D": "以上都是",
        "固定选项": "D",
        "答案": "D",
        "解析": "三项都是行政处罚法第九条列举的行政处罚种类。“以上都是”固定在最后，选项乱序时位置不变。",
        "难度": "易", "知识点": "行政处罚的种类", "法律依据": "《中华人民共和国行政处罚法》第九条",
        "分类": "行政处罚法/总则", "分值": "2",
    }),
    "multiple_choice": ({
        "题型": "多选",
        "题干": "根据《中华人民共和国宪法》，下列哪些国家机关由人民代表大会产生，对它负责，受它监督？（ ）",
        "选项A": "国家行政机关", "选项B": "监察机关", "选项C": "审判机关", "选项D": "人民团体",
        "答案": "A,B,C",
        "解析": "宪法第三条：国家行政机关、监察机关、审判机关、检察机关都由人民代表大会产生，对它负责，受它监督。",
        "难度": "中", "知识点": "民主集中制；国家机构", "法律依据": "《中华人民共和国宪法》第三条",
        "分类": "宪法/国家机构", "分值": "4",
    },),
    "indefinite_choice": ({
        "题型": "不定项",
        "题干": "根据《中华人民共和国行政许可法》，关于行政许可决定的期限，下列说法正确的是（ ）",
        "选项A": "不能当场作出决定的，一般应当自受理申请之日起二十日内作出决定",
        "选项B": "二十日内不能作出决定的，经本行政机关负责人批准，可以延长十日",
        "选项C": "延长期限的，无须将理由告知申请人",
        "选项D": "经上级机关批准，可以无限期延长",
        "答案": "AB",
        "解析": "行政许可法第四十二条第一款：二十日内不能作出决定的，经本行政机关负责人批准，可以延长十日，"
                "并应当将延长期限的理由告知申请人。",
        "难度": "较难", "知识点": "行政许可的期限", "法律依据": "《中华人民共和国行政许可法》第四十二条",
        "分类": "行政许可法/实施程序", "分值": "3",
    },),
    "true_false": ({
        "题型": "判断",
        "题干": "行政机关实施行政处罚时，应当责令当事人改正或者限期改正违法行为。",
        "答案": "对",
        "解析": "行政处罚法第二十八条第一款。",
        "难度": "较易", "知识点": "责令改正", "法律依据": "《中华人民共和国行政处罚法》第二十八条",
        "分类": "行政处罚法/总则", "分值": "1",
    },),
    "fill_blank": ({
        "题型": "填空",
        "题干": "根据《中华人民共和国行政处罚法》，违法行为在（ ）年内未被发现的，不再给予行政处罚；涉及公民生命健康安全、"
                "金融安全且有危害后果的，上述期限延长至（ ）年。",
        "答案": "二/2|五/5",
        "解析": "行政处罚法第三十六条第一款。每空可接受的答案用 / 分隔，空与空之间用 | 分隔。",
        "难度": "中", "知识点": "行政处罚的追责时效", "法律依据": "《中华人民共和国行政处罚法》第三十六条",
        "分类": "行政处罚法/总则", "分值": "2",
    },),
    "short_answer": ({
        "题型": "简答",
        "题干": "简述行政机关在作出行政处罚决定之前应当告知当事人的事项。",
        "参考答案": "应当告知当事人拟作出的行政处罚内容及事实、理由、依据，并告知当事人依法享有的陈述、申辩、要求听证等权利。",
        "评分标准": "答出拟作出的行政处罚内容及事实、理由、依据，得3分；答出陈述、申辩权利，得1分；答出要求听证等权利，得1分。",
        "解析": "行政处罚法第四十四条。",
        "难度": "中", "知识点": "行政处罚的告知", "法律依据": "《中华人民共和国行政处罚法》第四十四条",
        "分类": "行政处罚法/行政处罚的决定", "分值": "5",
    },),
}


def example_rows() -> list[list[str]]:
    """The example rows, in template column order, for the types registered now; each stem begins
    with :data:`EXAMPLE_MARK`."""
    return [[EXAMPLE_MARK + example[h] if h == "题干" else example.get(h, "") for h in TEMPLATE_HEADERS]
            for code, examples in EXAMPLES.items() if code in REGISTRY for example in examples]


def example_differences(header: Header, row: Row) -> list[str] | None:
    """How ``row`` (under ``header``) differs from the template's examples: ``None`` when its stem
    does not begin with :data:`EXAMPLE_MARK` (space before it ignored): no example; ``[]`` when it
    is one of :func:`example_rows` as shipped; otherwise the headers (as the file writes them) of
    the columns in which it differs from the example it is nearest to (fewest such columns), in
    file order: an example the editor changed into a question of their own.

    Compared are the template's columns the file has (a column deleted from the file cannot
    differ), each cell as the importer reads its text (space around it and line-end kinds aside,
    which a save as CSV may change); columns the template does not know are not compared. The
    examples are those of the template written now: a row of an older template's example that
    reads otherwise is taken for the editor's question, imported and said."""
    stem = header.index.get("stem")
    if stem is None or stem >= len(row.cells) or not row.cells[stem].lstrip().startswith(EXAMPLE_MARK):
        return None
    columns = sorted((position, name) for name, position in header.index.items() if name in TEMPLATE_COLUMNS)
    cells = {name: _compared(row.cells[position]) if position < len(row.cells) else "" for position, name in columns}
    nearest: list[str] | None = None
    for example in example_rows():
        shipped = dict(zip(TEMPLATE_COLUMNS, example))
        differing = [header.text[name] for _, name in columns if cells[name] != _compared(shipped[name])]
        if nearest is None or len(differing) < len(nearest):
            nearest = differing
    return nearest


def _compared(text: str) -> str:
    """A cell's text as two copies of one example compare: space around it and line-end kinds aside."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def write_template() -> bytes:
    """The template workbook as .xlsx bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = QUESTION_SHEET
    sheet.append(list(TEMPLATE_HEADERS))
    for row in example_rows():
        sheet.append(row)
    _style(sheet, widths={"B": 50, "L": 30, "M": 30, "N": 30}, default=14)
    sheet.freeze_panes = "A2"

    guide = book.create_sheet(GUIDE_SHEET)
    guide.append(list(GUIDE_HEADER))
    for column in GUIDE:
        guide.append([column.zh, column.en, "是 / yes" if column.required else "否 / no",
                      column.description_zh, column.description])
    guide.append([])
    guide.append([f"题干以“{EXAMPLE_MARK}”开头的行是示例，导入时不读取，并在导入报告中列出；可删除，也可在其下方或覆盖它们填写题目。",
                  "", "", "", f"Rows whose stem begins with {EXAMPLE_MARK} are examples: the import leaves them out and "
                  "lists them. Delete them, or write your questions below or over them."])
    guide.append(["每行一题；表头可用中文或英文，列的顺序不限；表头上方可有标题、说明行。",
                  "", "", "", "One question a row; the header in Chinese or English, columns in any order; a title or "
                  "notes may stand above the header."])
    guide.append(["题目可分放在多个工作表（如“单选题”“多选题”“判断题”），工作表名为题型时可不填“题型”列；隐藏的工作表不读取。",
                  "", "", "", "Questions may be spread over several sheets (单选题, 多选题, 判断题 …); a sheet named after a "
                  "type needs no 题型 column. Hidden sheets are never read."])
    guide.append(["单元格按 Excel 中显示的内容读取（如 5%、3月1日）；错误值（#N/A 等）和没有保存结果的公式会被拒绝。",
                  "", "", "", "Cells are read as Excel shows them (5%, 3月1日); error values (#N/A …) and formulas "
                  "without a saved result are refused."])
    guide.append(["也可另存为 CSV（UTF-8 或 GB18030/GBK 编码）上传。",
                  "", "", "", "The sheet may also be saved as CSV (UTF-8 or GB18030/GBK) and uploaded."])
    _style(guide, widths={"A": 18, "B": 24, "C": 14, "D": 60, "E": 60}, default=14)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _style(sheet, widths: dict[str, int], default: int) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index in range(1, sheet.max_column + 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(letter, default)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
