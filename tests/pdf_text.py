"""The text of a rendered PDF as the tests read it: white space removed (pdfplumber splits and joins
CJK lines differently from how they were typeset), whole or page by page."""

from __future__ import annotations

import io
import re

import pdfplumber


def page_texts(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [re.sub(r"\s+", "", page.extract_text() or "") for page in pdf.pages]


def text_of(data: bytes) -> str:
    return "".join(page_texts(data))
