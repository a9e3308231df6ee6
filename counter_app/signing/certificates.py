"""The hall's seal certificates: an admin imports a PKCS#12 file, or creates a self-signed one for
trials (its subject says 试用/trial); the active one seals signed documents and archives.

Where the private key lives, and why: every counter PC seals, and they share only the hall
database. So the PKCS#12 bundle is stored in the database, re-encrypted (AES-256, PBKDF2) with a
*seal passphrase* that is never stored there. Each sealing PC keeps the passphrase in an owner-only
file (0600) in its data directory, or gets it from ``COUNTER_APP_SEAL_PASSPHRASE`` (a service). A
database dump, a backup or the back office's database login alone never yields the key; a PC
without the passphrase can verify but not seal. An owner-only key file alone would have bound
sealing to one PC.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from counter_app.hall import hall as hall_mod
from counter_app.infra import clock, config
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError
from counter_app.models import Hall, SealCertificate
from counter_app.security import audit
from counter_app.security.permissions import Perm, require

ENV_PASSPHRASE = "COUNTER_APP_SEAL_PASSPHRASE"
PASSPHRASE_FILE = "seal-passphrase"
MIN_PASSPHRASE = 8
TRIAL_MARK = "试用 trial"
TRIAL_DAYS = 365


class NoSeal(UserError):
    """No usable seal certificate, or this PC lacks the seal passphrase."""


@dataclass(frozen=True)
class CertInfo:
    id: int
    subject: str
    issuer: str
    serial: str
    fingerprint: str
    not_before: dt.datetime
    not_after: dt.datetime
    trial: bool
    active: bool

    @property
    def label(self) -> str:
        kind = "（试用证书）" if self.trial else ""
        return f"{self.subject}{kind}，有效期至 {self.not_after:%Y-%m-%d}"


@dataclass(frozen=True)
class SealKey:
    """What seals: the certificate and its private key (kept in memory only while sealing)."""

    certificate_id: int
    certificate: x509.Certificate
    key: object
    chain: tuple[x509.Certificate, ...]
    subject: str


def _info(row: SealCertificate) -> CertInfo:
    return CertInfo(row.id, row.subject, row.issuer, row.serial, row.fingerprint, row.not_before, row.not_after,
                    row.trial, row.active)


def _name(name: x509.Name) -> str:
    """A readable subject: organisation and common name (Chinese as is)."""
    parts = []
    for oid in (NameOID.ORGANIZATION_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.COMMON_NAME):
        parts += [a.value for a in name.get_attributes_for_oid(oid) if a.value not in parts]
    return " / ".join(parts) or name.rfc4514_string()


def _hall_id(session, actor: Actor, hall_id: int | None = None) -> int:
    """The hall whose seal it is: ``hall_id`` (one the admin manages), else the actor's own, else the
    first it manages (a city or province admin; a database of several halls: each has its own seal)."""
    return hall_mod.managed_hall(session, actor, hall_id).id


# --- passphrase on this PC ------------------------------------------------------------------------


def passphrase_path() -> Path:
    return config.data_dir() / PASSPHRASE_FILE


def save_passphrase(passphrase: str) -> Path:
    """Keep the seal passphrase on this PC, readable by its owner only."""
    _check_passphrase(passphrase)
    path = passphrase_path()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(passphrase)
    os.chmod(path, 0o600)
    return path


def this_pc_passphrase() -> str | None:
    env = os.environ.get(ENV_PASSPHRASE)
    if env:
        return env
    path = passphrase_path()
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise UserError(f"盖章口令至少{MIN_PASSPHRASE}位")


# --- import, trial, list --------------------------------------------------------------------------


def _store(db: Database, actor: Actor, cert: x509.Certificate, key, chain, passphrase: str, *, trial: bool,
           action: str, hall_id: int | None = None) -> CertInfo:
    der = cert.public_bytes(serialization.Encoding.DER)
    fingerprint = hashlib.sha256(der).hexdigest()
    bundle = pkcs12.serialize_key_and_certificates(
        b"hall-seal", key, cert, list(chain) or None,
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")))
    now = clock.now()

    def work(session) -> CertInfo:
        if session.scalar(select(SealCertificate.id).where(SealCertificate.fingerprint == fingerprint)):
            raise UserError("该证书已导入，无需重复导入")
        seal_hall = _hall_id(session, actor, hall_id)
        session.execute(update(SealCertificate).where(SealCertificate.hall_id == seal_hall).values(active=False))
        row = SealCertificate(
            hall_id=seal_hall, subject=_name(cert.subject)[:300], issuer=_name(cert.issuer)[:300],
            serial=format(cert.serial_number, "x")[:80], fingerprint=fingerprint, certificate_der=der,
            pkcs12=bundle, not_before=cert.not_valid_before_utc.replace(tzinfo=None),
            not_after=cert.not_valid_after_utc.replace(tzinfo=None), trial=trial, active=True,
            created_at=now, created_by_id=actor.user_id)
        session.add(row)
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:  # another hall's (row security hid it from the check above)
            raise UserError("该证书已由其他营业厅导入；每个营业厅使用自己的签章证书") from None
        audit.record(session, actor, action, "seal_certificate", row.id,
                     detail={"subject": row.subject, "fingerprint": fingerprint, "trial": trial}, at=now)
        return _info(row)

    return db.run_write(work)


def import_pkcs12(db: Database, actor: Actor, data: bytes, password: str, passphrase: str,
                  hall_id: int | None = None) -> CertInfo:
    """Import the hall's certificate from a PKCS#12 (.p12/.pfx) file; it becomes the active seal.
    ``password`` opens the file; ``passphrase`` protects the key in the database from now on."""
    require(db, actor, Perm.MANAGE_SETTINGS, target_type="seal_certificate", target_id="import")
    _check_passphrase(passphrase)
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, password.encode("utf-8") if password else None)
    except ValueError as exc:
        raise UserError("无法打开证书文件：文件不是 PKCS#12 证书，或证书密码错误") from exc
    if key is None or cert is None:
        raise UserError("证书文件中没有私钥或证书，请导出含私钥的 PKCS#12（.p12/.pfx）文件")
    if cert.not_valid_after_utc.replace(tzinfo=None) < clock.now():
        raise UserError(f"该证书已于 {cert.not_valid_after_utc:%Y-%m-%d} 过期，不能用于盖章")
    info = _store(db, actor, cert, key, chain or (), passphrase, trial=False, action="seal_import", hall_id=hall_id)
    save_passphrase(passphrase)
    return info


def create_trial(db: Database, actor: Actor, passphrase: str | None = None, *, hall_name: str = "",
                 hall_id: int | None = None) -> CertInfo:
    """A self-signed certificate for trying signed documents out; its subject says it is a trial one.
    Without ``passphrase`` a random one is made and kept on this PC."""
    require(db, actor, Perm.MANAGE_SETTINGS, target_type="seal_certificate", target_id="trial")
    passphrase = passphrase or secrets.token_urlsafe(18)
    _check_passphrase(passphrase)
    if not hall_name:
        with db.read() as session:
            hall_name = session.get(Hall, _hall_id(session, actor, hall_id)).name
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(hall_name, 64)),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "试用证书，不具法律效力 (trial, not for production)"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{_fit(hall_name, 64 - 27)} 电子签章 {TRIAL_MARK}"),
    ])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=TRIAL_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    info = _store(db, actor, cert, key, (), passphrase, trial=True, action="seal_trial", hall_id=hall_id)
    save_passphrase(passphrase)
    return info


def _fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes (X.509 name attributes count bytes, not characters)."""
    while len(text.encode("utf-8")) > limit:
        text = text[:-1]
    return text


def certificates(db: Database, actor: Actor, hall_id: int | None = None) -> list[CertInfo]:
    """The certificates of the halls ``actor`` sees (of hall ``hall_id`` only when given)."""
    require(db, actor, Perm.MANAGE_SETTINGS, target_type="seal_certificate", target_id="list")
    with db.read() as session:
        halls = [_hall_id(session, actor, hall_id)] if hall_id is not None else hall_mod.visible_hall_ids(session, actor)
        rows = session.scalars(select(SealCertificate)
                               .where(SealCertificate.hall_id.in_(halls))
                               .order_by(SealCertificate.id.desc())).all()
        return [_info(r) for r in rows]


def active(db: Database, hall_id: int | None = None) -> CertInfo | None:
    with db.read() as session:
        stmt = select(SealCertificate).where(SealCertificate.active.is_(True))
        if hall_id is not None:
            stmt = stmt.where(SealCertificate.hall_id == hall_id)
        row = session.scalars(stmt.order_by(SealCertificate.id.desc()).limit(1)).first()
        return _info(row) if row else None


def trusted_certificates(db: Database) -> dict[str, CertInfo]:
    """Every seal certificate the hall ever registered, by SHA-256 fingerprint (``verify`` trusts these)."""
    with db.read() as session:
        return {r.fingerprint: _info(r) for r in session.scalars(select(SealCertificate)).all()}


def certificate_ders(db: Database) -> list[bytes]:
    with db.read() as session:
        return list(session.scalars(select(SealCertificate.certificate_der)).all())


def seal_key(db: Database, hall_id: int | None = None) -> SealKey:
    """The active certificate with its key, opened with this PC's seal passphrase."""
    with db.read() as session:
        stmt = select(SealCertificate).where(SealCertificate.active.is_(True))
        if hall_id is not None:
            stmt = stmt.where(SealCertificate.hall_id == hall_id)
        row = session.scalars(stmt.order_by(SealCertificate.id.desc()).limit(1)).first()
        if row is None:
            raise NoSeal("本营业厅尚未配置电子签章证书：请管理员在“管理 → 电子签章证书”中导入证书或创建试用证书")
        bundle, cert_id, subject, not_after = row.pkcs12, row.id, row.subject, row.not_after
    if not_after < clock.now():
        raise NoSeal(f"电子签章证书已于 {not_after:%Y-%m-%d} 过期，请管理员导入新证书")
    passphrase = this_pc_passphrase()
    if not passphrase:
        raise NoSeal("本机未设置盖章口令，无法盖章：请管理员在本机“电子签章证书”中输入盖章口令")
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(bundle, passphrase.encode("utf-8"))
    except ValueError as exc:
        raise NoSeal("本机保存的盖章口令与当前证书不符，请管理员在本机重新输入盖章口令") from exc
    return SealKey(cert_id, cert, key, tuple(chain or ()), subject)


def set_this_pc_passphrase(db: Database, actor: Actor, passphrase: str) -> Path:
    """An admin enables sealing on this PC: the passphrase must open the active certificate."""
    require(db, actor, Perm.MANAGE_SETTINGS, target_type="seal_certificate", target_id="passphrase")
    _check_passphrase(passphrase)
    with db.read() as session:
        bundle = session.scalar(select(SealCertificate.pkcs12).where(SealCertificate.active.is_(True))
                                .order_by(SealCertificate.id.desc()).limit(1))
    if bundle is None:
        raise NoSeal("尚未配置电子签章证书")
    try:
        pkcs12.load_key_and_certificates(bundle, passphrase.encode("utf-8"))
    except ValueError as exc:
        raise UserError("盖章口令不正确") from exc
    path = save_passphrase(passphrase)
    db.run_write(lambda session: audit.record(session, actor, "seal_passphrase", "seal_certificate", "this_pc",
                                              detail={"pc": actor.pc}))
    return path
