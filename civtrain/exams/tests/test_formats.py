"""Question files in and out (issue #14 item 1, must-show): round trips per format on files
written by hand here — every question type the format holds, Chinese text, the characters
each format escapes — and one malformed case per format, refused whole, each bad question
named by position and first words."""

import io

import pytest
from openpyxl import Workbook

from civtrain.exams.data import BLANK, QuestionInput, QuestionKind
from civtrain.exams.formats import export_file, parse_file

K = QuestionKind

# Every type, with Chinese text and the characters GIFT escapes (~ = # { } : \), the ones
# XML escapes (& < > ") and a formula-looking cell for Excel.
QUESTIONS = [
    QuestionInput(
        kind=K.SINGLE, title="宪法", text="我国的根本大法是：",
        options=("宪法", "刑法", "民法典", "行政法"), correct=(0,),
        difficulty=1, tags=("法治", "宪法"), explanation="宪法是国家的根本法。",
        source="《宪法》序言",
    ),
    QuestionInput(
        kind=K.MULTIPLE, title="特殊字符",
        text="下列哪些写法正确？a~b, x=1, #3, {集合}, 时间 10:30, 路径 C:\\temp",
        options=("a ~ b", "x = 1 & y < 2", "{#}", "“引号” 'single' \"double\""), correct=(0, 2, 3),
        difficulty=4, tags=("符号",), explanation="解析含 = 和 ~ 与 <标签> & 冒号:", source="自编",
    ),
    QuestionInput(
        kind=K.TRUE_FALSE, title="判断", text="公务员每年参加培训的时间累计不少于12天。",
        truth=True, difficulty=2, explanation="见《公务员培训规定》。",
    ),
    QuestionInput(
        kind=K.TRUE_FALSE, title="判断二", text="=SUM(A1) 不是公式注入。", truth=False,
    ),
    QuestionInput(
        kind=K.FILL, title="填空", text=f"《中华人民共和国公务员法》自{BLANK}年6月1日起施行。",
        accepted=("2019", "二〇一九"), difficulty=3, tags=("公务员法",),
    ),
    QuestionInput(
        kind=K.SHORT, title="简答", text="简述公务员培训的种类。\n（不少于 100 字）",
        rubric="初任培训、任职培训、专门业务培训、在职培训：各 2 分。", difficulty=5,
        explanation="参考《公务员培训规定》第十条。", source="公务员培训规定",
    ),
]  # fmt: skip


def _same(a: QuestionInput, b: QuestionInput, *, meta: bool = True) -> None:
    assert (b.kind, b.text, b.options, b.correct, b.truth, b.accepted) == (
        a.kind, a.text, a.options, a.correct, a.truth, a.accepted
    )  # fmt: skip
    if meta:
        assert (b.title, b.difficulty, b.tags, b.explanation, b.source, b.rubric) == (
            a.title, a.difficulty, a.tags, a.explanation, a.source, a.rubric
        )  # fmt: skip


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml", "xlsx"])
def test_round_trip_keeps_every_type(fmt: str) -> None:
    data, skipped = export_file(QUESTIONS, fmt)
    parsed = parse_file(data, fmt)
    assert skipped == 0 and parsed.problems == []
    assert len(parsed.questions) == len(QUESTIONS)
    for a, b in zip(QUESTIONS, parsed.questions, strict=True):
        _same(a, b)


def test_aiken_round_trip_holds_single_choice_only() -> None:
    data, skipped = export_file(QUESTIONS, "aiken")
    assert skipped == 5  # multiple, two true/false, fill, short: Aiken cannot hold them
    parsed = parse_file(data, "aiken")
    assert parsed.problems == [] and len(parsed.questions) == 1
    _same(QUESTIONS[0], parsed.questions[0], meta=False)


GIFT_BY_HAND = r"""// 第一部分：手写的 GIFT
$CATEGORY: $course$/公务员法

// [tag:公务员法] [tag:difficulty=2]
::Q1:: 公务员法规定的公务员职务序列包括 {=领导职务和职级 ~只有领导职务 ~只有职级 #错误
####领导职务与职级并行。}

::Q2::下列属于公务员培训的是{~%50%初任培训 ~%50%任职培训 ~%-100%学历教育}

地球是圆的。{T}

公务员法自{=2019 =二〇一九}年6月1日起施行。

::Q5::[html]请简述 a\=b 与 a\~b 的区别\: 用\{集合\}说明\\。{}
"""


def test_gift_written_by_hand() -> None:
    parsed = parse_file(GIFT_BY_HAND.encode(), "gift")
    assert parsed.problems == []
    q1, q2, q3, q4, q5 = parsed.questions
    assert (q1.kind, q1.title, q1.correct, q1.tags, q1.difficulty) == (
        K.SINGLE, "Q1", (0,), ("公务员法",), 2
    )  # fmt: skip
    assert q1.options == ("领导职务和职级", "只有领导职务", "只有职级")
    assert q1.explanation == "领导职务与职级并行。"
    assert (q2.kind, q2.correct) == (K.MULTIPLE, (0, 1))
    assert (q3.kind, q3.truth) == (K.TRUE_FALSE, True)
    assert (q4.kind, q4.text, q4.accepted) == (
        K.FILL,
        f"公务员法自{BLANK}年6月1日起施行。",
        ("2019", "二〇一九"),
    )
    assert (q5.kind, q5.text) == (K.SHORT, "请简述 a=b 与 a~b 的区别: 用{集合}说明\\。")
    assert parsed.counts()[K.SINGLE] == 1


MOODLE_BY_HAND = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/默认</text></category></question>
  <question type="multichoice">
    <name><text>Q1</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>下列 <b>哪项</b> 是 A &amp; B？</p>]]></text>
    </questiontext>
    <single>true</single>
    <answer fraction="100"><text>甲 &lt; 乙</text></answer>
    <answer fraction="0"><text>乙</text></answer>
  </question>
  <question type="shortanswer">
    <name><text>Q2</text></name>
    <questiontext format="plain_text"><text>首都是____。</text></questiontext>
    <answer fraction="100"><text>北京</text></answer>
    <answer fraction="100"><text>北京市</text></answer>
  </question>
</quiz>
"""


def test_moodle_xml_written_by_hand() -> None:
    parsed = parse_file(MOODLE_BY_HAND.encode(), "moodle-xml")
    assert parsed.problems == []
    q1, q2 = parsed.questions
    assert (q1.kind, q1.text, q1.options, q1.correct) == (
        K.SINGLE,
        "下列 哪项 是 A & B？",
        ("甲 < 乙", "乙"),
        (0,),
    )
    assert (q2.kind, q2.accepted) == (K.FILL, ("北京", "北京市"))


def test_aiken_written_by_hand() -> None:
    text = (
        "公务员培训由哪个部门统一管理？\nA. 公务员主管部门\nB) 财政部门\nC、审计部门\nANSWER: A\n"
        "\n第二题\nA. 是\nB. 否\nANSWER：B\n"
    )
    parsed = parse_file(text.encode(), "aiken")
    assert parsed.problems == []
    assert [q.correct for q in parsed.questions] == [(0,), (1,)]
    assert parsed.questions[0].options == ("公务员主管部门", "财政部门", "审计部门")


# -- malformed files: refused whole, each bad question named ------------------------------


def test_gift_unclosed_question() -> None:
    text = "第一题{=对 ~错}\n\n::Q2:: 公务员法第十条规定了什么 {=培训 ~考核\n\n第三题{T}\n"
    parsed = parse_file(text.encode(), "gift")
    assert [str(p) for p in parsed.problems] == [
        "第 2 题“公务员法第十条规定了什么 {=培训 ~考…”（第 3 行）：答案部分没有闭合（缺少“}”）"
    ]


def test_aiken_question_without_answer_line() -> None:
    text = (
        "第一题是什么？\nA. 甲\nB. 乙\nANSWER: A\n\n"
        "第二题没有答案行\nA. 甲\nB. 乙\n\n"
        "第三题\nA. 甲\nB. 乙\nANSWER: B\n"
    )
    parsed = parse_file(text.encode(), "aiken")
    assert [str(p) for p in parsed.problems] == [
        "第 2 题“第二题没有答案行”（第 6 行）：缺少“ANSWER: 字母”一行"
    ]
    assert len(parsed.questions) == 2  # the command refuses the whole file (test_import)


def test_moodle_xml_not_well_formed() -> None:
    text = (
        '<?xml version="1.0"?>\n<quiz>\n'
        '<question type="truefalse"><questiontext><text>对吗</questiontext>\n</quiz>\n'
    )
    parsed = parse_file(text.encode(), "moodle-xml")
    assert parsed.questions == []
    assert [str(p) for p in parsed.problems] == [
        "整个文件（第 3 行）：不是格式正确的 XML：第 3 行第 52 列开始标签与结束标签不匹配"
    ]


def test_moodle_xml_unknown_question_type() -> None:
    text = MOODLE_BY_HAND.replace(
        "</quiz>",
        '<question type="matching"><questiontext><text>把国家与首都配对</text></questiontext>'
        "</question>\n</quiz>",
    )
    parsed = parse_file(text.encode(), "moodle-xml")
    assert [str(p) for p in parsed.problems] == [
        "第 3 题“把国家与首都配对”：题型“matching”不受支持"
        "（可导入 multichoice、truefalse、shortanswer、essay）"
    ]


def test_moodle_xml_with_entities_is_refused() -> None:
    text = '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaa">]><quiz>&a;</quiz>'
    parsed = parse_file(text.encode(), "moodle-xml")
    assert parsed.questions == [] and "DOCTYPE" in parsed.problems[0].reason


def test_xlsx_bad_rows_named_by_row() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["题型", "题干", "选项A", "选项B", "答案", "难度"])
    ws.append(["单选题", "正确的一题", "甲", "乙", "A", 2])
    ws.append(["单选题", "答案字母不对的一题", "甲", "乙", "C", 3])
    ws.append(["论述题", "题型不认识", "", "", "", ""])
    buffer = io.BytesIO()
    wb.save(buffer)
    parsed = parse_file(buffer.getvalue(), "xlsx")
    assert [str(p) for p in parsed.problems] == [
        "第 2 题“答案字母不对的一题”（第 3 行）：答案“C”应为选项字母（A–B）",
        "第 3 题“题型不认识”（第 4 行）：题型“论述题”应为 单选题/多选题/判断题/填空题/简答题",
    ]
