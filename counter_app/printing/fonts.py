"""CJK fonts for reportlab: discovery on Linux, Windows and macOS, embedding, per-character fallback.

* The main font is a TrueType font (or collection, subfont index) with Chinese, digits and Latin
  letters: configured (env ``COUNTER_APP_PDF_FONT`` or hall setting ``pdf_font``: ``path`` or
  ``path#index``) or the first found of the known system fonts. Fonts are always embedded (subset);
  reportlab's CID font STSong-Light is never used: it is not embedded, and printed through CUPS
  every digit and Latin letter vanished.
* Rare characters (生僻字, CJK Ext A and beyond, e.g. 䶮 U+4DAE, 𠇔 U+201D4) are missing from the
  common fonts: each run of characters the main font lacks is set in the first fallback font that has
  them (HanaMinA/HanaMinB here, SimSun-ExtB on Windows; env ``COUNTER_APP_PDF_FALLBACK_FONTS`` or
  hall setting ``pdf_fallback_fonts`` add more).
* reportlab writes the ToUnicode map of supplementary-plane characters as 5 hex digits, which PDF
  readers mis-read (𠇔 is extracted as ”): ``_patch_to_unicode`` writes them as UTF-16 surrogate pairs,
  so the PDF's text layer (search, copy, pdfplumber) says what the page shows.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics, ttfonts

from counter_app.infra.errors import UserError

log = logging.getLogger(__name__)

ENV_FONT = "COUNTER_APP_PDF_FONT"
ENV_FALLBACK = "COUNTER_APP_PDF_FALLBACK_FONTS"
SETTING_FONT = "pdf_font"
SETTING_FALLBACK = "pdf_fallback_fonts"

INSTALL_HINT = (
    "未找到可嵌入 PDF 的中文 TrueType 字体，无法生成单据。请安装中文字体后重试："
    "Debian/Ubuntu 执行 sudo apt install fonts-wqy-microhei（生僻字另装 fonts-hanazono）；"
    "Windows 使用系统自带的宋体（C:\\Windows\\Fonts\\simsun.ttc）；"
    "macOS 使用系统自带的华文黑体（STHeiti）。"
    "也可以在营业厅设置 pdf_font 或环境变量 COUNTER_APP_PDF_FONT 中指定字体文件路径"
    "（TrueType .ttf/.ttc，集合字体写成 路径#序号）。"
)

# characters no font may have on a given PC: a look-alike that every CJK font has
SUBSTITUTES = {"☑": "■", "☐": "□", "☒": "■", "✔": "√", "✓": "√"}
# variation selectors and joiners carry no glyph of their own
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufe00-\ufe0f\U000e0100-\U000e01ef]")


class FontNotFound(UserError):
    """No usable CJK TrueType font on this PC; the message says what to install."""


@dataclass(frozen=True)
class FontSpec:
    path: str
    index: int = 0

    @classmethod
    def parse(cls, text: str) -> FontSpec:
        path, _, index = text.strip().partition("#")
        return cls(path.strip(), int(index) if index.strip().isdigit() else 0)

    def __str__(self) -> str:
        return f"{self.path}#{self.index}" if self.index else self.path


def _windows_font_dirs() -> list[Path]:
    dirs = [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"]
    local = os.environ.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    return dirs


def main_candidates(platform: str = sys.platform) -> list[FontSpec]:
    """Known TrueType CJK fonts per platform, best first (CFF/OpenType-PS fonts cannot be embedded)."""
    if platform.startswith("win"):
        names = [("simsun.ttc", 0), ("msyh.ttc", 0), ("simhei.ttf", 0), ("simkai.ttf", 0), ("simfang.ttf", 0),
                 ("Deng.ttf", 0), ("msyh.ttf", 0)]
        return [FontSpec(str(d / n), i) for n, i in names for d in _windows_font_dirs()]
    if platform == "darwin":
        return [FontSpec(p, i) for p, i in [
            ("/System/Library/Fonts/STHeiti Light.ttc", 0),
            ("/System/Library/Fonts/STHeiti Medium.ttc", 0),
            ("/System/Library/Fonts/Hiragino Sans GB.ttc", 0),
            ("/Library/Fonts/Arial Unicode.ttf", 0),
            ("/System/Library/Fonts/Supplemental/Arial Unicode.ttf", 0),
        ]]
    return [FontSpec(p, i) for p, i in [
        ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
        ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),  # Fedora
        ("/usr/share/fonts/TTF/wqy-microhei.ttc", 0),  # Arch
        ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
        ("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc", 0),
        ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
        ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
        ("/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf", 0),
    ]]


def fallback_candidates(platform: str = sys.platform) -> list[FontSpec]:
    if platform.startswith("win"):
        names = ["simsunb.ttf", "SimsunExtG.ttf", "simsun.ttc", "msyh.ttc"]
        return [FontSpec(str(d / n)) for n in names for d in _windows_font_dirs()]
    if platform == "darwin":
        return [FontSpec(p) for p in ("/System/Library/Fonts/Supplemental/Songti.ttc",
                                      "/Library/Fonts/Arial Unicode.ttf",
                                      "/System/Library/Fonts/Supplemental/Arial Unicode.ttf")]
    return [FontSpec(p) for p in (
        "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
        "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
        "/usr/share/fonts/hanazono/HanaMinA.ttf",
        "/usr/share/fonts/hanazono/HanaMinB.ttf",
        "/usr/share/fonts/truetype/unifont/unifont.ttf",
    )]


def _fontconfig_candidates() -> list[FontSpec]:
    """Last resort on Linux/BSD: whatever fontconfig knows with Chinese coverage (TrueType only)."""
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(["fc-list", "-f", "%{file}|%{index}|%{fontformat}\n", ":lang=zh"],
                             capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    specs = []
    for line in out.splitlines():
        path, _, rest = line.partition("|")
        index, _, fmt = rest.partition("|")
        if fmt.strip() == "TrueType" and index.strip().isdigit():
            specs.append(FontSpec(path, int(index)))
    return sorted(set(specs), key=lambda s: (s.path, s.index))


def _font_name(spec: FontSpec) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "", Path(spec.path).stem) or "font"
    return f"CA-{stem}-{spec.index}"


@functools.cache
def _load(spec: FontSpec) -> ttfonts.TTFont | None:
    """Register ``spec`` with reportlab once; None when it is missing or cannot be embedded."""
    if not spec.path or not os.path.isfile(spec.path):
        return None
    name = _font_name(spec)
    try:
        font = ttfonts.TTFont(name, spec.path, subfontIndex=spec.index)
    except Exception as exc:
        log.info("font %s not usable: %s", spec, exc)
        return None
    pdfmetrics.registerFont(font)
    return font


def _has(font: ttfonts.TTFont, char: str) -> bool:
    return ord(char) in font.face.charToGlyph


@dataclass
class FontSet:
    """The main font and its fallbacks, registered with reportlab under ``name`` / ``fallback_names``."""

    main: FontSpec
    name: str
    fallbacks: list[FontSpec] = field(default_factory=list)
    fallback_names: list[str] = field(default_factory=list)
    # char -> font name (or None): every paragraph asks for every character; the answer never changes
    _char_font: dict[str, str | None] = field(default_factory=dict, repr=False, compare=False)
    _runs: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict, repr=False, compare=False)

    def _fonts(self) -> list[tuple[str, ttfonts.TTFont]]:
        specs = [self.main, *self.fallbacks]
        names = [self.name, *self.fallback_names]
        return [(n, _load(s)) for n, s in zip(names, specs, strict=True)]

    def font_for(self, char: str) -> str | None:
        """The registered font name that has a glyph for ``char`` (main first), or None."""
        try:
            return self._char_font[char]
        except KeyError:
            pass
        found = None
        for name, font in self._fonts():
            if font is not None and _has(font, char):
                found = name
                break
        self._char_font[char] = found
        return found

    def clean(self, text: str) -> str:
        """Drop invisible selectors and substitute symbols no installed font has."""
        text = _INVISIBLE.sub("", text)
        if any(c in SUBSTITUTES for c in text):
            text = "".join(
                SUBSTITUTES[c] if c in SUBSTITUTES and self.font_for(c) is None else c for c in text
            )
        return text

    def runs(self, text: str) -> tuple[tuple[str, str], ...]:
        """Split ``text`` into (font name, run) pieces: each character in the first font that has it."""
        try:
            return self._runs[text]
        except KeyError:
            pass
        if len(self._runs) > 20_000:  # labels and boilerplate repeat; names and addresses do not
            self._runs.clear()
        pieces = self._runs[text] = self._split(text)
        return pieces

    def _split(self, text: str) -> tuple[tuple[str, str], ...]:
        pieces: list[tuple[str, str]] = []
        for char in self.clean(text):
            font = self.name if char.isspace() or ord(char) < 0x20 else (self.font_for(char) or self.name)
            if pieces and pieces[-1][0] == font:
                pieces[-1] = (font, pieces[-1][1] + char)
            else:
                pieces.append((font, char))
        return tuple(pieces)

    def markup(self, text: str) -> str:
        """Paragraph markup of plain ``text``: escaped, line breaks kept, fallback runs in <font>."""
        parts = []
        for font, run in self.runs(text):
            chunk = escape(run).replace("\n", "<br/>")
            parts.append(chunk if font == self.name else f'<font name="{font}">{chunk}</font>')
        return "".join(parts)

    def missing(self, text: str) -> list[str]:
        """Characters no installed font can print (they would come out as empty boxes)."""
        return [char for char in dict.fromkeys(self.clean(text))  # each distinct character once, in order
                if not char.isspace() and ord(char) >= 0x20 and self.font_for(char) is None]

    def string_width(self, text: str, size: float) -> float:
        return sum(pdfmetrics.stringWidth(run, font, size) for font, run in self.runs(text))


def _usable_main(spec: FontSpec) -> bool:
    font = _load(spec)
    return font is not None and all(_has(font, c) for c in "中文0A")


def configured(settings: dict | None = None) -> tuple[FontSpec | None, list[FontSpec]]:
    """The main font and extra fallbacks named by env (per PC) or hall settings (shared), env first."""
    settings = settings or {}
    main_text = os.environ.get(ENV_FONT) or str(settings.get(SETTING_FONT) or "")
    main = FontSpec.parse(main_text) if main_text.strip() else None
    extra: list[str] = []
    env_fallback = os.environ.get(ENV_FALLBACK, "")
    extra += [p for p in env_fallback.split(os.pathsep) if p.strip()]
    value = settings.get(SETTING_FALLBACK) or []
    extra += [value] if isinstance(value, str) else [str(v) for v in value]
    return main, [FontSpec.parse(p) for p in extra]


def font_set(settings: dict | None = None) -> FontSet:
    """The fonts to use on this PC; raises FontNotFound with an install hint when there is none."""
    main, extra = configured(settings)
    return _discover(main, tuple(extra), sys.platform)


@functools.cache
def _discover(main: FontSpec | None, extra: tuple[FontSpec, ...], platform: str) -> FontSet:
    _patch_to_unicode()
    chosen = None
    if main is not None:
        if _usable_main(main):
            chosen = main
        else:
            log.warning("configured PDF font %s is missing or has no Chinese glyphs; searching the system", main)
    if chosen is None:
        for spec in _candidates(platform):
            if _usable_main(spec):
                chosen = spec
                break
    if chosen is None:
        raise FontNotFound(INSTALL_HINT)
    fallbacks = []
    for spec in [*extra, *fallback_candidates(platform)]:
        if spec != chosen and spec not in fallbacks and _load(spec) is not None:
            fallbacks.append(spec)
    return FontSet(chosen, _font_name(chosen), fallbacks, [_font_name(s) for s in fallbacks])


def _candidates(platform: str) -> Iterable[FontSpec]:
    yield from main_candidates(platform)
    if not platform.startswith("win") and platform != "darwin":
        yield from _fontconfig_candidates()


def reset_cache() -> None:
    """Forget discovered fonts (tests, or after an admin changes the font setting)."""
    _discover.cache_clear()


# --- reportlab ToUnicode fix for characters beyond the BMP ------------------------------------------


def _utf16_hex(code_point: int) -> str:
    return chr(code_point).encode("utf-16-be").hex().upper()


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """Same CMap as reportlab's ``makeToUnicodeCMap`` but with UTF-16 (surrogate pairs) destinations."""
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>", "endcodespacerange", f"{len(subset)} beginbfchar",
    ]
    lines += [f"<{i:02X}> <{_utf16_hex(v)}>" for i, v in enumerate(subset)]
    lines += ["endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


def _patch_to_unicode() -> None:
    if ttfonts.makeToUnicodeCMap is not _to_unicode_cmap:
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap
