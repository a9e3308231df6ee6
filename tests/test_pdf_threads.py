"""PDFs built by several background tasks at once (two previews, a print job and a preview …)."""

from __future__ import annotations

import io
import random
import sys
from concurrent.futures import ThreadPoolExecutor

from pypdf import PdfReader

from counter_app.printing.fonts import font_set
from counter_app.printing.pdf_layout import Layout, build_pdf

# common characters of the documents: each document uses a different subset of them, so the shared
# fonts are subset differently by each build
CHARACTERS = "用电报装新增容更名过户销户改类减容暂停居民身份证营业执照统一社会信用代码承诺书告知书回执交接清单" \
             "客户签名受理员日期地址联系电话申请容量千瓦城乡生活商业工业农业供电公司营业厅窗口勘查班现场"


def _document(seed: int) -> tuple[str, bytes]:
    rng = random.Random(seed)
    lines = ["".join(rng.choice(CHARACTERS) for _ in range(40)) for _ in range(30)]
    lay = Layout(font_set(None))
    data = build_pdf([lay.p(line) for line in lines], lay, title=f"并发{seed}", author="测试", footer="页脚")
    return lines[0], data


def test_documents_built_at_once_in_several_threads_are_all_whole():
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns often, as on a busy PC: a race shows every run
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(_document, range(60)))
    finally:
        sys.setswitchinterval(interval)
    for first_line, data in results:
        text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
        assert first_line in text.replace("\n", "").replace(" ", "")
