"""What the text formats share: decoding a file people wrote by hand."""

from civtrain.exams.data import ParsedFile, QuestionProblem


def decode(data: bytes) -> str | ParsedFile:
    """UTF-8 (with or without BOM), else GB18030 (files saved by Chinese Windows editors);
    a ParsedFile with the problem when neither reads it. Line ends become \\n."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return ParsedFile(
        problems=[QuestionProblem(0, "", "文件不是 UTF-8 或 GB18030 编码的文本，请另存为 UTF-8")]
    )
