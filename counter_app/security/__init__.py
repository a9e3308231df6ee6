"""Security: roles and permissions, database grants, the privacy policy and text masking, the audit
trail (recording in ``audit``, reading in ``audit_trail``), passwords and sign-in (``credentials``)
and account administration (``accounts``)."""
