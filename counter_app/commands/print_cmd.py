"""counter-app print DOC NUMBER -o FILE.pdf|FILE.docx   (DOC "all": -o is a folder, --format pdf|docx)

Renders the documents of an application for admins and scripts; every file written is recorded
(PrintRecord + audit, under the person who ran it: see counter_app.commands.identity)."""

from __future__ import annotations

import sys
from pathlib import Path

from counter_app import documents
from counter_app.commands import identity
from counter_app.forms.models import APPLICATION_DOCS, DOC_TITLES
from counter_app.infra.errors import UserError

CHOICES = [*APPLICATION_DOCS, "all"]


def register(sub) -> None:
    doc_help = "、".join(f"{code}={DOC_TITLES[code]}" for code in APPLICATION_DOCS)
    parser = sub.add_parser("print", help="生成申请的单据（PDF 或 Word）",
                            description=f"生成申请的单据。DOC：{doc_help}，all=本申请的全套单据")
    parser.add_argument("doc", metavar="DOC", choices=CHOICES, help="单据：" + "、".join(CHOICES))
    parser.add_argument("number", metavar="NUMBER", help="申请编号，如 FZGL01-20261124-0001")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="输出文件（.pdf 或 .docx）；DOC 为 all 时为输出文件夹")
    parser.add_argument("--format", choices=documents.FORMATS, default=None,
                        help="DOC 为 all 时的格式（默认 pdf）")
    parser.set_defaults(handler=_print)


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in documents.FORMATS:
        raise UserError(f"输出文件 {path} 须以 .pdf 或 .docx 结尾（DOC 为 all 时 -o 为文件夹）")
    return suffix


def _print(args) -> int:
    output = Path(args.output)
    if args.doc == "all":
        if output.suffix.lower() in (".pdf", ".docx") and not output.is_dir():
            raise UserError(f"DOC 为 all 时 -o 应为文件夹，而不是文件 {output}（格式用 --format 指定）")
        fmt = args.format or "pdf"
    else:
        fmt = _format_of(output)
        if args.format and args.format != fmt:
            raise UserError(f"--format {args.format} 与输出文件 {output.name} 的扩展名不一致")
    db, actor = identity.open_as(args)
    try:
        app_id = documents.find_application(db, args.number)
        if args.doc == "all":
            items = documents.render_set(db, actor, app_id, fmt)
            written = documents.save_set(db, actor, items, output)
        else:
            items = [documents.render(db, actor, app_id, args.doc, fmt)]
            written = [documents.save(db, actor, items[0], output)]
    finally:
        db.dispose()
    for item, path in zip(items, written, strict=True):
        print(f"已生成{item.title}：{path}")
        if item.missing_chars:
            print(f"警告：{item.title}中的字符 {''.join(item.missing_chars)} 没有可用字体，打印出来会是空框；"
                  "请安装生僻字字体（如 fonts-hanazono）", file=sys.stderr)
    return 0
