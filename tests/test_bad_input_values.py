"""Values that got through (issue 14, item 7): text a person cannot see, names longer than their
column, dates outside any business, a second spelling of a user name, passwords anyone would guess.
One rule each, checked before the database, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from counter_app.acceptance.input_checks import validate
from counter_app.infra import text_checks
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.models import User
from counter_app.security import accounts
from counter_app.security import credentials as users
from tests.acceptance_helpers import residential

TODAY = dt.date(2026, 11, 24)
GOOD_PASSWORD = "Kaihu2026x"

INVISIBLE = [
    ("王\ud800明", "孤立代理码位"),
    ("\u200b\u200c\u2060", "请填写"),  # zero-width only: nothing left once stripped
    ("王明\u202e", "方向控制符"),
    ("\u2066王明\u2069", "方向控制符"),
    ("王\x07明", "控制字符"),
    ("王\r明", "控制字符"),
]


@pytest.mark.parametrize("name, message", INVISIBLE)
def test_the_shared_text_check(name, message):
    with pytest.raises(UserError, match=message):
        text_checks.checked(name, "姓名", required=True, max_length=60)


def test_zero_width_characters_inside_a_name_are_stripped_not_refused():
    assert text_checks.checked(" 王\u200b明\ufeff ", "姓名", required=True, max_length=60) == "王明"
    assert text_checks.checked("甲\n乙", "备注", multiline=True) == "甲\n乙"
    assert text_checks.checked("甲\t乙", "姓名") == "甲 乙"


# --- accounts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, message", [*INVISIBLE, ("王" * 1000, "不能超过60个字（当前1000个）")])
def test_account_names_are_checked_before_the_database(db, actors, name, message):
    with pytest.raises(ValidationFailed) as info:
        accounts.create_account(db, actors["admin1"], "newclerk", role="clerk", name=name, password=GOOD_PASSWORD)
    assert message in info.value.errors["name"]
    with pytest.raises(ValidationFailed) as info:
        accounts.update_account(db, actors["admin1"], "clerk1", name=name, role="clerk", window_no=1)
    assert message in info.value.errors["name"]
    with db.read() as s:
        assert s.scalar(select(func.count()).where(User.username == "newclerk")) == 0
        assert s.scalar(select(User.name).where(User.username == "clerk1")) == "王小明"


def test_user_names_are_case_insensitive(db, actors):
    with pytest.raises(UserError, match="已存在"):
        accounts.create_account(db, actors["admin1"], "Admin1", role="admin", name="冒充者", password=GOOD_PASSWORD)
    account = accounts.create_account(db, actors["admin1"], "Wang.Fang", role="clerk", name="王芳",
                                      password=GOOD_PASSWORD)
    assert account.username == "wang.fang"
    assert accounts.get_account(db, actors["admin1"], "WANG.FANG").name == "王芳"
    assert users.sign_in(db, " CLERK1 ", "Passw0rd1").username == "clerk1"


def test_the_database_refuses_a_second_spelling_too(db, actors):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.engine.begin() as conn:  # bypassing the app, as a script would
        conn.execute(User.__table__.insert().values(
            username="ADMIN1", name="x", role="admin", password_hash="x", active=True, must_change_password=True,
            failed_attempts=0, created_at=dt.datetime(2026, 11, 24)))


def test_upgrade_lowercases_existing_names(tmp_path):
    """0011 on a database that still holds "Wang" (created before the rule): stored as "wang"."""
    from alembic import command
    from sqlalchemy import text

    from counter_app.infra import schema_upgrade as schema
    from counter_app.infra.db import Database

    db = Database.from_url(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    cfg = schema.alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
        conn.execute(text("INSERT INTO user_account (username, name, role, password_hash, active, "
                          "must_change_password, failed_attempts, created_at) "
                          "VALUES ('Wang', '王', 'clerk', 'x', 1, 1, 0, '2026-11-24 09:00:00')"))
    schema.upgrade(db.engine)
    with db.read() as s:
        assert s.scalars(select(User.username)).all() == ["wang"]
    db.dispose()


# --- passwords ------------------------------------------------------------------------------------


@pytest.mark.parametrize("password, message", [
    ("password1", "常见密码"), ("12345678a", "常见密码"), ("aaaaaaa1", "常见密码"),
    ("zzzzzzzz9", "过于简单"), ("98765432q", "过于简单"), ("k1k1k1k1", "过于简单"), ("abcdefg12345", "过于简单"),
])
def test_common_and_trivial_passwords_are_refused(password, message):
    assert message in (users.password_problem(password, "clerk9") or "")


@pytest.mark.parametrize("password", ["Passw0rd1", "Kaihu2026x", "Yanshi2026", "Demo1234"])
def test_ordinary_passwords_still_pass(password):
    assert users.password_problem(password, "clerk9") is None


def test_the_common_password_list_says_where_it_comes_from():
    from counter_app.infra.resources import resource_path
    from counter_app.security import password_policy

    head = resource_path(password_policy.COMMON_FILE).read_text(encoding="utf-8")[:600]
    assert "zxcvbn" in head and "MIT" in head
    assert {"password1", "12345678a", "aaaaaaa1"} <= password_policy.common_passwords()


# --- the clerk's fields ---------------------------------------------------------------------------


@pytest.mark.parametrize("field, value, message", [
    ("holder_name", "张\u202e三", "方向控制符"),
    ("holder_name", "\u200b\u200b", "请填写"),
    ("holder_name", "张" * 1000, "不能超过120个字"),
    ("contact_name", "李\ud83d四", "孤立代理码位"),
    ("remarks", "甲\x00乙", "控制字符"),
    ("cert_valid_until", "9999-12-31", "超出可用范围"),
    ("cert_valid_until", "0001-01-01", "超出可用范围"),
    ("wanted_date", "9999-12-31", "超出可用范围"),
])
def test_acceptance_fields(field, value, message):
    with pytest.raises(ValidationFailed) as info:
        validate(residential(**{field: value}), today=TODAY)
    assert message in info.value.errors[field]


def test_column_lengths_are_the_models():
    from counter_app.acceptance.clerk_input import MAX_LEN
    from counter_app.models import Application, Certificate

    assert MAX_LEN["holder_name"] == Certificate.__table__.c.holder_name.type.length
    assert MAX_LEN["contact_name"] == Application.__table__.c.contact_name.type.length


@pytest.mark.parametrize("change, field, message", [
    ({"hall_name": "营" * 1000}, "hall_name", "不能超过100个字"),
    ({"hall_name": "鼓楼\u202e营业厅"}, "hall_name", "方向控制符"),
    ({"admin_name": "管" * 1000}, "admin_name", "不能超过60个字"),
    ({"admin_name": "\u200b"}, "admin_name", "请填写姓名"),
    ({"password": "password1", "password_repeat": "password1"}, "password", "常见密码"),
])
def test_first_start_checks_names_and_password_the_same_way(sqlite_db, change, field, message):
    from tests.test_accounts import SETUP

    with pytest.raises(ValidationFailed) as info:
        accounts.first_start(sqlite_db, **{**SETUP, **change})
    assert message in info.value.errors[field]
    with sqlite_db.read() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0
