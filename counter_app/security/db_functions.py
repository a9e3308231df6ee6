"""The owner-defined SQL functions of a PostgreSQL hall database (issue 14): who is calling, masking,
the write-through of the masked views, audit identity, and the only way to manage counter logins.
The functions of several halls on one database (which halls a login sees, adding a hall) are in
``db_hall_functions``.

Schemas:
- ``counter_private``: helpers no counter login may call by name (no USAGE); owned by the owner.
- ``counter_api``: what counter logins see first on their ``search_path``: the masked views of the
  personal-data tables (``db_policy``) and the functions below they may call.

Every SECURITY DEFINER function pins ``search_path`` (a caller's temporary schema must not shadow a
table) and decides from ``session_user`` (the login that authenticated; only a superuser can change
it), never from what the client passes. Refusals are SQLSTATE 42501 with a Chinese message, which
``infra.db`` turns into ``PermissionDenied`` as they are. An admin of a hall manages the accounts of
that hall only (``counter_private.require_admin``); the owner and a province admin without a hall,
those of every hall.
"""

from __future__ import annotations

from counter_app.security import db_rows

# The login of an account is "<username>@<database>"; group roles are "<database>:<role>".
COUNTER_ROLES = ("clerk", "backoffice", "supervisor", "admin", "exchange")
STAFF = "staff"

DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"
PINNED = "SET search_path = public, pg_temp"  # invoker's rights, but no shadowing by the caller


def function(signature: str, returns: str, body: str, *, language: str = "plpgsql", security: str = DEFINER,
             volatility: str = "", declare: str = "", rows: int | None = None) -> str:
    """One ``CREATE OR REPLACE FUNCTION``: the frame every function here shares, written once. A
    plpgsql ``body`` is the statements between BEGIN and END, ``declare`` its variables; ``rows``
    the planner's estimate of a set-returning function's rows (1,000 unless given)."""
    if language == "plpgsql":
        body = (f"DECLARE\n{declare}\n" if declare else "") + f"BEGIN\n{body}\nEND"
    options = " ".join(part for part in (volatility, security, f"ROWS {rows}" if rows else "") if part)
    return f"CREATE OR REPLACE FUNCTION {signature} RETURNS {returns}\nLANGUAGE {language} {options} AS $$\n{body}\n$$"


def sql_function(signature: str, returns: str, body: str, **options) -> str:
    return function(signature, returns, body, language="sql", **options)


DENIED = "USING ERRCODE = 'insufficient_privilege'"
# The caller's account: its name is the login without "@<database>" (read through the unique index
# on username, not by computing every account's login), and its login must be exactly the session's.
# session_user is a ``name``, whose collation is "C": compared as is, the username index (default
# collation) could not serve it, and every call read all accounts (1,200: 0.5 ms, several times per
# statement of a login)
CALLER = ("u.username = left(session_user::text, -(length(current_database()) + 1)) COLLATE \"default\" "
          "AND counter_private.login_of(u.username) = session_user")
# an account the caller manages: ``login`` checked by counter_login, ``acct`` the row, locked
MANAGED = "acct public.user_account;\nlogin text;"


def _audit(action: str, user: str, detail: str) -> str:
    return f"PERFORM counter_private.audit({action}, {user}, {detail});"


def _managed(username: str = "p_username") -> str:
    """The account an admin changes, of the admin's own hall (owner, province admin: any hall)."""
    return (f"login := counter_private.counter_login({username});\n"
            f"SELECT * INTO acct FROM public.user_account WHERE username = {username} FOR UPDATE;\n"
            "PERFORM counter_private.manages_hall(acct.hall_id);")


# the refusal when the last active admin of a hall (or of no hall) would lose the role or be disabled;
# the app says the same on SQLite (accounts)
LAST_ADMIN = "这是{hall}（{code}）唯一启用的管理员账号，不能{what}；请先在该营业厅新建另一个管理员"
LAST_ADMIN_NO_HALL = "这是唯一启用的市、省级管理员账号（不属于任何营业厅），不能{what}；请先新建另一个市、省级管理员"

HELPERS = [
    # --- names and the caller ---------------------------------------------------------------------
    sql_function("counter_private.grp(p_role text)", "text", "SELECT current_database() || ':' || p_role",
                 security="", volatility="STABLE"),
    sql_function("counter_private.login_of(p_username text)", "text", "SELECT p_username || '@' || current_database()",
                 security="", volatility="STABLE"),
    # The caller's functions below are asked by every statement of a login (views, row security), so
    # they are plpgsql: it keeps the plans of its queries for the session, where a SECURITY DEFINER SQL
    # function (never inlined) is planned again at every call (0.6 ms each, several per statement)
    function("counter_private.is_owner()", "boolean",
             "RETURN (SELECT pg_has_role(session_user, d.datdba, 'MEMBER') FROM pg_database d "
             "WHERE d.datname = current_database());", volatility="STABLE"),
    function("counter_private.me()", "public.user_account",
             f"SELECT u.* INTO acct FROM public.user_account u WHERE {CALLER};\nRETURN acct;",
             declare="acct public.user_account;", volatility="STABLE"),
    # One row per query for the masked views: the caller's id, window, role, whether a clerk, and
    # whether an unmasked export was allowed in this very transaction (allow_unmasked_export).
    function("counter_private.viewer(OUT uid integer, OUT window_id integer, OUT clerk boolean, "
             "OUT unmasked boolean, OUT role text)", "record", f"""
        SELECT u.id, u.window_id, coalesce(u.role = 'clerk' AND u.active, false),
               EXISTS (SELECT 1 FROM counter_private.unmasked_grant g
                       WHERE g.xid = pg_current_xact_id_if_assigned() AND g.login = session_user),
               CASE WHEN u.active THEN u.role END
        INTO uid, window_id, clerk, unmasked, role
        FROM (SELECT 1) AS one
        LEFT JOIN public.user_account u ON {CALLER};""",
             volatility="STABLE"),
    # --- masking (the same rules as security/redaction.py) ----------------------------------------
    sql_function("counter_private.mask_id(n text)", "text", """
        SELECT CASE WHEN n IS NULL THEN NULL
            WHEN length(n) <= 8 THEN left(n, 2) || repeat('*', greatest(length(n) - 2, 0))
            WHEN length(n) = 18 THEN left(n, 6) || repeat('*', 8) || right(n, 4)
            ELSE left(n, 3) || repeat('*', length(n) - 7) || right(n, 4) END""", security="", volatility="IMMUTABLE"),
    sql_function("counter_private.mask_phone(n text)", "text", """
        SELECT CASE WHEN n IS NULL THEN NULL
            WHEN length(n) = 11 AND n ~ '^[0-9]+$' THEN left(n, 3) || '****' || right(n, 4)
            WHEN length(n) > 6 THEN left(n, CASE WHEN length(n) > 8 THEN length(n) - 8 ELSE 2 END)
                                    || '****' || right(n, 4)
            ELSE n END""", security="", volatility="IMMUTABLE"),
    # A clerk's own case still in hand: accepted by them or at their window, not yet completed or
    # terminated (the same rule for the application, its customer and the customer's certificates).
    # Invoker's rights and no SET clause, so the planner inlines it into the view's query (a definer
    # function is called once per row: a month's register took four times as long); it reads only
    # columns every counter group may read, and only the rows of the caller's halls (row security).
    sql_function("counter_private.in_hand(p_customer integer, p_uid integer, p_window integer)", "boolean", """
        SELECT EXISTS (SELECT 1 FROM public.application a WHERE a.customer_id = p_customer
                       AND a.status = 'active' AND (a.clerk_id = p_uid OR a.window_id = p_window))""",
                 security="", volatility="STABLE"),
    # Scans and signed documents show certificates in full: their bytes are for whoever works the case
    # (acceptance.scans.may_view): the clerk whose case is in hand (the view opens blobs of no case,
    # and those of its halls' cases to back office and supervisors: ``db_hall_functions``)
    sql_function("counter_private.blob_open(p_blob integer, p_uid integer, p_window integer, p_clerk boolean)",
                 "boolean", """
        WITH cases AS (
            SELECT application_id FROM public.scan_page WHERE blob_id = p_blob
            UNION ALL SELECT application_id FROM public.signed_document WHERE pdf_blob_id = p_blob OR image_blob_id = p_blob)
        SELECT p_clerk AND EXISTS (SELECT 1 FROM cases c JOIN public.application a ON a.id = c.application_id
                                   WHERE a.status = 'active' AND (a.clerk_id = p_uid OR a.window_id = p_window))""",
                 security="", volatility="STABLE"),
    # --- the masked views write through to their tables -------------------------------------------
    # Runs as the caller (SECURITY INVOKER): the table and column privileges of the caller's group
    # and the row security of the table decide what may be written. Only the columns the statement
    # changed are written, so a masked value read through the view is never written back; a value
    # that still looks masked is refused.
    function("counter_private.write_through()", "trigger", """
        IF TG_OP = 'DELETE' THEN
            EXECUTE format('DELETE FROM %s WHERE id = $1', base) USING OLD.id;
            GET DIAGNOSTICS cnt = ROW_COUNT;
            RETURN CASE WHEN cnt > 0 THEN OLD END;
        END IF;
        n := to_jsonb(NEW);
        o := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) ELSE '{}'::jsonb END;
        IF EXISTS (SELECT 1 FROM unnest(masked) AS m(col)
                   WHERE n ->> m.col LIKE '%*%' AND (n -> m.col) IS DISTINCT FROM (o -> m.col)) THEN
            RAISE EXCEPTION '不能保存脱敏显示的证件号码或电话（含 *），请输入完整号码'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'INSERT' THEN
            EXECUTE format('INSERT INTO %s SELECT (jsonb_populate_record(NULL::%s, $1)).*', base, base)
                USING n;
            RETURN NEW;
        END IF;
        SELECT string_agg(format('%I = r.%I', e.key, e.key), ', ') INTO cols
            FROM jsonb_each(n) AS e WHERE e.value IS DISTINCT FROM o -> e.key;
        versioned := n ? 'version';
        IF cols IS NULL THEN
            RETURN NEW;
        END IF;
        -- optimistic locking holds at the table too: a row changed since the view read it is not
        -- updated (the ORM then sees 0 rows and reports a stale edit)
        EXECUTE format('UPDATE %s AS t SET %s FROM jsonb_populate_record(NULL::%s, $1) AS r '
                       'WHERE t.id = $2 %s', base, cols, base,
                       CASE WHEN versioned THEN 'AND t.version = $3' ELSE '' END)
            USING n, OLD.id, (o ->> 'version')::integer;
        GET DIAGNOSTICS cnt = ROW_COUNT;
        RETURN CASE WHEN cnt > 0 THEN NEW END;""", security=PINNED, declare="""
        base text := TG_ARGV[0];
        masked text[] := string_to_array(TG_ARGV[1], ',');
        n jsonb;
        o jsonb;
        cols text;
        versioned boolean;
        cnt integer;"""),
    # --- audit identity -------------------------------------------------------------------------
    # Who did it comes from the database session: a counter login's rows are stamped with its own
    # account whatever the client wrote, and with a hall of its own (the one written if the login
    # sees that hall, else the account's, else the first it sees; an audit entry of an account of no
    # hall written without one stays of no hall, as on SQLite); a counter login without an account
    # may not write them.
    function("counter_private.stamp_identity()", "trigger", f"""
        acct := counter_private.me();
        IF acct.id IS NOT NULL THEN
            NEW.user_id := acct.id;
            IF TG_ARGV[0] = 'username' THEN
                NEW.username := acct.username;
            END IF;
            IF NEW.hall_id IS NULL AND acct.hall_id IS NULL AND TG_TABLE_NAME = 'audit_entry' THEN
                NULL;
            ELSIF NEW.hall_id IS NULL OR NOT NEW.hall_id = ANY (counter_api.my_halls()) THEN
                NEW.hall_id := coalesce(acct.hall_id, (counter_api.my_halls())[1]);
            END IF;
        ELSIF pg_has_role(session_user, counter_private.grp('staff'), 'MEMBER')
              AND NOT counter_private.is_owner() THEN
            RAISE EXCEPTION '当前数据库登录没有对应的账号，不能写入记录' {DENIED};
        END IF;
        RETURN NEW;""", declare="acct public.user_account;"),
    # An application keeps its number once drawn: the save inserts a "~…" placeholder first and draws
    # the real number last (acceptance.service), so only a placeholder may change.
    function("counter_private.application_identity()", "trigger", f"""
        IF NEW.number IS DISTINCT FROM OLD.number AND left(OLD.number, 1) <> '~' AND NOT counter_private.is_owner() THEN
            RAISE EXCEPTION '申请编号一经生成不能修改' {DENIED};
        END IF;
        RETURN NEW;"""),
    # --- guards for the account functions -------------------------------------------------------
    function("counter_private.require_admin()", "void", f"""
        IF counter_private.is_owner() THEN
            RETURN;
        END IF;
        IF acct.id IS NULL OR acct.role <> 'admin' OR NOT acct.active
           OR NOT pg_has_role(session_user, counter_private.grp('admin'), 'MEMBER') THEN
            RAISE EXCEPTION '只有系统管理员可以管理账号' {DENIED};
        END IF;""", declare="acct public.user_account := counter_private.me();"),
    # The accounts of hall ``p_hall`` (NULL: of no hall) are managed by the owner, by an admin of no
    # hall (city/province) and by that hall's admin; an admin of hall A never touches hall B's.
    function("counter_private.manages_hall(p_hall integer)", "void", f"""
        IF NOT counter_private.is_owner() AND acct.hall_id IS NOT NULL AND p_hall IS DISTINCT FROM acct.hall_id THEN
            RAISE EXCEPTION '只能管理本营业厅的账号' {DENIED};
        END IF;""", declare="acct public.user_account := counter_private.me();", volatility="STABLE"),
    # A login these functions may touch: a plain login of this database's counter groups, never a
    # superuser, the owner or a role that can create roles, databases or bypass row security.
    function("counter_private.counter_login(p_username text)", "text", f"""
        SELECT * INTO r FROM pg_roles WHERE rolname = login;
        IF NOT FOUND OR r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls
           OR NOT pg_has_role(login, counter_private.grp('staff'), 'MEMBER')
           OR r.oid = (SELECT datdba FROM pg_database WHERE datname = current_database()) THEN
            RAISE EXCEPTION '只能管理本营业厅的柜台账号（%）', login {DENIED};
        END IF;
        RETURN login;""", declare="login text := counter_private.login_of(p_username);\nr pg_roles;"),
    function("counter_private.check_verifier(p_verifier text)", "void", """
        IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\\$[0-9]+:[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
            RAISE EXCEPTION '密码须在本机加密后提交（SCRAM-SHA-256）' USING ERRCODE = 'invalid_parameter_value';
        END IF;""", security="", volatility="IMMUTABLE"),
    function("counter_private.check_role(p_role text)", "void", f"""
        IF p_role IS NULL OR NOT p_role = ANY (ARRAY{list(COUNTER_ROLES)!r}::text[]) THEN
            RAISE EXCEPTION '角色应为 clerk、backoffice、supervisor、admin 或 exchange 之一'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;""", security="", volatility="IMMUTABLE"),
    # a default window must be one of the account's hall
    function("counter_private.check_window(p_window integer, p_hall integer)", "void", """
        IF p_window IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.counter_window
                                                WHERE id = p_window AND hall_id IS NOT DISTINCT FROM p_hall) THEN
            RAISE EXCEPTION '窗口不属于该账号的营业厅' USING ERRCODE = 'invalid_parameter_value';
        END IF;""", volatility="STABLE"),
    sql_function("counter_private.audit(p_action text, p_user integer, p_detail jsonb)", "void", """
        INSERT INTO public.audit_entry (at, user_id, username, pc, action, target_type, target_id, outcome, detail,
                                        hall_id)
        VALUES (localtimestamp, NULL, left(session_user::text, 40), '', p_action, 'user', coalesce(p_user::text, ''),
                'ok', p_detail::text, coalesce((SELECT hall_id FROM public.user_account WHERE id = p_user),
                                               (counter_private.me()).hall_id))"""),
    # the app's lock-out per account and PC (sign_in_lock, revision 0010) ends with an unlock too
    sql_function("counter_private.clear_locks(p_username text)", "void",
                 "DELETE FROM public.sign_in_lock WHERE user_id = "
                 "(SELECT id FROM public.user_account WHERE username = p_username)"),
    # each hall keeps an active admin; the admins of no hall (city/province) keep one among them
    sql_function("counter_private.active_admins(p_hall integer)", "bigint",
                 "SELECT count(*) FROM public.user_account WHERE role = 'admin' AND active "
                 "AND hall_id IS NOT DISTINCT FROM p_hall", volatility="STABLE"),
    sql_function("counter_private.last_admin(p_hall integer, p_what text)", "text", f"""
        SELECT CASE WHEN p_hall IS NULL THEN format('{LAST_ADMIN_NO_HALL.format(what="%1$s")}', p_what)
               ELSE (SELECT format('{LAST_ADMIN.format(hall="%1$s", code="%2$s", what="%3$s")}', name, code, p_what)
                     FROM public.hall WHERE id = p_hall) END""", volatility="STABLE"),
]
# signatures of earlier revisions: dropped before the functions are installed again (a changed
# result type cannot be replaced; an old overload would stay callable beside the new one)
OBSOLETE = ["DROP FUNCTION IF EXISTS counter_api.create_account(text, text, text, integer, text)",
            "DROP FUNCTION IF EXISTS counter_api.whoami()",
            "DROP FUNCTION IF EXISTS counter_private.active_admins()",
            "DROP FUNCTION IF EXISTS counter_api.find_ids(text, text[])"]

API = [
    sql_function("counter_api.whoami()", "TABLE (id integer, username varchar, name varchar, role varchar, "
                 "window_id integer, active boolean, must_change_password boolean, locked_until timestamp, "
                 "hall_id integer)", f"""
        SELECT u.id, u.username, u.name, u.role, u.window_id, u.active, u.must_change_password, u.locked_until,
               u.hall_id
        FROM public.user_account u WHERE {CALLER}""",
                 volatility="STABLE"),
    sql_function("counter_api.is_owner()", "boolean", "SELECT counter_private.is_owner()", volatility="STABLE"),
    # ``p_hall_id`` NULL: the admin's own hall, else the database's only hall, else no hall (the
    # owner or a province admin creating a city/province account)
    function("counter_api.create_account(p_username text, p_name text, p_role text, p_window_id integer, "
             "p_verifier text, p_hall_id integer DEFAULT NULL)", "integer", f"""
        p_username := lower(p_username);  -- user names are case-insensitive, stored in lower case
        login := counter_private.login_of(p_username);
        p_hall_id := coalesce(p_hall_id, (counter_private.me()).hall_id,
                              (SELECT min(id) FROM public.hall HAVING count(*) = 1));
        PERFORM counter_private.require_admin();
        PERFORM counter_private.manages_hall(p_hall_id);
        PERFORM counter_private.check_role(p_role);
        PERFORM counter_private.check_verifier(p_verifier);
        PERFORM counter_private.check_window(p_window_id, p_hall_id);
        IF p_username !~ '^[A-Za-z][A-Za-z0-9_.-]{{1,39}}$' OR octet_length(login) > 63 THEN
            RAISE EXCEPTION '用户名应以字母开头，由2至40位字母、数字、下划线、点或横线组成（登录名 % 过长或无效）', login
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF EXISTS (SELECT 1 FROM public.user_account WHERE lower(username) = lower(p_username)) THEN
            RAISE EXCEPTION '用户名 % 已存在（不区分大小写）', p_username USING ERRCODE = 'unique_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
            RAISE EXCEPTION '数据库中已有登录 %，请换一个用户名', login {DENIED};
        END IF;
        INSERT INTO public.user_account (username, name, role, password_hash, active, must_change_password,
                                         failed_attempts, window_id, created_at, hall_id)
        VALUES (p_username, p_name, p_role, '', true, true, 0, p_window_id, localtimestamp, p_hall_id)
        RETURNING id INTO new_id;
        EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', login, p_verifier, counter_private.grp(p_role));
        EXECUTE format('ALTER ROLE %I IN DATABASE %I SET search_path = counter_api, public', login, current_database());
        {_audit("'user_create'", "new_id", "jsonb_build_object('username', p_username, 'role', p_role, 'login', login)")}
        RETURN new_id;""", declare="login text;\nnew_id integer;"),
    # For accounts that have no login yet (a hall upgraded to database logins, the demo).
    function("counter_api.create_login(p_username text, p_verifier text)", "void", f"""
        SELECT * INTO acct FROM public.user_account WHERE username = p_username;
        IF NOT FOUND THEN
            RAISE EXCEPTION '用户 % 不存在', p_username USING ERRCODE = 'no_data_found';
        END IF;
        PERFORM counter_private.require_admin();
        PERFORM counter_private.manages_hall(acct.hall_id);
        PERFORM counter_private.check_verifier(p_verifier);
        PERFORM counter_private.check_role(acct.role);
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
            RAISE EXCEPTION '数据库中已有登录 %', login {DENIED};
        END IF;
        EXECUTE format('CREATE ROLE %I %s PASSWORD %L IN ROLE %I', login,
                       CASE WHEN acct.active THEN 'LOGIN' ELSE 'NOLOGIN' END, p_verifier,
                       counter_private.grp(acct.role));
        EXECUTE format('ALTER ROLE %I IN DATABASE %I SET search_path = counter_api, public', login, current_database());
        UPDATE public.user_account SET password_hash = '', must_change_password = true WHERE id = acct.id;
        {_audit("'user_login_create'", "acct.id", "jsonb_build_object('username', p_username, 'login', login)")}""",
             declare="acct public.user_account;\nlogin text := counter_private.login_of(p_username);"),
    function("counter_api.update_account(p_username text, p_name text, p_role text, p_window_id integer)", "void", f"""
        PERFORM counter_private.require_admin();
        PERFORM counter_private.check_role(p_role);
        {_managed()}
        PERFORM counter_private.check_window(p_window_id, acct.hall_id);
        IF acct.role = 'admin' AND p_role <> 'admin' AND acct.active AND counter_private.active_admins(acct.hall_id) <= 1 THEN
            RAISE EXCEPTION '%', counter_private.last_admin(acct.hall_id, '改为其他角色') {DENIED};
        END IF;
        IF acct.role <> p_role THEN
            EXECUTE format('REVOKE %I FROM %I', counter_private.grp(acct.role), login);
            EXECUTE format('GRANT %I TO %I', counter_private.grp(p_role), login);
        END IF;
        UPDATE public.user_account SET name = p_name, role = p_role, window_id = p_window_id WHERE id = acct.id;
        {_audit("'user_change'", "acct.id", '''jsonb_build_object(
            'username', p_username, 'role', jsonb_build_object('old', acct.role, 'new', p_role),
            'name', jsonb_build_object('old', acct.name, 'new', p_name),
            'window_id', jsonb_build_object('old', acct.window_id, 'new', p_window_id))''')}""", declare=MANAGED),
    function("counter_api.set_active(p_username text, p_active boolean)", "void", f"""
        PERFORM counter_private.require_admin();
        {_managed()}
        IF NOT p_active AND login = session_user THEN
            RAISE EXCEPTION '不能停用自己正在使用的账号' {DENIED};
        END IF;
        IF NOT p_active AND acct.role = 'admin' AND acct.active AND counter_private.active_admins(acct.hall_id) <= 1 THEN
            RAISE EXCEPTION '%', counter_private.last_admin(acct.hall_id, '停用') {DENIED};
        END IF;
        EXECUTE format('ALTER ROLE %I %s', login, CASE WHEN p_active THEN 'LOGIN' ELSE 'NOLOGIN' END);
        -- NOLOGIN stops new sessions only; the open ones end too where the owner may signal them
        -- (GRANT pg_signal_backend TO the owner)
        IF NOT p_active AND pg_has_role(current_user, 'pg_signal_backend', 'MEMBER') THEN
            PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = login;
        END IF;
        UPDATE public.user_account SET active = p_active,
            failed_attempts = CASE WHEN p_active THEN 0 ELSE failed_attempts END,
            locked_until = CASE WHEN p_active THEN NULL ELSE locked_until END
        WHERE id = acct.id;
        IF p_active THEN
            PERFORM counter_private.clear_locks(p_username);
        END IF;
        {_audit("CASE WHEN p_active THEN 'user_enable' ELSE 'user_disable' END", "acct.id",
                "jsonb_build_object('username', p_username)")}""", declare=MANAGED),
    function("counter_api.reset_password(p_username text, p_verifier text)", "void", f"""
        PERFORM counter_private.require_admin();
        PERFORM counter_private.check_verifier(p_verifier);
        {_managed()}
        EXECUTE format('ALTER ROLE %I PASSWORD %L', login, p_verifier);
        UPDATE public.user_account SET must_change_password = true, failed_attempts = 0, locked_until = NULL
        WHERE id = acct.id;
        PERFORM counter_private.clear_locks(p_username);
        {_audit("'user_reset'", "acct.id", "jsonb_build_object('username', p_username)")}""", declare=MANAGED),
    function("counter_api.unlock(p_username text)", "void", f"""
        PERFORM counter_private.require_admin();
        {_managed()}
        UPDATE public.user_account SET failed_attempts = 0, locked_until = NULL WHERE id = acct.id;
        PERFORM counter_private.clear_locks(p_username);
        {_audit("'user_unlock'", "acct.id", "jsonb_build_object('username', p_username)")}""", declare=MANAGED),
    function("counter_api.change_own_password(p_verifier text)", "void", f"""
        PERFORM counter_private.check_verifier(p_verifier);
        IF acct.id IS NULL OR NOT acct.active THEN
            RAISE EXCEPTION '当前账号已不存在或已停用，请重新登录' {DENIED};
        END IF;
        login := counter_private.counter_login(acct.username);
        EXECUTE format('ALTER ROLE %I PASSWORD %L', login, p_verifier);
        UPDATE public.user_account SET must_change_password = false, password_changed_at = localtimestamp
        WHERE id = acct.id;
        {_audit("'password_change'", "acct.id", "'{}'::jsonb")}""",
             declare="acct public.user_account := counter_private.me();\nlogin text;"),
    function("counter_api.record_sign_in(p_pc text)", "void", f"""
        IF acct.id IS NULL OR NOT acct.active THEN
            RAISE EXCEPTION '当前数据库登录没有启用的账号' {DENIED};
        END IF;
        UPDATE public.user_account SET last_login_at = localtimestamp, failed_attempts = 0 WHERE id = acct.id;
        INSERT INTO public.audit_entry (at, user_id, username, pc, action, target_type, target_id, outcome, detail,
                                        hall_id)
        VALUES (localtimestamp, acct.id, acct.username, left(coalesce(p_pc, ''), 120), 'sign_in', 'user',
                acct.id::text, 'ok', '', acct.hall_id);""", declare="acct public.user_account := counter_private.me();"),
    # Search by a full number without reading any full number: exact matches only, ids only. One
    # function for every kind of lookup (``db_logins.FINDS`` names them and does the same on SQLite).
    # Customers and certificates are shared by the halls (一证受理 anywhere); applications are found
    # in the caller's halls only.
    # ``p_hall``: applications of that hall only (one of the caller's), so the tail indexes (tail,
    # hall_id) of revision 0015 give the few of a hall instead of the province's hundreds
    function("counter_api.find_ids(p_what text, p_values text[], p_hall integer DEFAULT NULL)", "SETOF integer", f"""
        IF NOT (counter_private.is_owner() OR pg_has_role(session_user, counter_private.grp('staff'), 'MEMBER')) THEN
            RAISE EXCEPTION '当前数据库登录无权查询客户' {DENIED};
        END IF;
        p_values := array_remove(p_values, '');
        -- the caller's halls (or the one asked for, if it is one of them), once: a second condition
        -- on hall_id made the planner probe by customer and filter by hall from the table
        halls := {db_rows.MINE};
        IF p_hall IS NOT NULL THEN
            halls := CASE WHEN p_hall = ANY (halls) THEN ARRAY[p_hall] ELSE '{{}}'::integer[] END;
        END IF;
        CASE p_what
        WHEN 'certificate' THEN
            RETURN QUERY SELECT c.id FROM public.certificate c WHERE c.number = ANY (p_values);
        WHEN 'customer_by_certificate' THEN
            RETURN QUERY SELECT c.customer_id FROM public.certificate c WHERE c.number = ANY (p_values);
        WHEN 'customer_by_mobile' THEN
            RETURN QUERY SELECT u.id FROM public.customer u WHERE u.mobile = ANY (p_values);
        WHEN 'customer_by_phone' THEN
            RETURN QUERY SELECT u.id FROM public.customer u WHERE u.phone = ANY (p_values);
        WHEN 'application_by_contact_mobile' THEN
            RETURN QUERY SELECT a.id FROM public.application a WHERE a.contact_mobile = ANY (p_values)
                AND a.hall_id = ANY (halls);
        WHEN 'application_by_contact_phone' THEN
            RETURN QUERY SELECT a.id FROM public.application a WHERE a.contact_phone = ANY (p_values)
                AND a.hall_id = ANY (halls);
        -- tails spelled as models.base.last_chars, so the tail indexes of revision 0012 serve them
        WHEN 'customer_by_certificate_tail' THEN
            RETURN QUERY SELECT c.customer_id FROM public.certificate c
                WHERE substr(c.number, length(c.number) - 5) = ANY (p_values) AND c.number <> '';
        WHEN 'customer_by_mobile_tail' THEN
            RETURN QUERY SELECT u.id FROM public.customer u
                WHERE substr(u.mobile, length(u.mobile) - 3) = ANY (p_values) AND u.mobile <> '';
        WHEN 'application_by_contact_mobile_tail' THEN
            RETURN QUERY SELECT a.id FROM public.application a
                WHERE substr(a.contact_mobile, length(a.contact_mobile) - 3) = ANY (p_values) AND a.contact_mobile <> ''
                  AND a.hall_id = ANY (halls);
        WHEN 'application_by_contact_phone_tail' THEN
            RETURN QUERY SELECT a.id FROM public.application a
                WHERE substr(a.contact_phone, length(a.contact_phone) - 3) = ANY (p_values) AND a.contact_phone <> ''
                  AND a.hall_id = ANY (halls);
        -- the applications of customers whose mobile ends so: the customers from the tail index alone
        -- (revision 0016), each one's in the hall from (hall_id, customer_id, …) alone (0015). Planned
        -- at each call (EXECUTE): a plan kept for any halls probed each customer's applications by
        -- customer and read every one from the table to compare its hall (600 page reads), and
        -- without the LATERAL the planner hashed all of a hall's 15,000 entries
        WHEN 'application_by_customer_mobile_tail' THEN
            RETURN QUERY EXECUTE $q$
                SELECT o.id FROM public.customer u CROSS JOIN LATERAL (
                    SELECT a.id FROM public.application a WHERE a.customer_id = u.id AND a.hall_id = ANY ($2) OFFSET 0) o
                WHERE substr(u.mobile, length(u.mobile) - 3) = ANY ($1) AND u.mobile <> ''$q$
                USING p_values, halls;
        ELSE
            RAISE EXCEPTION 'unknown lookup %', p_what USING ERRCODE = 'invalid_parameter_value';
        END CASE;""", volatility="STABLE",
             # an exact value or a tail finds a few rows: at the default 1,000 the planner hashed a
             # hall's 15,000 applications against the tails' few instead of reading those by id
             declare="halls integer[];", rows=10),
    # Full values for the rest of this transaction, for a supervisor (or the exchange job) who gives
    # a reason; the grant row is the record (who, when, what, why) and dies with the transaction id.
    function("counter_api.allow_unmasked_export(p_kind text, p_reason text)", "void", f"""
        IF acct.id IS NULL OR NOT acct.active OR acct.role NOT IN ('supervisor', 'exchange')
           OR NOT (pg_has_role(session_user, counter_private.grp('supervisor'), 'MEMBER')
                   OR pg_has_role(session_user, counter_private.grp('exchange'), 'MEMBER')) THEN
            RAISE EXCEPTION '只有班长/主任可以导出未脱敏的个人信息' {DENIED};
        END IF;
        IF length(btrim(coalesce(p_reason, ''))) < 2 OR length(p_reason) > 200 THEN
            RAISE EXCEPTION '导出未脱敏的个人信息须填写原因（2至200字）' {DENIED};
        END IF;
        INSERT INTO counter_private.unmasked_grant (xid, login, kind, reason, at)
        VALUES (pg_current_xact_id(), session_user, left(coalesce(p_kind, ''), 30), btrim(p_reason), localtimestamp);
        {_audit("'unmasked_export_allowed'", "acct.id", "jsonb_build_object('kind', p_kind, 'reason', btrim(p_reason))")}""",
             declare="acct public.user_account := counter_private.me();"),
]

# what counter logins may call (everything else: owner only)
API_GRANTS = {
    "staff": ["whoami()", "is_owner()", "change_own_password(text)", "record_sign_in(text)",
              "find_ids(text, text[], integer)", "allow_unmasked_export(text, text)", "my_halls()",
              "of_no_hall()"],
    "admin": ["create_account(text, text, text, integer, text, integer)", "create_login(text, text)",
              "update_account(text, text, text, integer)", "set_active(text, boolean)",
              "reset_password(text, text)", "unlock(text)", "add_hall(text, text, text, text, text, integer)"],
}
# called from the masked views, which run them with the caller's EXECUTE privilege
VIEW_HELPERS = ["viewer()", "mask_id(text)", "mask_phone(text)", "in_hand(integer, integer, integer)",
                "blob_open(integer, integer, integer, boolean)", "blob_in_my_halls(integer)", "blob_of_a_case(integer)"]
