"""Signed and scanned cases for the demo hall: a trial seal certificate (created when the hall has
none, its passphrase kept on this PC), a few recent applications whose set the customer "signed"
on a simulated pad, and scans of their received and supplied materials — so ``counter-app
archive`` and ``counter-app verify`` can be tried at once."""

from __future__ import annotations

import io
import os
import random
from dataclasses import dataclass, field

from sqlalchemy import select

from counter_app.acceptance import scans
from counter_app.signing import certificates as seal_certificates, signed_documents
from counter_app.security import credentials as users
from counter_app.infra.context import system_actor, this_pc
from counter_app.infra.db import Database
from counter_app.models import Application, CounterWindow, Material, User
from counter_app.signing.signature_pad import sample_signature


@dataclass
class DemoSigning:
    certificate: str = ""
    created_certificate: bool = False
    signed_cases: list[str] = field(default_factory=list)
    signed_documents: int = 0
    scanned_pages: int = 0


def scan_page(title: str, *, seed: int, dpi: int = 300, seal: bool = True) -> bytes:
    """A made-up scanned A4 page: the material's name, lines of text, a red seal where it has one."""
    from PIL import Image, ImageDraw, ImageFont

    from counter_app.printing.fonts import main_candidates

    rng = random.Random(seed)
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    image = Image.new("RGB", (width, height), (250, 249, 245))
    draw = ImageDraw.Draw(image)
    font = None
    for spec in main_candidates():
        if os.path.isfile(spec.path):
            font = ImageFont.truetype(spec.path, dpi // 4, index=spec.index)
            break
    draw.text((dpi, dpi), f"{title}（演示扫描件）", fill=(20, 20, 20), font=font)
    for row in range(12):
        y = int(dpi * 1.8 + row * dpi * 0.45)
        draw.line((dpi, y, dpi + rng.randint(int(width * 0.4), width - 2 * dpi), y), fill=(70, 70, 70), width=3)
    if seal:
        cx, cy, r = width - 2 * dpi, height - 2 * dpi, int(dpi * 0.8)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(210, 30, 30), width=dpi // 30)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, dpi=(dpi, dpi))
    return out.getvalue()


def add(db: Database, *, cases: int = 3) -> DemoSigning:
    result = DemoSigning()
    active = seal_certificates.active(db)
    if active is None or seal_certificates.this_pc_passphrase() is None:
        active = seal_certificates.create_trial(db, system_actor())
        result.created_certificate = True
    result.certificate = active.label
    with db.read() as session:
        base = (select(Application.id, Application.number, User, CounterWindow)
                .join(User, User.id == Application.clerk_id)
                .join(CounterWindow, CounterWindow.id == Application.window_id))
        rows = session.execute(base.where(Application.status == "active")
                               .order_by(Application.accepted_at.desc()).limit(cases)).all()
        # and a case whose deferred item was supplied later: its scan shows the supplied material
        supplied = session.execute(base.where(Application.id.in_(
            select(Material.application_id).where(Material.state == "supplied")))
            .order_by(Application.accepted_at.desc()).limit(1)).first()
        if supplied is not None and supplied[0] not in {r[0] for r in rows}:
            rows.append(supplied)
        rows = [(app_id, number, users.actor_for(clerk, hall_id=window.hall_id, window=window, pc=this_pc()))
                for app_id, number, clerk, window in rows]
    for n, (app_id, number, actor) in enumerate(rows):
        for i, target in enumerate(signed_documents.targets(db, actor, app_id)):
            if target.signed_at is None:
                signed_documents.sign(db, actor, app_id, target.doc, sample_signature(n * 7 + i, device="模拟签批屏"))
                result.signed_documents += 1
        with db.read() as session:
            materials = [(m.id, m.code, m.name, m.state) for m in session.scalars(
                select(Material).where(Material.application_id == app_id).order_by(Material.seq))]
        for k, (material_id, code, name, state) in enumerate(materials):
            if state not in ("received", "supplied"):
                continue
            req = scans.requirement(code)
            data = scan_page(name, seed=n * 31 + k, dpi=req.min_dpi, seal=req.colour)
            source = "folder" if k % 2 else "file"
            result.scanned_pages += len(scans.attach(db, actor, app_id, material_id, f"{code}.jpg", data, source))
        result.signed_cases.append(number)
    return result
