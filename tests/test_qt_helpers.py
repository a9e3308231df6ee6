from PySide6.QtWidgets import QLineEdit

from tests.qt_helpers import type_text


def test_type_chinese_and_ascii(qtbot):
    edit = QLineEdit()
    qtbot.addWidget(edit)
    assert type_text(edit, "张三 Zhang 䶮𠇔 13812345678") == 23
    assert edit.text() == "张三 Zhang 䶮𠇔 13812345678"
