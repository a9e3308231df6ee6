"""Open/save/folder dialogs entirely in Chinese. Qt's Chinese catalogue lacks some texts of its own
file dialog ("Look in", "Files of type" …), and native dialogs follow the OS language, so every
file dialog of the app is Qt's own with its labels set here. Same calls as QFileDialog's static
helpers; tests replace these functions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

LABELS = {
    QFileDialog.LookIn: "查找范围：",
    QFileDialog.FileName: "文件名：",
    QFileDialog.FileType: "文件类型：",
    QFileDialog.Reject: "取消",
}


def make_dialog(parent: QWidget | None, caption: str, directory: str, file_filter: str,
                mode: QFileDialog.FileMode, save: bool) -> QFileDialog:
    dialog = QFileDialog(parent, caption, directory, file_filter)
    dialog.setOption(QFileDialog.DontUseNativeDialog, True)
    dialog.setFileMode(mode)
    dialog.setAcceptMode(QFileDialog.AcceptSave if save else QFileDialog.AcceptOpen)
    if mode == QFileDialog.Directory:
        dialog.setOption(QFileDialog.ShowDirsOnly, True)
    for label, text in LABELS.items():
        dialog.setLabelText(label, text)
    dialog.setLabelText(QFileDialog.Accept, "保存" if save else ("选择文件夹" if mode == QFileDialog.Directory else "打开"))
    dialog.setObjectName("fileDialog")
    return dialog


def _run(dialog: QFileDialog) -> tuple[str, str]:
    try:
        if dialog.exec() != QFileDialog.Accepted or not dialog.selectedFiles():
            return "", ""
        return dialog.selectedFiles()[0], dialog.selectedNameFilter()
    finally:
        dialog.deleteLater()


def get_save_file_name(parent: QWidget | None, caption: str, path: str = "", file_filter: str = "") -> tuple[str, str]:
    return _run(make_dialog(parent, caption, path, file_filter, QFileDialog.AnyFile, save=True))


def get_open_file_name(parent: QWidget | None, caption: str, path: str = "", file_filter: str = "") -> tuple[str, str]:
    return _run(make_dialog(parent, caption, path, file_filter, QFileDialog.ExistingFile, save=False))


def get_existing_directory(parent: QWidget | None, caption: str, path: str = "") -> str:
    return _run(make_dialog(parent, caption, path, "", QFileDialog.Directory, save=False))[0]


SAVE_FILTERS = {"pdf": "PDF 文件 (*.pdf)", "docx": "Word 文档 (*.docx)", "xlsx": "Excel 工作簿 (*.xlsx)"}


def documents_folder() -> str:
    """Where a clerk's saved documents go first: the user's 文档 folder (home when there is none)."""
    return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())


def ask_save_path(parent: QWidget | None, caption: str, filename: str, fmt: str) -> str:
    """The save dialog in the documents folder with ``filename`` suggested; the chosen path ends in
    ``.fmt`` (added when the person left it off), "" when they cancelled."""
    path, _ = get_save_file_name(parent, caption, str(Path(documents_folder()) / filename), SAVE_FILTERS[fmt])
    if path and not path.lower().endswith(f".{fmt}"):
        path += f".{fmt}"
    return path
