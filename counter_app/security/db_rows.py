"""Row-level security: the halls of one PostgreSQL database kept apart by the database (issue 20).

Every hall-scoped table gets one policy for the counter groups: a row is seen, changed, counted and
written only if it belongs to one of the caller's halls, ``counter_api.my_halls()``
(``db_hall_functions``: derived from ``session_user``, evaluated once per query). Tables that carry
``hall_id`` are filtered by it; the parts of an application (materials, stages, scans …) through
their application, whose own policy the subquery obeys; the day's number counters by the hall code
their prefix starts with. Customers, certificates, materials on file, the blacklist and stored files
are shared by all halls (一证受理 anywhere). The owner owns the tables and is not subject to them
(it runs upgrades and sees every hall).

Views owned by the owner read their tables with the owner's rights, past these policies: the masked
views of ``db_policy`` add the same hall condition themselves (``VIEW_CONDITION``).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

MINE = "((SELECT counter_api.my_halls())::integer[])"  # a scalar subquery: once per query, not per row
OF_MY_HALLS = f"hall_id = ANY {MINE}"
# correlated, so each row costs one primary-key probe (``IN (SELECT …)`` materialised the hall's
# applications and searched them for every row)
OF_MY_APPLICATIONS = "EXISTS (SELECT 1 FROM public.application a WHERE a.id = application_id)"

HALL_ROWS: dict[str, str] = {
    "hall": f"id = ANY {MINE}",
    "hall_grant": OF_MY_HALLS,
    "hall_setting": OF_MY_HALLS,
    "counter_window": OF_MY_HALLS,
    "calendar_override": OF_MY_HALLS,
    "seal_certificate": OF_MY_HALLS,
    "application": OF_MY_HALLS,
    "handover_batch": OF_MY_HALLS,
    "quality_card": OF_MY_HALLS,
    "print_record": OF_MY_HALLS,
    "export_record": OF_MY_HALLS,
    # entries of no hall (a city or province account's own actions: adding a hall, granting halls)
    # belong to the accounts of no hall, as security.audit_trail shows them on SQLite
    "audit_entry": f"({OF_MY_HALLS} OR (hall_id IS NULL AND "
                   "(SELECT counter_api.of_no_hall())))",
    "material": OF_MY_APPLICATIONS,
    "commitment": OF_MY_APPLICATIONS,
    "stage_event": OF_MY_APPLICATIONS,
    "survey_appointment": OF_MY_APPLICATIONS,
    "handover_line": "EXISTS (SELECT 1 FROM public.handover_batch b WHERE b.id = batch_id)",
    "signed_document": OF_MY_APPLICATIONS,
    "scan_page": OF_MY_APPLICATIONS,
    "customer_confirmation": OF_MY_APPLICATIONS,
    "service_rating": OF_MY_APPLICATIONS,
    "rating_follow_up": "EXISTS (SELECT 1 FROM public.service_rating r WHERE r.id = rating_id)",
    # application numbers "CODE-YYYYMMDD", handover numbers "JJ-CODE-NN-YYYYMMDD" (hall.numbering)
    "number_counter": f"EXISTS (SELECT 1 FROM public.hall h WHERE h.id = ANY {MINE} AND "
                      "(prefix ~ ('^' || h.code || '-[0-9]{8}$') OR prefix ~ ('^JJ-' || h.code || '-[0-9]+-[0-9]{8}$')))",
}
# no hall of their own: shared by every hall, or read through a view or a function only
SHARED = ("customer", "certificate", "material_on_file", "blacklist_entry", "stored_blob", "user_account",
          "sign_in_lock", "alembic_version",
          # a PC is found by its host name at every sign-in; hidden behind another hall's window, a PC
          # moved between halls could not be registered again (its name is unique)
          "counter_pc")
# the hall condition of the owner's views (t = the table's row)
VIEW_CONDITION = {"application": f"t.hall_id = ANY {MINE}",
                  # accounts of the caller's halls, and those of no hall (city, province, the exchange job)
                  "user_account": f"(t.hall_id IS NULL OR t.hall_id = ANY {MINE})"}


def _run(conn: Connection, sql: str) -> None:
    conn.exec_driver_sql(sql.replace("%", "%%"))


def apply(conn: Connection, staff_group: str) -> None:
    """One policy per hall-scoped table for ``staff_group`` (every counter group is a member)."""
    for table, condition in HALL_ROWS.items():
        _run(conn, f"ALTER TABLE public.{table} ENABLE ROW LEVEL SECURITY")
        _run(conn, f"DROP POLICY IF EXISTS hall_rows ON public.{table}")
        _run(conn, f"CREATE POLICY hall_rows ON public.{table} FOR ALL TO {staff_group} "
                   f"USING ({condition}) WITH CHECK ({condition})")


def remove(conn: Connection) -> None:
    for table in HALL_ROWS:
        _run(conn, f"DROP POLICY IF EXISTS hall_rows ON public.{table}")
        _run(conn, f"ALTER TABLE public.{table} DISABLE ROW LEVEL SECURITY")
