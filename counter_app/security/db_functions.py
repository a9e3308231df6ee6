"""The owner-defined SQL functions of a PostgreSQL hall (issue 14): who is calling, masking, the
write-through of the masked views, audit identity, and the only way to manage counter logins.

Schemas:
- ``counter_private``: helpers no counter login may call by name (no USAGE); owned by the owner.
- ``counter_api``: what counter logins see first on their ``search_path``: the masked views of the
  personal-data tables (``db_policy``) and the functions below they may call.

Every SECURITY DEFINER function pins ``search_path`` (a caller's temporary schema must not shadow a
table) and decides from ``session_user`` (the login that authenticated; only a superuser can change
it), never from what the client passes. Refusals are SQLSTATE 42501 with a Chinese message, which
``infra.db`` turns into ``PermissionDenied`` as they are.
"""

from __future__ import annotations

# The login of an account is "<username>@<database>"; group roles are "<database>:<role>".
COUNTER_ROLES = ("clerk", "backoffice", "supervisor", "admin", "exchange")
STAFF = "staff"

_DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"

HELPERS = [
    # --- names and the caller ---------------------------------------------------------------------
    """
    CREATE OR REPLACE FUNCTION counter_private.grp(p_role text) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT current_database() || ':' || p_role $$
    """,
    """
    CREATE OR REPLACE FUNCTION counter_private.login_of(p_username text) RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT p_username || '@' || current_database() $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_private.is_owner() RETURNS boolean
    LANGUAGE sql STABLE {_DEFINER} AS $$
        SELECT pg_has_role(session_user, d.datdba, 'MEMBER') FROM pg_database d
        WHERE d.datname = current_database()
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_private.me() RETURNS public.user_account
    LANGUAGE sql STABLE {_DEFINER} AS $$
        SELECT u.* FROM public.user_account u WHERE counter_private.login_of(u.username) = session_user
    $$
    """,
    # One row per query for the masked views: the caller's id, window, role, whether a clerk, and
    # whether an unmasked export was allowed in this very transaction (allow_unmasked_export).
    f"""
    CREATE OR REPLACE FUNCTION counter_private.viewer(
        OUT uid integer, OUT window_id integer, OUT clerk boolean, OUT unmasked boolean, OUT role text)
    LANGUAGE sql STABLE {_DEFINER} AS $$
        SELECT u.id, u.window_id, coalesce(u.role = 'clerk' AND u.active, false),
               EXISTS (SELECT 1 FROM counter_private.unmasked_grant g
                       WHERE g.xid = pg_current_xact_id_if_assigned() AND g.login = session_user),
               CASE WHEN u.active THEN u.role END
        FROM (SELECT 1) AS one
        LEFT JOIN public.user_account u ON counter_private.login_of(u.username) = session_user
    $$
    """,
    # --- masking (the same rules as security/redaction.py) ----------------------------------------
    """
    CREATE OR REPLACE FUNCTION counter_private.mask_id(n text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN n IS NULL THEN NULL
            WHEN length(n) <= 8 THEN left(n, 2) || repeat('*', greatest(length(n) - 2, 0))
            WHEN length(n) = 18 THEN left(n, 6) || repeat('*', 8) || right(n, 4)
            ELSE left(n, 3) || repeat('*', length(n) - 7) || right(n, 4) END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION counter_private.mask_phone(n text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE WHEN n IS NULL THEN NULL
            WHEN length(n) = 11 AND n ~ '^[0-9]+$' THEN left(n, 3) || '****' || right(n, 4)
            WHEN length(n) > 6 THEN left(n, CASE WHEN length(n) > 8 THEN length(n) - 8 ELSE 2 END)
                                    || '****' || right(n, 4)
            ELSE n END
    $$
    """,
    # A clerk's own case still in hand: accepted by them or at their window, not yet completed or
    # terminated (the same rule for the application, its customer and the customer's certificates).
    # Invoker's rights and no SET clause, so the planner inlines it into the view's query (a definer
    # function is called once per row: a month's register took four times as long); it reads only
    # columns every counter group may read.
    """
    CREATE OR REPLACE FUNCTION counter_private.in_hand(p_customer integer, p_uid integer, p_window integer)
    RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT EXISTS (SELECT 1 FROM public.application a WHERE a.customer_id = p_customer
                       AND a.status = 'active' AND (a.clerk_id = p_uid OR a.window_id = p_window))
    $$
    """,
    # Scans and signed documents show certificates in full: their bytes are for whoever works the case
    # (acceptance.scans.may_view); other blobs (thumbnails, signature images of no case) are open.
    """
    CREATE OR REPLACE FUNCTION counter_private.blob_open(p_blob integer, p_uid integer, p_window integer, p_clerk boolean)
    RETURNS boolean LANGUAGE sql STABLE AS $$
        WITH cases AS (
            SELECT application_id FROM public.scan_page WHERE blob_id = p_blob
            UNION ALL SELECT application_id FROM public.signed_document WHERE pdf_blob_id = p_blob OR image_blob_id = p_blob)
        SELECT NOT EXISTS (SELECT 1 FROM cases)
            OR (p_clerk AND EXISTS (SELECT 1 FROM cases c JOIN public.application a ON a.id = c.application_id
                                    WHERE a.status = 'active' AND (a.clerk_id = p_uid OR a.window_id = p_window)))
    $$
    """,
    # --- the masked views write through to their tables -------------------------------------------
    # Runs as the caller (SECURITY INVOKER): the table and column privileges of the caller's group
    # decide what may be written. Only the columns the statement changed are written, so a masked
    # value read through the view is never written back; a value that still looks masked is refused.
    """
    CREATE OR REPLACE FUNCTION counter_private.write_through() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
    DECLARE
        base text := TG_ARGV[0];
        masked text[] := string_to_array(TG_ARGV[1], ',');
        n jsonb;
        o jsonb;
        cols text;
        versioned boolean;
        cnt integer;
    BEGIN
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
        RETURN CASE WHEN cnt > 0 THEN NEW END;
    END
    $$
    """,
    # --- audit identity -------------------------------------------------------------------------
    # Who did it comes from the database session: a counter login's rows are stamped with its own
    # account whatever the client wrote; a counter login without an account may not write them.
    f"""
    CREATE OR REPLACE FUNCTION counter_private.stamp_identity() RETURNS trigger
    LANGUAGE plpgsql {_DEFINER} AS $$
    DECLARE
        acct public.user_account;
    BEGIN
        acct := counter_private.me();
        IF acct.id IS NOT NULL THEN
            NEW.user_id := acct.id;
            IF TG_ARGV[0] = 'username' THEN
                NEW.username := acct.username;
            END IF;
        ELSIF pg_has_role(session_user, counter_private.grp('staff'), 'MEMBER')
              AND NOT counter_private.is_owner() THEN
            RAISE EXCEPTION '当前数据库登录没有对应的账号，不能写入记录' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    # An application keeps its number once drawn: the save inserts a "~…" placeholder first and draws
    # the real number last (acceptance.service), so only a placeholder may change.
    f"""
    CREATE OR REPLACE FUNCTION counter_private.application_identity() RETURNS trigger
    LANGUAGE plpgsql {_DEFINER} AS $$
    BEGIN
        IF NEW.number IS DISTINCT FROM OLD.number AND left(OLD.number, 1) <> '~' AND NOT counter_private.is_owner() THEN
            RAISE EXCEPTION '申请编号一经生成不能修改' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    # --- guards for the account functions -------------------------------------------------------
    f"""
    CREATE OR REPLACE FUNCTION counter_private.require_admin() RETURNS void
    LANGUAGE plpgsql {_DEFINER} AS $$
    DECLARE
        acct public.user_account := counter_private.me();
    BEGIN
        IF counter_private.is_owner() THEN
            RETURN;
        END IF;
        IF acct.id IS NULL OR acct.role <> 'admin' OR NOT acct.active
           OR NOT pg_has_role(session_user, counter_private.grp('admin'), 'MEMBER') THEN
            RAISE EXCEPTION '只有系统管理员可以管理账号' USING ERRCODE = 'insufficient_privilege';
        END IF;
    END
    $$
    """,
    # A login these functions may touch: a plain login of this database's counter groups, never a
    # superuser, the owner or a role that can create roles, databases or bypass row security.
    f"""
    CREATE OR REPLACE FUNCTION counter_private.counter_login(p_username text) RETURNS text
    LANGUAGE plpgsql {_DEFINER} AS $$
    DECLARE
        login text := counter_private.login_of(p_username);
        r pg_roles;
    BEGIN
        SELECT * INTO r FROM pg_roles WHERE rolname = login;
        IF NOT FOUND OR r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls
           OR NOT pg_has_role(login, counter_private.grp('staff'), 'MEMBER')
           OR r.oid = (SELECT datdba FROM pg_database WHERE datname = current_database()) THEN
            RAISE EXCEPTION '只能管理本营业厅的柜台账号（%）', login USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN login;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION counter_private.check_verifier(p_verifier text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN
        IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\\$[0-9]+:[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
            RAISE EXCEPTION '密码须在本机加密后提交（SCRAM-SHA-256）' USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_private.check_role(p_role text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN
        IF p_role IS NULL OR NOT p_role = ANY (ARRAY{list(COUNTER_ROLES)!r}::text[]) THEN
            RAISE EXCEPTION '角色应为 clerk、backoffice、supervisor、admin 或 exchange 之一'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_private.audit(p_action text, p_user integer, p_detail jsonb)
    RETURNS void LANGUAGE sql {_DEFINER} AS $$
        INSERT INTO public.audit_entry (at, user_id, username, pc, action, target_type, target_id, outcome, detail)
        VALUES (localtimestamp, NULL, left(session_user::text, 40), '', p_action, 'user', coalesce(p_user::text, ''),
                'ok', p_detail::text)
    $$
    """,
    # the app's lock-out per account and PC (sign_in_lock, revision 0010) ends with an unlock too
    f"""
    CREATE OR REPLACE FUNCTION counter_private.clear_locks(p_username text) RETURNS void
    LANGUAGE sql {_DEFINER} AS $$
        DELETE FROM public.sign_in_lock WHERE user_id = (SELECT id FROM public.user_account WHERE username = p_username)
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_private.active_admins() RETURNS bigint
    LANGUAGE sql STABLE {_DEFINER} AS $$
        SELECT count(*) FROM public.user_account WHERE role = 'admin' AND active
    $$
    """,
]

API = [
    f"""
    CREATE OR REPLACE FUNCTION counter_api.whoami() RETURNS TABLE (
        id integer, username varchar, name varchar, role varchar, window_id integer, active boolean,
        must_change_password boolean, locked_until timestamp)
    LANGUAGE sql STABLE {_DEFINER} AS $$
        SELECT u.id, u.username, u.name, u.role, u.window_id, u.active, u.must_change_password, u.locked_until
        FROM public.user_account u WHERE counter_private.login_of(u.username) = session_user
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_api.is_owner() RETURNS boolean
    LANGUAGE sql STABLE {_DEFINER} AS $$ SELECT counter_private.is_owner() $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_api.create_account(
        p_username text, p_name text, p_role text, p_window_id integer, p_verifier text) RETURNS integer
    LANGUAGE plpgsql {_DEFINER} AS $$
    DECLARE
        login text;
        new_id integer;
    BEGIN
        p_username := lower(p_username);  -- user names are case-insensitive, stored in lower case
        login := counter_private.login_of(p_username);
        PERFORM counter_private.require_admin();
        PERFORM counter_private.check_role(p_role);
        PERFORM counter_private.check_verifier(p_verifier);
        IF p_username !~ '^[A-Za-z][A-Za-z0-9_.-]{{1,39}}$' OR octet_length(login) > 63 THEN
            RAISE EXCEPTION '用户名应以字母开头，由2至40位字母、数字、下划线、点或横线组成（登录名 % 过长或无效）', login
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF EXISTS (SELECT 1 FROM public.user_account WHERE lower(username) = lower(p_username)) THEN
            RAISE EXCEPTION '用户名 % 已存在（不区分大小写）', p_username USING ERRCODE = 'unique_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
            RAISE EXCEPTION '数据库中已有登录 %，请换一个用户名', login USING ERRCODE = 'insufficient_privilege';
        END IF;
        INSERT INTO public.user_account (username, name, role, password_hash, active, must_change_password,
                                         failed_attempts, window_id, created_at)
        VALUES (p_username, p_name, p_role, '', true, true, 0, p_window_id, localtimestamp)
        RETURNING id INTO new_id;
        EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', login, p_verifier, counter_private.grp(p_role));
        EXECUTE format('ALTER ROLE %I IN DATABASE %I SET search_path = counter_api, public', login, current_database());
        PERFORM counter_private.audit('user_create', new_id,
            jsonb_build_object('username', p_username, 'role', p_role, 'login', login));
        RETURN new_id;
    END
    $$
    """,
    # For accounts that have no login yet (a hall upgraded to database logins, the demo).
    f"""
    CREATE OR REPLACE FUNCTION counter_api.create_login(p_username text, p_verifier text) RETURNS void
    LANGUAGE plpgsql {_DEFINER} AS $$
    DECLARE
        acct public.user_account;
        login text := counter_private.login_of(p_username);
    BEGIN
        PERFORM counter_private.require_admin();
        PERFORM counter_private.check_verifier(p_verifier);
        SELECT * INTO acct FROM public.user_account WHERE username = p_username;
        IF NOT FOUND THEN
            RAISE EXCEPTION '用户 % 不存在', p_username USING ERRCODE = 'no_data_found';
        END IF;
        PERFORM counter_private.check_role(acct.role);
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login) THEN
            RAISE EXCEPTION '数据库中已有登录 %', login USING ERRCODE = 'insufficient_privilege';
        END IF;
        EXECUTE format('CREATE ROLE %I %s PASSWORD %L IN ROLE %I', login,
                       CASE WHEN acct.active THEN 'LOGIN' ELSE 'NOLOGIN' END, p_verifier,
                       counter_private.grp(acct.role));
        EXECUTE format('ALTER ROLE %I IN DATABASE %I SET search_path = counter_api, public', login, current_database());
        UPDATE public.user_account SET password_hash = '', must_change_password = true WHERE id = acct.id;
        PERFORM counter_private.audit('user_login_create', acct.id, jsonb_build_object('username', p_username, 'login', login));
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_api.update_account(
        p_username text, p_name text, p_role text, p_window_id integer) RETURNS void
    LANGUAGE plpgsql {_DEFINER} AS $$
    DECLARE
        acct public.user_account;
        login text;
    BEGIN
        PERFORM counter_private.require_admin();
        PERFORM counter_private.check_role(p_role);
        login := counter_private.counter_login(p_username);
        SELECT * INTO acct FROM public.user_account WHERE username = p_username FOR UPDATE;
        IF acct.role = 'admin' AND p_role <> 'admin' AND acct.active AND counter_private.active_admins() <= 1 THEN
            RAISE EXCEPTION '这是唯一启用的管理员账号，不能改为其他角色；请先新建另一个管理员'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF acct.role <> p_role THEN
            EXECUTE format('REVOKE %I FROM %I', counter_private.grp(acct.role), login);
            EXECUTE format('GRANT %I TO %I', counter_private.grp(p_role), login);
        END IF;
        UPDATE public.user_account SET name = p_name, role = p_role, window_id = p_window_id WHERE id = acct.id;
        PERFORM counter_private.audit('user_change', acct.id, jsonb_build_object(
            'username', p_username, 'role', jsonb_build_object('old', acct.role, 'new', p_role),
            'name', jsonb_build_object('old', acct.name, 'new', p_name),
            'window_id', jsonb_build_object('old', acct.window_id, 'new', p_window_id)));
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_api.set_active(p_username text, p_active boolean) RETURNS void
    LANGUAGE plpgsql {_DEFINER} AS $$
    DECLARE
        acct public.user_account;
        login text;
    BEGIN
        PERFORM counter_private.require_admin();
        login := counter_private.counter_login(p_username);
        SELECT * INTO acct FROM public.user_account WHERE username = p_username FOR UPDATE;
        IF NOT p_active AND login = session_user THEN
            RAISE EXCEPTION '不能停用自己正在使用的账号' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NOT p_active AND acct.role = 'admin' AND acct.active AND counter_private.active_admins() <= 1 THEN
            RAISE EXCEPTION '这是唯一启用的管理员账号，不能停用；请先新建另一个管理员'
                USING ERRCODE = 'insufficient_privilege';
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
        PERFORM counter_private.audit(CASE WHEN p_active THEN 'user_enable' ELSE 'user_disable' END, acct.id,
                                      jsonb_build_object('username', p_username));
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_api.reset_password(p_username text, p_verifier text) RETURNS void
    LANGUAGE plpgsql {_DEFINER} AS $$
    DECLARE
        login text;
    BEGIN
        PERFORM counter_private.require_admin();
        PERFORM counter_private.check_verifier(p_verifier);
        login := counter_private.counter_login(p_username);
        EXECUTE format('ALTER ROLE %I PASSWORD %L', login, p_verifier);
        UPDATE public.user_account SET must_change_password = true, failed_attempts = 0, locked_until = NULL
        WHERE username = p_username;
        PERFORM counter_private.clear_locks(p_username);
        PERFORM counter_private.audit('user_reset', (SELECT id FROM public.user_account WHERE username = p_username),
                                      jsonb_build_object('username', p_username));
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_api.unlock(p_username text) RETURNS void
    LANGUAGE plpgsql {_DEFINER} AS $$
    BEGIN
        PERFORM counter_private.require_admin();
        PERFORM counter_private.counter_login(p_username);
        UPDATE public.user_account SET failed_attempts = 0, locked_until = NULL WHERE username = p_username;
        PERFORM counter_private.clear_locks(p_username);
        PERFORM counter_private.audit('user_unlock', (SELECT id FROM public.user_account WHERE username = p_username),
                                      jsonb_build_object('username', p_username));
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_api.change_own_password(p_verifier text) RETURNS void
    LANGUAGE plpgsql {_DEFINER} AS $$
    DECLARE
        acct public.user_account := counter_private.me();
        login text;
    BEGIN
        PERFORM counter_private.check_verifier(p_verifier);
        IF acct.id IS NULL OR NOT acct.active THEN
            RAISE EXCEPTION '当前账号已不存在或已停用，请重新登录' USING ERRCODE = 'insufficient_privilege';
        END IF;
        login := counter_private.counter_login(acct.username);
        EXECUTE format('ALTER ROLE %I PASSWORD %L', login, p_verifier);
        UPDATE public.user_account SET must_change_password = false, password_changed_at = localtimestamp
        WHERE id = acct.id;
        PERFORM counter_private.audit('password_change', acct.id, '{{}}'::jsonb);
    END
    $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION counter_api.record_sign_in(p_pc text) RETURNS void
    LANGUAGE plpgsql {_DEFINER} AS $$
    DECLARE
        acct public.user_account := counter_private.me();
    BEGIN
        IF acct.id IS NULL OR NOT acct.active THEN
            RAISE EXCEPTION '当前数据库登录没有启用的账号' USING ERRCODE = 'insufficient_privilege';
        END IF;
        UPDATE public.user_account SET last_login_at = localtimestamp, failed_attempts = 0 WHERE id = acct.id;
        INSERT INTO public.audit_entry (at, user_id, username, pc, action, target_type, target_id, outcome, detail)
        VALUES (localtimestamp, acct.id, acct.username, left(coalesce(p_pc, ''), 120), 'sign_in', 'user',
                acct.id::text, 'ok', '');
    END
    $$
    """,
    # Search by a full number without reading any full number: exact matches only, ids only. One
    # function for every kind of lookup (``db_logins.FINDS`` names them and does the same on SQLite).
    f"""
    CREATE OR REPLACE FUNCTION counter_api.find_ids(p_what text, p_values text[]) RETURNS SETOF integer
    LANGUAGE plpgsql STABLE {_DEFINER} AS $$
    BEGIN
        IF NOT (counter_private.is_owner() OR pg_has_role(session_user, counter_private.grp('staff'), 'MEMBER')) THEN
            RAISE EXCEPTION '当前数据库登录无权查询客户' USING ERRCODE = 'insufficient_privilege';
        END IF;
        p_values := array_remove(p_values, '');
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
            RETURN QUERY SELECT a.id FROM public.application a WHERE a.contact_mobile = ANY (p_values);
        WHEN 'application_by_contact_phone' THEN
            RETURN QUERY SELECT a.id FROM public.application a WHERE a.contact_phone = ANY (p_values);
        -- tails spelled as models.base.last_chars, so the tail indexes of revision 0012 serve them
        WHEN 'customer_by_certificate_tail' THEN
            RETURN QUERY SELECT c.customer_id FROM public.certificate c
                WHERE substr(c.number, length(c.number) - 5) = ANY (p_values) AND c.number <> '';
        WHEN 'customer_by_mobile_tail' THEN
            RETURN QUERY SELECT u.id FROM public.customer u
                WHERE substr(u.mobile, length(u.mobile) - 3) = ANY (p_values) AND u.mobile <> '';
        WHEN 'application_by_contact_mobile_tail' THEN
            RETURN QUERY SELECT a.id FROM public.application a
                WHERE substr(a.contact_mobile, length(a.contact_mobile) - 3) = ANY (p_values) AND a.contact_mobile <> '';
        WHEN 'application_by_contact_phone_tail' THEN
            RETURN QUERY SELECT a.id FROM public.application a
                WHERE substr(a.contact_phone, length(a.contact_phone) - 3) = ANY (p_values) AND a.contact_phone <> '';
        ELSE
            RAISE EXCEPTION 'unknown lookup %', p_what USING ERRCODE = 'invalid_parameter_value';
        END CASE;
    END
    $$
    """,
    # Full values for the rest of this transaction, for a supervisor (or the exchange job) who gives
    # a reason; the grant row is the record (who, when, what, why) and dies with the transaction id.
    f"""
    CREATE OR REPLACE FUNCTION counter_api.allow_unmasked_export(p_kind text, p_reason text) RETURNS void
    LANGUAGE plpgsql {_DEFINER} AS $$
    DECLARE
        acct public.user_account := counter_private.me();
    BEGIN
        IF acct.id IS NULL OR NOT acct.active OR acct.role NOT IN ('supervisor', 'exchange')
           OR NOT (pg_has_role(session_user, counter_private.grp('supervisor'), 'MEMBER')
                   OR pg_has_role(session_user, counter_private.grp('exchange'), 'MEMBER')) THEN
            RAISE EXCEPTION '只有班长/主任可以导出未脱敏的个人信息' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF length(btrim(coalesce(p_reason, ''))) < 2 OR length(p_reason) > 200 THEN
            RAISE EXCEPTION '导出未脱敏的个人信息须填写原因（2至200字）' USING ERRCODE = 'insufficient_privilege';
        END IF;
        INSERT INTO counter_private.unmasked_grant (xid, login, kind, reason, at)
        VALUES (pg_current_xact_id(), session_user, left(coalesce(p_kind, ''), 30), btrim(p_reason), localtimestamp);
        PERFORM counter_private.audit('unmasked_export_allowed', acct.id,
                                      jsonb_build_object('kind', p_kind, 'reason', btrim(p_reason)));
    END
    $$
    """,
]

# what counter logins may call (everything else: owner only)
API_GRANTS = {
    "staff": ["whoami()", "is_owner()", "change_own_password(text)", "record_sign_in(text)",
              "find_ids(text, text[])", "allow_unmasked_export(text, text)"],
    "admin": ["create_account(text, text, text, integer, text)", "create_login(text, text)",
              "update_account(text, text, text, integer)", "set_active(text, boolean)",
              "reset_password(text, text)", "unlock(text)"],
}
# called from the masked views, which run them with the caller's EXECUTE privilege
VIEW_HELPERS = ["viewer()", "mask_id(text)", "mask_phone(text)", "in_hand(integer, integer, integer)",
                "blob_open(integer, integer, integer, boolean)"]
