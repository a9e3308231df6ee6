"""The suite's guard against a test leaving ``counter_app.infra.clock`` frozen (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
CONFTEST = (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8")


def test_a_test_that_leaves_the_clock_frozen_fails_and_the_next_one_runs_unfrozen(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the conftest's helpers (tests.qt_hygiene)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_leak="""
        import datetime as dt
        from counter_app.infra import clock

        def test_leaks():
            clock.freeze(dt.datetime(2020, 1, 1))

        def test_after():
            assert clock._frozen is None

        def test_with_fixture(frozen_now):
            assert clock.now() == frozen_now
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*test_leaks left counter_app.infra.clock frozen at 2020-01-01 00:00:00*"])


def test_a_module_scoped_freeze_must_end_with_its_module(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_a="""
        import datetime as dt
        import pytest
        from counter_app.infra import clock

        @pytest.fixture(scope="module", autouse=True)
        def frozen_module():
            clock.freeze(dt.datetime(2020, 1, 1))
            yield  # never unfreezes

        def test_inside():
            assert clock.now().year == 2020
    """, test_b="""
        from counter_app.infra import clock

        def test_next_module_starts_unfrozen():
            assert clock._frozen is None
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*module test_a left counter_app.infra.clock frozen at 2020-01-01 00:00:00*"])
