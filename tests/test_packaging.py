"""What the installed package relies on, checked here without building it: the version text of
`counter-app --version` and 帮助 → 关于, the bundled fonts found first when frozen (Linux and
Windows), the per-user data folders on Windows that the uninstaller keeps, and the start-up probe
the package test and benchmark read. The build itself is tested by packaging/test-deb-debootstrap.sh."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import platformdirs
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMessageBox

from counter_app import __version__, cli
from counter_app.infra import config, resources
from counter_app.infra import schema_upgrade as schema
from counter_app.printing import fonts
from counter_app.version_info import version_lines

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
HANA_A = Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf")
HANA_B = Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")


def test_version_option_prints_program_and_schema_version(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"counter-app {__version__}"
    assert out[1] == f"数据库结构版本 {schema.head_revision()}（本程序支持的最新版本）"
    assert out[2].startswith("运行方式：Python 3.")


def test_version_says_installed_package_when_frozen(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert version_lines()[2] == "运行方式：安装包"


def test_about_from_help_menu_of_main_window(qtbot, sqlite_db):
    from counter_app.ui.main_window import MainWindow
    from tests.conftest import setup_hall

    actors = setup_hall(sqlite_db)
    window = MainWindow(sqlite_db, actors["clerk1"])
    qtbot.addWidget(window)
    window.show()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "帮助")
    about = next(a for a in help_menu.actions() if a.text() == "关于")
    about.trigger()
    box = window.findChild(QMessageBox, "aboutBox")
    assert box is not None and box.isVisible()
    text = box.text()
    for line in version_lines():  # the same lines as `counter-app --version`
        assert line in text
    assert f"数据库结构版本 {schema.head_revision()}" in text
    box.close()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "aboutBox") is None)


@pytest.fixture
def frozen_bundle(tmp_path, monkeypatch):
    """A fake PyInstaller bundle: sys.frozen, sys._MEIPASS with fonts/ as build-deb.sh lays it out."""
    if not (WQY.exists() and HANA_A.exists() and HANA_B.exists()):
        pytest.skip("fonts-wqy-microhei and fonts-hanazono are needed (.ci/apt-packages.txt)")
    folder = tmp_path / "_internal" / "fonts"
    folder.mkdir(parents=True)
    for font in (WQY, HANA_A, HANA_B):
        (folder / font.name).symlink_to(font)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path / "_internal"), raising=False)
    monkeypatch.delenv(fonts.ENV_FONT, raising=False)
    monkeypatch.delenv(fonts.ENV_FALLBACK, raising=False)
    fonts.reset_cache()
    yield folder
    fonts.reset_cache()


def test_not_frozen_uses_system_fonts_only():
    assert resources.bundled_fonts_dir() is None
    assert resources.bundled_fonts("main") == []


@pytest.mark.parametrize("platform", ["linux", "win32", "darwin"])
def test_frozen_finds_bundled_fonts_first(frozen_bundle, platform):
    main = fonts.main_candidates(platform)
    assert main[0].path == str(frozen_bundle / "wqy-microhei.ttc")
    assert len(main) > 1  # the system's fonts still follow
    fallback = fonts.fallback_candidates(platform)
    assert [Path(s.path).name for s in fallback[:2]] == ["HanaMinA.ttf", "HanaMinB.ttf"]
    assert str(Path(fallback[0].path).parent) == str(frozen_bundle)


@pytest.mark.parametrize("platform", ["linux", "win32"])
def test_frozen_pdf_fonts_come_from_the_bundle(frozen_bundle, platform):
    chosen = fonts._discover(None, (), platform)
    assert chosen.main.path == str(frozen_bundle / "wqy-microhei.ttc")
    assert chosen.fallbacks[0].path == str(frozen_bundle / "HanaMinA.ttf")
    # a rare character (CJK Ext A, Ext B) is set in a bundled fallback font, not left as a box
    assert chosen.missing("龑䶮𠇔") == []
    assert chosen.font_for("䶮") in chosen.fallback_names


def test_configured_font_still_wins_over_bundled(frozen_bundle, monkeypatch):
    monkeypatch.setenv(fonts.ENV_FONT, str(HANA_A))
    fonts.reset_cache()
    assert fonts.font_set().main.path == str(HANA_A)


def test_windows_data_and_config_live_in_local_appdata(tmp_path, monkeypatch):
    """The installer removes Program Files only: data and config.toml stay in %LOCALAPPDATA%."""
    from platformdirs.windows import Windows

    monkeypatch.delenv(config.ENV_DATA_DIR, raising=False)
    monkeypatch.chdir(tmp_path)  # a Windows path is a relative name here: keep what mkdir makes in tmp
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(platformdirs, "PlatformDirs", Windows)
    local = r"C:\Users\clerk\AppData\Local"
    monkeypatch.setenv("WIN_PD_OVERRIDE_LOCAL_APPDATA", local)
    monkeypatch.setenv("WIN_PD_OVERRIDE_APPDATA", r"C:\Users\clerk\AppData\Roaming")
    expected = Path(local) / "counter-app" / "counter-app"
    assert config.data_dir() == expected
    assert config.config_file() == expected / "config.toml"
    assert config.default_sqlite_path().parent == expected


def test_windows_font_folders(monkeypatch):
    monkeypatch.setenv("WINDIR", r"D:\Win")
    monkeypatch.setenv("LOCALAPPDATA", r"C:\Users\clerk\AppData\Local")
    main = [s.path for s in fonts.main_candidates("win32")]
    assert main[0].replace("\\", "/").lower() == "d:/win/fonts/simsun.ttc"
    assert any("Microsoft/Windows/Fonts" in p.replace("\\", "/") for p in main)


class LoginDialog(QDialog):  # named like the real sign-in dialog, which the probe recognises by name
    pass


def test_startup_probe_records_steps_and_quits(qtbot, tmp_path, monkeypatch):
    from counter_app.ui import startup_probe

    target = tmp_path / "probe.jsonl"
    monkeypatch.setenv(startup_probe.ENV, str(target))
    quits = []
    monkeypatch.setattr(QApplication, "quit", staticmethod(lambda: quits.append(1)))
    app = QApplication.instance()
    probe = startup_probe.install(app)
    try:
        dialog = LoginDialog()
        qtbot.addWidget(dialog)
        from PySide6.QtCore import QTimer

        def submit():
            qtbot.keyClick(dialog, Qt.Key_Return)
            dialog.accept()  # the real dialog accepts on Enter through its default button

        QTimer.singleShot(0, submit)
        dialog.exec()  # modal, as the real sign-in
        window = QMainWindow()
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: quits == [1])
    finally:
        app.removeEventFilter(probe)
        probe.deleteLater()
    steps = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [s["step"] for s in steps] == ["signin_shown", "signin_submitted", "signin_done", "main_shown"]
    assert steps[0]["t"] <= steps[1]["t"] <= steps[2]["t"] <= steps[3]["t"]
    assert Path(str(target) + ".png").stat().st_size > 0


def test_no_probe_without_the_variable(monkeypatch):
    from counter_app.ui import startup_probe

    monkeypatch.delenv(startup_probe.ENV, raising=False)
    assert startup_probe.install(QApplication.instance()) is None
