"""What makes a password too easy to guess, beyond length and letters-and-digits (credentials.password_problem):
one of the passwords people use most (resources/common_passwords.txt), or a trivial pattern: the
whole password one or two runs of a repeated character or a sequence ("aaaaaaa1", "12345678a",
"abcd1234"), or a short unit repeated ("a1a1a1a1"). Compared in lower case."""

from __future__ import annotations

import functools

from counter_app.infra.resources import resource_path

COMMON_FILE = "common_passwords.txt"
MAX_TRIVIAL_RUNS = 2
MAX_REPEATED_UNIT = 4


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = resource_path(COMMON_FILE).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _runs(text: str) -> int:
    """How many runs of one repeated character or of consecutive characters ("1234", "dcba") make ``text``."""
    runs, step, previous = 0, None, None
    for char in text:
        if previous is not None:
            diff = ord(char) - ord(previous)
            if step is None and diff in (-1, 0, 1):
                step = diff
                previous = char
                continue
            if diff == step:
                previous = char
                continue
        runs, step, previous = runs + 1, None, char
    return runs


def _repeated_unit(text: str) -> bool:
    return any(len(text) % n == 0 and text == text[:n] * (len(text) // n)
               for n in range(1, MAX_REPEATED_UNIT + 1) if len(text) > n)


def weakness(password: str) -> str | None:
    """Why ``password`` is too easy to guess, in Chinese; None when it is not."""
    lowered = password.lower()
    if lowered in common_passwords():
        return "该密码是常见密码，很容易被猜到，请换一个"
    if _runs(lowered) <= MAX_TRIVIAL_RUNS or _repeated_unit(lowered):
        return "密码过于简单（重复字符或连续的字母、数字），请换一个不易猜到的密码"
    return None
