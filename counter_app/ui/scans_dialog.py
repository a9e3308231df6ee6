"""扫描件: the scanned pages of an application's material items — add from files, pick up what the
document camera (高拍仪) writes into its folder while this case is on screen, take a picture with a
camera where one is present, supply a deferred item with its scan, view a page, export it.

All reading, checking and storing runs off the GUI thread (``scans`` in the domain); thumbnails
come back blurred for a role that may not see the pages.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QSize, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from counter_app.acceptance import scans
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.ui.kit import background, file_dialogs
from counter_app.ui.kit.tracking_common import StatusMessages

ENV_WATCH = "COUNTER_APP_SCAN_FOLDER"
STATE_LABELS = {"received": "已收", "deferred": "容缺待补", "on_file": "在档", "supplied": "已补交", "missing": "未收"}


def _pixmap(png: bytes) -> QPixmap:
    image = QImage.fromData(png)
    return QPixmap.fromImage(image)


class ScansDialog(StatusMessages, QDialog):
    def __init__(self, db: Database, actor: Actor, application_id: int, parent: QWidget | None = None, *,
                 watch_folder: str | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.application_id = db, actor, application_id
        self.items: list[tuple[int, str, str, str]] = []  # id, code, name, state
        self.number = ""
        self.pages: list[scans.ScanInfo] = []
        self.pending = 0
        self.last_message = ""
        self._seen: set[str] = set()
        self.setObjectName("ScansDialog")
        self.setWindowTitle("资料扫描件")
        self.resize(1100, 720)
        self._build()
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _p: self.poll_folder())
        self._poll = QTimer(self)  # network shares do not always notify: look every 2 s as well
        self._poll.setInterval(2000)
        self._poll.timeout.connect(self.poll_folder)
        self.watch_folder: Path | None = None
        folder = watch_folder or os.environ.get(ENV_WATCH)
        self._load_items()
        self.refresh()
        if folder:
            self.set_watch_folder(folder)

    def _build(self) -> None:
        self.header = QLabel(self)
        self.material = QComboBox(self)
        self.material.setObjectName("scanMaterial")
        self.material.setAccessibleName("资料项")
        self.material.currentIndexChanged.connect(self._update_requirement)
        self.requirement = QLabel(self)
        self.requirement.setObjectName("scanRequirement")
        top = QHBoxLayout()
        label = QLabel("资料项(&M)：", self)
        label.setBuddy(self.material)
        top.addWidget(label)
        top.addWidget(self.material, 1)
        top.addWidget(self.requirement)

        self.thumbs = QListWidget(self)
        self.thumbs.setObjectName("scanThumbnails")
        self.thumbs.setAccessibleName("扫描件缩略图")
        self.thumbs.setViewMode(QListView.ViewMode.IconMode)
        self.thumbs.setIconSize(QSize(scans.THUMB_PX // 2, scans.THUMB_PX // 2))
        self.thumbs.setResizeMode(QListView.ResizeMode.Adjust)
        self.thumbs.setSpacing(8)
        self.thumbs.itemDoubleClicked.connect(lambda _i: self.view_current())

        self.viewer = QLabel(self)
        self.viewer.setObjectName("scanViewer")
        self.viewer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea(self)
        scroll.setWidget(self.viewer)
        scroll.setWidgetResizable(True)
        middle = QHBoxLayout()
        middle.addWidget(self.thumbs, 1)
        middle.addWidget(scroll, 1)

        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text, slot in [
            ("add", "添加文件(&A)…", self.add_files_dialog),
            ("supply", "补交并附扫描件(&B)…", self.supply_dialog),
            ("watch", "高拍仪文件夹(&W)…", self.choose_watch_folder),
            ("camera", "拍照(&P)…", self.take_picture),
            ("view", "查看大图(&V)", self.view_current),
            ("export", "导出(&E)…", self.export_current),
        ]:
            button = QPushButton(text, self)
            button.setObjectName(f"scan_{key}")
            button.clicked.connect(slot)
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)
        close = QPushButton("关闭", self)
        close.clicked.connect(self.reject)
        row.addWidget(close)
        from counter_app.ui.camera_capture import camera_available

        if not camera_available():
            self.buttons["camera"].setEnabled(False)
            self.buttons["camera"].setToolTip("未检测到摄像头或高拍仪视频设备")
        self.watch_label = QLabel("高拍仪文件夹：未设置", self)
        self.message = QLabel(self)
        self.message.setObjectName("scanMessage")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        layout.addWidget(self.watch_label)
        layout.addWidget(self.message)
        layout.addLayout(row)

    # --- loading ----------------------------------------------------------------------------------

    def _load_items(self) -> None:
        self.pending += 1
        background.run(self, lambda: scans.material_items(self.db, self.actor, self.application_id), self._show_items,
                self._failed)

    def _show_items(self, result) -> None:
        self.pending -= 1
        self.number, items = result
        self.items = [(m.id, m.code, m.name, m.state) for m in items]
        self.header.setText(f"申请编号：{self.number}　　扫描要求依 DA/T 31-2017（≥200 dpi；证件300 dpi；含印章须彩色）")
        self.setWindowTitle(f"资料扫描件 — {self.number}")
        current = self.material.currentData()
        blocked = self.material.blockSignals(True)
        self.material.clear()
        for material_id, _code, name, state in self.items:
            self.material.addItem(f"{name}（{STATE_LABELS.get(state, state)}）", material_id)
        self.material.addItem("其他资料（未归类）", None)
        index = self.material.findData(current)
        self.material.setCurrentIndex(index if index >= 0 else 0)
        self.material.blockSignals(blocked)
        self._update_requirement()

    def current_material(self) -> tuple[int | None, str, str]:
        material_id = self.material.currentData()
        for mid, code, _name, state in self.items:
            if mid == material_id:
                return mid, code, state
        return None, "", ""

    def select_material(self, code: str) -> None:
        for i, (_mid, c, _n, _s) in enumerate(self.items):
            if c == code:
                self.material.setCurrentIndex(i)

    def _update_requirement(self) -> None:
        _mid, code, state = self.current_material()
        self.requirement.setText("要求：" + scans.requirement(code).text)
        self.buttons["supply"].setEnabled(state == "deferred")

    def refresh(self) -> None:
        self.pending += 1
        background.run(self, lambda: scans.list_scans(self.db, self.actor, self.application_id), self._show_pages,
                self._failed)

    def _show_pages(self, pages: list[scans.ScanInfo]) -> None:
        self.pending -= 1
        self.pages = pages
        self.thumbs.clear()
        for info in pages:
            item = QListWidgetItem(QIcon(_pixmap(info.thumbnail)), f"{info.material_name or '未归类'}\n第{info.seq}页 "
                                   f"{info.dpi}dpi" + ("（已脱敏）" if info.masked else ""))
            item.setToolTip(info.label)
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            self.thumbs.addItem(item)
        if pages and pages[0].masked:
            self._show("扫描件属于个人信息：当前角色只能看到模糊的缩略图", error=True)

    # --- adding -----------------------------------------------------------------------------------

    def add_files_dialog(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        paths, _ = QFileDialog.getOpenFileNames(self, "添加扫描件", folder,
                                                "扫描件 (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.pdf)")
        if paths:
            self.add_files(paths)

    def add_files(self, paths: list[str], *, source: str = "file", supply: bool = False) -> None:
        material_id, _code, _state = self.current_material()
        self.pending += 1

        def work():
            added = []
            for i, path in enumerate(paths):
                data = Path(path).read_bytes()
                if supply and i == 0:  # the item is supplied once; further files add pages
                    added += scans.supply_with_scan(self.db, self.actor, material_id, Path(path).name, data, source)
                else:
                    added += scans.attach(self.db, self.actor, self.application_id, material_id, Path(path).name,
                                          data, source)
            return added

        def done(added) -> None:
            self.pending -= 1
            self._show(f"已添加{len(added)}页扫描件" + ("，并登记补交" if supply else ""))
            if supply:
                self._load_items()
            self.refresh()

        background.run(self, work, done, self._failed)

    def supply_dialog(self) -> None:
        path, _ = file_dialogs.get_open_file_name(self, "补交资料的扫描件", "",
                                              "扫描件 (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.pdf)")
        if path:
            self.add_files([path], supply=True)

    # --- document camera folder -------------------------------------------------------------------

    def choose_watch_folder(self) -> None:
        folder = file_dialogs.get_existing_directory(self, "选择高拍仪软件的保存文件夹")
        if folder:
            self.set_watch_folder(folder)

    def set_watch_folder(self, folder: str) -> None:
        path = Path(folder)
        if not path.is_dir():
            self._show(f"文件夹 {folder} 不存在或无法访问，请重新选择", error=True)
            return
        if self.watch_folder is not None:
            self.watcher.removePaths(self.watcher.directories())
        self.watch_folder = path
        self.watcher.addPath(str(path))
        self._poll.start()
        # files already there belong to an earlier case: only new ones are picked up
        self._seen = {str(p) for p in scans.watched_files(path, set())} | {
            str(p) for p in path.iterdir() if p.is_file()}
        self.watch_label.setText(f"高拍仪文件夹：{path}（新文件自动添加到本申请的当前资料项）")

    def poll_folder(self) -> None:
        if self.watch_folder is None or self.pending:
            return
        material_id, _code, _state = self.current_material()
        folder, seen = self.watch_folder, set(self._seen)
        self.pending += 1

        def work():
            new = scans.watched_files(folder, seen)
            added, failures = [], []
            for path in new:
                try:
                    added += scans.attach(self.db, self.actor, self.application_id, material_id, path.name,
                                          path.read_bytes(), "folder")
                except UserError as exc:
                    failures.append(str(exc))
                    continue
                done_dir = scans.imported_dir(folder)
                done_dir.mkdir(exist_ok=True)
                try:
                    path.rename(done_dir / f"{self.number}-{path.name}")
                except OSError:
                    pass  # stays in _seen: not picked up twice by this window
            return new, added, failures

        def done(result) -> None:
            self.pending -= 1
            new, added, failures = result
            self._seen |= {str(p) for p in new}
            if not added and not failures:
                return
            text = f"已从高拍仪文件夹添加{len(added)}页"
            if failures:
                self._show(text + "；未添加：" + "；".join(failures), error=True)
            else:
                self._show(text)
            self.refresh()

        background.run(self, work, done, self._failed)

    # --- camera -----------------------------------------------------------------------------------

    def take_picture(self) -> None:
        from counter_app.ui.camera_capture import CameraDialog

        dialog = CameraDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.path:
            self.add_files([dialog.path], source="camera")

    # --- viewing ----------------------------------------------------------------------------------

    def current_scan(self) -> int | None:
        item = self.thumbs.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def view_current(self) -> None:
        scan_id = self.current_scan()
        if scan_id is None:
            self._show("请先选择一页扫描件", error=True)
            return
        self.pending += 1

        def done(result) -> None:
            self.pending -= 1
            info, data = result
            pixmap = _pixmap(data)
            self.viewer.setPixmap(pixmap.scaledToWidth(max(self.viewer.width() - 20, 200),
                                                       Qt.TransformationMode.SmoothTransformation))
            self._show(info.label)

        background.run(self, lambda: scans.page(self.db, self.actor, scan_id), done, self._failed)

    def export_current(self) -> None:
        scan_id = self.current_scan()
        if scan_id is None:
            self._show("请先选择一页扫描件", error=True)
            return
        path, _ = file_dialogs.get_save_file_name(self, "导出扫描件", f"{self.number}-扫描件.jpg", "图像 (*.jpg *.png)")
        if path:
            self.export_to(scan_id, path)

    def export_to(self, scan_id: int, path: str) -> None:
        self.pending += 1

        def done(target) -> None:
            self.pending -= 1
            self._show(f"已导出：{target}")

        background.run(self, lambda: scans.export_page(self.db, self.actor, scan_id, path), done, self._failed)
