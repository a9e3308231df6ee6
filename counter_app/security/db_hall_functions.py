"""The SQL functions of several halls on one PostgreSQL database (issue 20), installed with those of
``db_functions`` by ``db_policy.apply``.

``counter_api.my_halls()`` is what every row-level security policy and hall-filtered view asks: the
halls of the calling login, derived in the database from ``session_user`` (the account's own hall
and the halls granted to it in ``hall_grant``), never from a variable the client sets. An account
of no hall and no grants sees every hall if it is an admin (city/province) or the exchange job, and
none otherwise; the owner sees every hall. ``STABLE`` and called as ``(SELECT …)`` in the policies,
so a query evaluates it once, not per row. ``counter_api.add_hall`` lets a province admin add a hall
(the owner writes the tables directly)."""

from __future__ import annotations

from counter_app.hall.hall import ALL_HALL_ROLES, MAX_WINDOWS
from counter_app.security.db_functions import CALLER, DENIED, function, sql_function

ALL_HALLS = "(SELECT coalesce(array_agg(h.id ORDER BY h.id), '{}') FROM public.hall h)"

HALL_FUNCTIONS = [
    # plpgsql, as db_functions' caller functions: asked by every statement of a login
    function("counter_api.my_halls()", "integer[]", f"""
        RETURN (SELECT CASE
            WHEN counter_private.is_owner() THEN {ALL_HALLS}
            WHEN u.id IS NULL OR NOT u.active THEN '{{}}'::integer[]
            WHEN u.hall_id IS NULL AND u.role = ANY (ARRAY{list(ALL_HALL_ROLES)!r}::text[])
                 AND NOT EXISTS (SELECT 1 FROM public.hall_grant g WHERE g.user_id = u.id) THEN {ALL_HALLS}
            ELSE array_remove(ARRAY(SELECT g.hall_id FROM public.hall_grant g WHERE g.user_id = u.id)
                              || u.hall_id, NULL) END
        FROM (SELECT 1) AS one
        LEFT JOIN public.user_account u ON {CALLER});""",
             volatility="STABLE"),
    # Whether the caller is an account of no hall (city, province): the audit entries of no hall are theirs
    function("counter_api.of_no_hall()", "boolean", f"""
        RETURN coalesce((SELECT u.active AND u.hall_id IS NULL FROM public.user_account u WHERE {CALLER}), false);""",
             volatility="STABLE"),
    # Whether a blob is a scan or signed document of any case, whichever hall: with the owner's rights,
    # because row security hides another hall's scans, and a hidden case must not make its blob look
    # like one of no case (open to all).
    sql_function("counter_private.blob_of_a_case(p_blob integer)", "boolean", """
        SELECT EXISTS (SELECT 1 FROM public.scan_page WHERE blob_id = p_blob)
            OR EXISTS (SELECT 1 FROM public.signed_document WHERE pdf_blob_id = p_blob OR image_blob_id = p_blob)""",
                 volatility="STABLE"),
    # A blob of a case of the caller's halls: the applications and scans this reads are those only
    # (row security; invoker's rights, so it inlines into the view).
    sql_function("counter_private.blob_in_my_halls(p_blob integer)", "boolean", """
        SELECT EXISTS (SELECT 1 FROM public.scan_page s JOIN public.application a ON a.id = s.application_id
                       WHERE s.blob_id = p_blob)
            OR EXISTS (SELECT 1 FROM public.signed_document d JOIN public.application a ON a.id = d.application_id
                       WHERE d.pdf_blob_id = p_blob OR d.image_blob_id = p_blob)""", security="", volatility="STABLE"),
    function("counter_api.add_hall(p_code text, p_name text, p_supervision_phone text, p_address text, "
             "p_phone text, p_windows integer)", "integer", f"""
        IF NOT counter_private.is_owner() AND (acct.id IS NULL OR NOT acct.active OR acct.role <> 'admin'
           OR acct.hall_id IS NOT NULL OR NOT pg_has_role(session_user, counter_private.grp('admin'), 'MEMBER')) THEN
            RAISE EXCEPTION '只有数据库所有者或不属于任何营业厅的（市、省级）系统管理员可以新增营业厅' {DENIED};
        END IF;
        IF p_code !~ '^[A-Z0-9]{{2,12}}$' OR coalesce(btrim(p_name), '') = '' OR p_windows NOT BETWEEN 1 AND {MAX_WINDOWS} THEN
            RAISE EXCEPTION '营业厅编码、名称或窗口数量不正确' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        INSERT INTO public.hall (code, name, address, phone, supervision_phone, created_at)
        VALUES (p_code, btrim(p_name), coalesce(p_address, ''), coalesce(p_phone, ''), p_supervision_phone,
                localtimestamp)
        RETURNING id INTO new_id;
        INSERT INTO public.counter_window (hall_id, number, name, active)
        SELECT new_id, n, n || '号窗口', true FROM generate_series(1, p_windows) AS n;
        RETURN new_id;""", declare="acct public.user_account := counter_private.me();\nnew_id integer;"),
]
