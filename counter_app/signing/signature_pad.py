"""Signature pads (签批屏): where the customer's handwritten signature comes from.

Like the card readers (``cardreader``): a pad driver registers itself with ``register(name,
factory)`` and returns a ``CapturedSignature`` — the strokes as the device gave them (points with
time and pressure) — and the image is drawn from those strokes here, so a pad, the on-screen
signature widget and the simulated pad give the same kind of record. ``COUNTER_APP_SIGNATURE_PAD``
picks the driver of a PC; ``screen`` (the default) means the customer signs with touch or mouse on
the counter's second screen or in the signing window.
"""

from __future__ import annotations

import io
import itertools
import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from counter_app.infra.errors import UserError

ENV_PAD = "COUNTER_APP_SIGNATURE_PAD"
MIN_POINTS = 8  # fewer is a tap or a slip, not a signature
MIN_EXTENT = 0.12  # of the pad's width: a dot is not a signature

Point = tuple[float, float, int, float]  # x, y (pad pixels), t (ms since the first point), pressure 0..1


class PadError(UserError):
    """No pad, the customer did not sign, or the pad reported an error."""


@dataclass(frozen=True)
class CapturedSignature:
    """A handwritten signature: the strokes and the pad they came from."""

    strokes: tuple[tuple[Point, ...], ...]
    width: int  # the writing area in the device's units
    height: int
    device: str

    def points(self) -> int:
        return sum(len(s) for s in self.strokes)

    def check(self) -> None:
        """A clear message when the capture is no signature at all (empty, a dot, a tap)."""
        if self.points() < MIN_POINTS:
            raise PadError("未检测到签名，请客户在签名区内签名")
        xs = [p[0] for s in self.strokes for p in s]
        if max(xs) - min(xs) < MIN_EXTENT * self.width:
            raise PadError("签名过小或只是一个点，请客户在签名区内完整签名")

    def strokes_json(self) -> list:
        return [[[round(x, 1), round(y, 1), int(t), round(p, 3)] for x, y, t, p in s] for s in self.strokes]

    @classmethod
    def from_json(cls, data: Sequence, width: int, height: int, device: str) -> CapturedSignature:
        return cls(tuple(tuple((float(x), float(y), int(t), float(p)) for x, y, t, p in s) for s in data),
                   width, height, device)

    def png(self, *, height_px: int = 200) -> bytes:
        """The signature drawn from its strokes: black ink on white (no transparency: PDF/A),
        cropped to the ink, line width following the pressure."""
        from PIL import Image, ImageDraw

        xs = [p[0] for s in self.strokes for p in s]
        ys = [p[1] for s in self.strokes for p in s]
        if not xs:
            raise PadError("未检测到签名，请客户在签名区内签名")
        margin = 0.04 * self.height
        left, top = min(xs) - margin, min(ys) - margin
        box_w, box_h = max(xs) + margin - left, max(ys) + margin - top
        scale = height_px / max(box_h, box_w / 5, 1.0)
        size = (max(int(box_w * scale), 1), max(int(box_h * scale), 1))
        image = Image.new("RGB", size, "white")
        draw = ImageDraw.Draw(image)
        base = max(2.0, height_px / 45)
        for stroke in self.strokes:
            pts = [((x - left) * scale, (y - top) * scale, p) for x, y, _t, p in stroke]
            if len(pts) == 1:
                x, y, p = pts[0]
                r = base * (0.5 + p) / 2
                draw.ellipse((x - r, y - r, x + r, y + r), fill="black")
            for (x0, y0, p0), (x1, y1, p1) in itertools.pairwise(pts):
                width = max(1, int(base * (0.5 + (p0 + p1) / 2)))
                draw.line((x0, y0, x1, y1), fill="black", width=width, joint="curve")
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
        return out.getvalue()


class SignaturePad(Protocol):
    label: str  # shown to the clerk, e.g. "屏幕手写"
    on_screen: bool  # True: the customer signs in the app's own signature widget

    def capture(self, prompt: str) -> CapturedSignature:
        """Show ``prompt`` on the pad, wait for the customer's signature; PadError otherwise."""
        ...


class ScreenPad:
    """No pad driver: the customer signs with touch or mouse in the signature widget."""

    label = "屏幕手写（触摸或鼠标）"
    on_screen = True

    def capture(self, prompt: str) -> CapturedSignature:
        raise PadError("本窗口未连接签批屏，请客户在屏幕签名区内签名")


class SimulatedPad:
    """A pad fed with prepared signatures; each ``capture`` takes the next one (tests, training)."""

    label = "模拟签批屏"
    on_screen = False

    def __init__(self, signatures: Iterable[CapturedSignature] = (), *, repeat: bool = False) -> None:
        self._queue: deque[CapturedSignature] = deque(signatures)
        self._repeat = repeat
        self.prompts: list[str] = []

    def put(self, signature: CapturedSignature) -> None:
        self._queue.append(signature)

    def capture(self, prompt: str) -> CapturedSignature:
        self.prompts.append(prompt)
        if not self._queue:
            raise PadError("签批屏上没有签名，请客户签名后再点“从签批屏读取”")
        signature = self._queue[0] if self._repeat else self._queue.popleft()
        if self._repeat:
            self._queue.rotate(-1)
        return signature


def sample_signature(seed: int = 0, *, device: str = "模拟签批屏") -> CapturedSignature:
    """A made-up handwritten scrawl (three strokes, pressure varying), different per ``seed``."""
    import math

    strokes = []
    t = 0
    for k in range(3):
        pts = []
        for i in range(40):
            a = i / 39
            x = 60 + k * 160 + a * 130
            y = 100 + 45 * math.sin(a * math.pi * (2 + k + seed % 3)) + 12 * math.cos(a * 9 + seed)
            p = 0.35 + 0.5 * math.sin(a * math.pi)
            pts.append((round(x, 1), round(y, 1), t, round(p, 3)))
            t += 12
        strokes.append(tuple(pts))
        t += 180
    return CapturedSignature(tuple(strokes), 600, 200, device)


def _training_pad() -> SignaturePad:
    return SimulatedPad([sample_signature(i) for i in range(3)], repeat=True)


_REGISTRY: dict[str, Callable[[], SignaturePad]] = {"screen": ScreenPad, "simulated": _training_pad}


def register(name: str, factory: Callable[[], SignaturePad]) -> None:
    """Make a pad driver available under ``name`` (selected with COUNTER_APP_SIGNATURE_PAD)."""
    _REGISTRY[name] = factory


def available() -> list[str]:
    return sorted(_REGISTRY)


def create(name: str | None = None) -> SignaturePad:
    """The pad configured for this PC; unknown names fall back to signing on screen."""
    key = name or os.environ.get(ENV_PAD, "screen")
    return _REGISTRY.get(key, ScreenPad)()


def dumps(signature: CapturedSignature) -> str:
    return json.dumps({"w": signature.width, "h": signature.height, "device": signature.device,
                       "strokes": signature.strokes_json()})
