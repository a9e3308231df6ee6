"""The hall seal on a PDF (PAdES baseline B, pyHanko) and its check.

``seal`` adds one signature over the whole file with the hall's certificate; ``verify`` reads every
signature back with pyHanko's validator and says who sealed, when, whether the bytes are intact and
whether the certificate is one the hall registered. Any changed byte in the signed range breaks the
digest; anything appended after sealing shows as a later revision not covered by the seal.

With a TSA address in the hall settings (``timestamp_url``, RFC 3161 over HTTP) the seal carries a
signature timestamp from that authority (PAdES B-T): the time of sealing then rests on the TSA, not on
the counter PC's clock. Without one, the time is the PC's own (the signer-reported time).

Not reachable from pyHanko: GB/T 38540 (SM2/SM3 electronic seals); this is an RSA/SHA-256 PAdES
signature under an X.509 certificate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from counter_app.infra.errors import UserError
from counter_app.signing.certificates import SealKey

FIELD_PREFIX = "HallSeal"


class NotAPdf(UserError):
    pass


def _asn1_cert(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


TIMESTAMP_SETTING = "timestamp_url"  # hall setting: the RFC 3161 TSA address (empty: no timestamp)
TIMESTAMP_TIMEOUT = 15  # seconds: a TSA that does not answer must not hang the counter for long


def timestamper(url: str):
    """pyHanko's RFC 3161 client for ``url`` (None when no TSA is configured)."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    url = (url or "").strip()
    return HTTPTimeStamper(url, timeout=TIMESTAMP_TIMEOUT) if url else None


def seal(data: bytes, key: SealKey, *, reason: str, location: str, contact: str = "", timestamp_url: str = "",
         stamper=None) -> bytes:
    """``data`` with the hall seal added as an incremental update (earlier signatures stay intact),
    timestamped by the TSA at ``timestamp_url`` (or by ``stamper``, any pyHanko TimeStamper) if given.
    A TSA that cannot be reached stops the seal with a message: a hall that asked for trusted time
    does not silently get a seal without it."""
    registry = SimpleCertificateStore()
    registry.register_multiple([_asn1_cert(c) for c in key.chain])
    signer = signers.SimpleSigner(signing_cert=_asn1_cert(key.certificate),
                                  signing_key=translate_pyca_cryptography_key_to_asn1(key.key),
                                  cert_registry=registry)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    except Exception as exc:
        raise NotAPdf("文件不是有效的 PDF，无法盖章") from exc
    existing = sum(1 for _ in fields.enumerate_sig_fields(writer))
    meta = signers.PdfSignatureMetadata(
        field_name=f"{FIELD_PREFIX}{existing + 1}", reason=reason, location=location, contact_info=contact or None,
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    stamper = stamper or timestamper(timestamp_url)
    try:
        out = signers.sign_pdf(writer, meta, signer=signer, timestamper=stamper)
    except SigningError as exc:
        raise UserError(f"盖章失败：{exc}") from exc
    except Exception as exc:
        if stamper is None:
            raise
        raise UserError(f"时间戳服务 {timestamp_url or '（测试）'} 无法取得时间戳（{type(exc).__name__}: {exc}），"
                        "未盖章：请检查网络或在“营业厅设置”中更正或清空时间戳服务地址") from exc
    return out.getvalue()


@dataclass(frozen=True)
class SealCheck:
    field: str
    signer: str  # subject of the signing certificate
    signed_at: dt.datetime | None
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the signature value checks against the certificate
    covers_whole_file: bool  # nothing was added after this seal
    registered: bool  # the certificate is one the hall registered (or trusted) for sealing
    fingerprint: str
    reason: str
    summary: str  # pyHanko's own summary
    timestamp_at: dt.datetime | None = None  # the TSA's time, when the seal carries a timestamp
    timestamp_by: str = ""  # the TSA's certificate subject
    timestamp_intact: bool = False  # the timestamp token's own signature checks and covers this seal

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.covers_whole_file


def _subject(cert: asn1_x509.Certificate) -> str:
    name = cert.subject.native
    parts = [name.get(k) for k in ("organization_name", "organizational_unit_name", "common_name") if name.get(k)]
    seen: list[str] = []
    for p in parts:
        for v in (p if isinstance(p, list) else [p]):
            if v not in seen:
                seen.append(v)
    return " / ".join(seen) or cert.subject.human_friendly


def verify(data: bytes, trusted_der: Iterable[bytes] = ()) -> list[SealCheck]:
    """Every signature of ``data``, checked. ``trusted_der``: the hall's registered certificates."""
    trusted = [asn1_x509.Certificate.load(d) for d in trusted_der]
    fingerprints = {hashlib.sha256(d).hexdigest() for d in trusted_der}
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:
        raise NotAPdf("文件不是有效的 PDF，或已损坏到无法读取") from exc
    result = []
    for sig in embedded:
        cert = sig.signer_cert
        context = ValidationContext(trust_roots=trusted or [cert], allow_fetching=False)
        try:
            status = None
            status = validate_pdf_signature(sig, context)
            intact, valid = status.intact, status.valid
            covers = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
            summary = status.summary()
            signed_at = status.signer_reported_dt
        except Exception as exc:  # a mangled signature container: not valid, say why
            intact = valid = covers = False
            summary = f"INVALID ({type(exc).__name__})"
            signed_at = None
        fingerprint = hashlib.sha256(cert.dump()).hexdigest()
        reason = str(sig.sig_object.get("/Reason", "")) if sig.sig_object is not None else ""
        result.append(SealCheck(field=sig.field_name, signer=_subject(cert), signed_at=signed_at, intact=intact,
                                valid=valid, covers_whole_file=covers, registered=fingerprint in fingerprints,
                                fingerprint=fingerprint, reason=reason, summary=summary, **_timestamp(sig, status)))
    return result


def _timestamp(sig, status) -> dict:
    """The signature timestamp of ``sig``, if any: when, by whom, whether its token is intact. The
    TSA's certificate is not checked against a trust list here (the hall configures the TSA it trusts)."""
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    if next(iter(extract_tst_data_iter(sig.signer_info, signed=False)), None) is None:
        return {}
    validity = getattr(status, "timestamp_validity", None) if status is not None else None
    if validity is None:  # a token is there but could not be read: it does not count
        return {"timestamp_at": dt.datetime.min.replace(tzinfo=dt.UTC), "timestamp_by": "",
                "timestamp_intact": False}
    return {"timestamp_at": validity.timestamp, "timestamp_by": _subject(validity.signing_cert),
            "timestamp_intact": bool(validity.intact and validity.valid)}


def describe(checks: list[SealCheck], *, trust_known: bool) -> tuple[list[str], bool]:
    """Chinese lines for ``counter-app verify`` and whether the file passes."""
    if not checks:
        return ["该文件没有电子签章（未盖章或签章已被移除）"], False
    lines, passed = [], True
    for i, c in enumerate(checks, 1):
        when = f"{c.signed_at.astimezone():%Y-%m-%d %H:%M:%S %z}" if c.signed_at else "（未知）"
        last = i == len(checks)
        lines.append(f"签章 {i}（{c.field}）")
        lines.append(f"  盖章人：{c.signer}")
        lines.append(f"  盖章时间：{when}")
        if c.reason:
            lines.append(f"  事由：{c.reason}")
        if c.timestamp_at is not None:
            state = "有效" if c.timestamp_intact else "无效（时间戳数据被修改或与签章不符）"
            lines.append(f"  可信时间戳：{c.timestamp_at.astimezone():%Y-%m-%d %H:%M:%S %z}，"
                         f"由 {c.timestamp_by or '（未知）'} 签发，{state}")
        else:
            lines.append("  可信时间戳：无（盖章时间取自盖章电脑的时钟）")
        if not c.intact:
            state = "文件内容在盖章后被修改（摘要不符）"
        elif not c.valid:
            state = "签章无效（签名值与证书不符或签章数据已损坏）"
        elif not c.covers_whole_file and last:
            state = "盖章后文件又被追加修改（本签章之后的内容未经盖章）"
        else:
            state = "未被修改" if c.covers_whole_file else "未被修改（其后有合法的后续签章）"
        lines.append(f"  完整性：{state}")
        if trust_known:
            lines.append(f"  证书：{'本营业厅登记的签章证书' if c.registered else '不是本营业厅登记的签章证书'}")
        else:
            lines.append("  证书：未连接营业厅数据库，未核对证书是否为本厅登记")
        lines.append(f"  证书指纹（SHA-256）：{c.fingerprint}")
        bad = not c.intact or not c.valid or (last and not c.covers_whole_file) or (trust_known and not c.registered)
        bad = bad or (c.timestamp_at is not None and not c.timestamp_intact)
        passed = passed and not bad
    lines.append("结论：" + ("签章有效，文件自盖章后未被修改" if passed else "验证未通过"))
    return lines, passed
