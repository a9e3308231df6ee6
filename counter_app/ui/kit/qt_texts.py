"""Qt's own texts that its Chinese catalogue (qtbase_zh_CN) lacks, e.g. the 类型 column of the file
dialog ("Folder", "csv File"). Installed after the catalogue, so it is asked first and falls back
to it for everything else."""

from __future__ import annotations

from PySide6.QtCore import QTranslator

MISSING = {
    ("QAbstractFileIconProvider", "Folder"): "文件夹",
    ("QAbstractFileIconProvider", "File"): "文件",
    ("QAbstractFileIconProvider", "%1 File"): "%1 文件",
    ("QAbstractFileIconProvider", "Drive"): "驱动器",
    ("QAbstractFileIconProvider", "Shortcut"): "快捷方式",
    ("QAbstractFileIconProvider", "Alias"): "替身",
    ("QFileSystemModel", "%1 KB"): "%1 KB",
    ("QFileDialog", "Look in:"): "查找范围：",
    ("QFileDialog", "Files of type:"): "文件类型：",
}


class MissingQtTexts(QTranslator):
    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:  # noqa: ARG002
        # None is a null QString: Qt then asks the next translator (an empty string would stop it)
        return MISSING.get((context, source))

    def isEmpty(self) -> bool:  # noqa: N802 (Qt API)
        return False
