"""Taking a picture of a document with a camera (a document camera's video device, a webcam) through
QtMultimedia. Without a camera the button that opens this is disabled with a tooltip saying so."""

from __future__ import annotations

import os
import tempfile

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


def camera_available() -> bool:
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:  # a build without QtMultimedia
        return False
    try:
        return bool(QMediaDevices.videoInputs())
    except Exception:  # no multimedia backend on this PC
        return False


class CameraDialog(QDialog):
    """Live view and 拍照; ``path`` is the owner-only JPEG taken (deleted by the caller's import)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from PySide6.QtMultimedia import QCamera, QImageCapture, QMediaCaptureSession, QMediaDevices
        from PySide6.QtMultimediaWidgets import QVideoWidget

        super().__init__(parent)
        self.setWindowTitle("拍照")
        self.path: str | None = None
        device = QMediaDevices.defaultVideoInput()
        self.camera = QCamera(device, self)
        self.capture = QImageCapture(self)
        self.capture.setQuality(QImageCapture.Quality.VeryHighQuality)
        self.session = QMediaCaptureSession(self)
        self.session.setCamera(self.camera)
        self.session.setImageCapture(self.capture)
        video = QVideoWidget(self)
        self.session.setVideoOutput(video)
        self.capture.imageSaved.connect(self._saved)
        self.capture.errorOccurred.connect(lambda _id, _err, text: self.status.setText(f"拍照失败：{text}"))
        self.status = QLabel(f"摄像头：{device.description()}。请将资料平放、占满画面后拍照", self)
        shoot = QPushButton("拍照(&P)", self)
        shoot.clicked.connect(self.shoot)
        cancel = QPushButton("取消", self)
        cancel.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(shoot)
        row.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(video, 1)
        layout.addLayout(row)
        self.resize(900, 680)
        self.camera.start()

    def shoot(self) -> None:
        fd, path = tempfile.mkstemp(prefix="counter_app-scan-", suffix=".jpg")
        os.close(fd)
        os.chmod(path, 0o600)  # a picture of an ID card is personal data
        self.capture.captureToFile(path)

    def _saved(self, _id: int, path: str) -> None:
        self.path = path
        self.camera.stop()
        self.accept()
