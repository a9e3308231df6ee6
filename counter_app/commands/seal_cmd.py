"""counter-app verify FILE.pdf            — who sealed it, when, whether it was changed (exit 1 if not valid)
counter-app seal trial|import|list|passphrase — the hall's seal certificates (admin, on the server)
counter-app archive NUMBER -o FILE.pdf   — the case as one sealed PDF/A file"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from counter_app.commands import identity
from counter_app.infra.errors import DatabaseUnavailable, UserError
from counter_app.signing import certificates as seal_certificates
from counter_app.signing import pdf_seal

EXIT_NOT_VALID = 1


def register(sub) -> None:
    verify = sub.add_parser("verify", help="检验PDF的电子签章：盖章人、时间、是否被修改",
                            description="检验已签署单据或案卷PDF的电子签章；文件被修改或签章无效时返回非零退出码")
    verify.add_argument("file", metavar="FILE.pdf")
    verify.add_argument("--offline", action="store_true", help="不连接数据库（不核对证书是否为本厅登记）")
    verify.set_defaults(handler=_verify)

    seal = sub.add_parser("seal", help="电子签章证书：创建试用证书、导入证书、查看、设置本机盖章口令")
    seal_sub = seal.add_subparsers(dest="seal_command", metavar="ACTION", required=True)
    trial = seal_sub.add_parser("trial", help="创建自签名的试用证书（证书主题注明“试用”）")
    trial.set_defaults(handler=_trial)
    imp = seal_sub.add_parser("import", help="导入营业厅的 PKCS#12 证书（.p12/.pfx）")
    imp.add_argument("file", metavar="FILE.p12")
    imp.set_defaults(handler=_import)
    listing = seal_sub.add_parser("list", help="列出已登记的签章证书")
    listing.set_defaults(handler=_list)
    passphrase = seal_sub.add_parser("passphrase", help="在本机保存盖章口令（本机方可盖章）")
    passphrase.set_defaults(handler=_passphrase)

    archive = sub.add_parser("archive", help="将一个申请的全部资料归档为一个盖章的 PDF/A 文件")
    archive.add_argument("number", metavar="NUMBER", help="申请编号")
    archive.add_argument("-o", "--output", required=True, metavar="FILE.pdf")
    archive.set_defaults(handler=_archive)


def _verify(args) -> int:
    path = Path(args.file)
    data = path.read_bytes()
    trusted: list[bytes] = []
    trust_known = False
    if not args.offline:
        try:
            db, _actor = identity.open_as(args)  # on PostgreSQL the registered certificates are a person's read
            try:
                trusted = seal_certificates.certificate_ders(db)
                trust_known = True
            finally:
                db.dispose()
        except (DatabaseUnavailable, UserError, Exception) as exc:  # verify still says what it can
            print(f"提示：未能读取营业厅登记的证书（{str(exc)[:120]}），只检验文件完整性", file=sys.stderr)
    checks = pdf_seal.verify(data, trusted)
    lines, passed = pdf_seal.describe(checks, trust_known=trust_known)
    print(f"文件：{path}")
    for line in lines:
        print(line)
    return 0 if passed else EXIT_NOT_VALID


def _ask_passphrase() -> str:
    import os

    env = os.environ.get(seal_certificates.ENV_PASSPHRASE)
    if env:
        return env
    first = getpass.getpass("设置盖章口令（至少8位）：")
    if getpass.getpass("再次输入盖章口令：") != first:
        raise UserError("两次输入的盖章口令不一致")
    return first


def _trial(args) -> int:
    db, actor = identity.open_as(args)
    try:
        info = seal_certificates.create_trial(db, actor, _ask_passphrase())
    finally:
        db.dispose()
    print(f"已创建试用证书：{info.label}")
    print(f"证书指纹（SHA-256）：{info.fingerprint}")
    print("注意：试用证书为自签名证书，仅供试用，不具法律效力")
    return 0


def _import(args) -> int:
    import os

    data = Path(args.file).read_bytes()
    password = os.environ.get("COUNTER_APP_P12_PASSWORD")
    if password is None:
        password = getpass.getpass("证书文件密码：")
    db, actor = identity.open_as(args)
    try:
        info = seal_certificates.import_pkcs12(db, actor, data, password, _ask_passphrase())
    finally:
        db.dispose()
    print(f"已导入签章证书：{info.label}")
    return 0


def _list(args) -> int:
    db, actor = identity.open_as(args)
    try:
        rows = seal_certificates.certificates(db, actor)
    finally:
        db.dispose()
    if not rows:
        print("尚未登记签章证书")
    for info in rows:
        state = "当前使用" if info.active else "已停用"
        print(f"[{state}] {info.label}　指纹 {info.fingerprint[:16]}…")
    return 0


def _passphrase(args) -> int:
    import os

    env = os.environ.get(seal_certificates.ENV_PASSPHRASE)
    db, actor = identity.open_as(args)
    try:
        path = seal_certificates.set_this_pc_passphrase(db, actor, env or getpass.getpass("盖章口令："))
    finally:
        db.dispose()
    print(f"本机盖章口令已保存（仅本用户可读）：{path}")
    return 0


def _archive(args) -> int:
    from counter_app import documents
    from counter_app.reporting import case_archive

    output = Path(args.output)
    if output.suffix.lower() != ".pdf":
        raise UserError(f"输出文件 {output} 须以 .pdf 结尾")
    db, actor = identity.open_as(args)
    try:
        app_id = documents.find_application(db, args.number)
        result = case_archive.build(db, actor, app_id)
        written = case_archive.save(db, actor, result, output)
    finally:
        db.dispose()
    print(f"已生成案卷：{written}（{result.pages}页，已签署单据{result.signed}份，扫描件{result.scans}页，"
          f"审计记录{result.audit_entries}条）")
    return 0
