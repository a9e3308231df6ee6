"""initial schema

Revision ID: 0001
Revises: 
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('legal_rep_name', sa.String(length=60), nullable=False),
    sa.Column('legal_rep_id_number', sa.String(length=30), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('mailing_address', sa.String(length=200), nullable=False),
    sa.Column('arrears_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('violation_case', sa.String(length=200), nullable=False),
    sa.Column('blacklisted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer'))
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_mobile'), ['mobile'], unique=False)
        batch_op.create_index('ix_customer_name', ['name'], unique=False, postgresql_ops={'name': 'text_pattern_ops'})

    op.create_table('hall',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('supervision_phone', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall')),
    sa.UniqueConstraint('code', name=op.f('uq_hall_code'))
    )
    op.create_table('number_counter',
    sa.Column('prefix', sa.String(length=40), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('prefix', name=op.f('pk_number_counter'))
    )
    op.create_table('counter_window',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_counter_window_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_window')),
    sa.UniqueConstraint('hall_id', 'number', name=op.f('uq_counter_window_hall_id'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('password_changed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['window_id'], ['counter_window.id'], name=op.f('fk_user_account_window_id_counter_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('window_no', sa.Integer(), nullable=True),
    sa.Column('pc', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=30), nullable=False),
    sa.Column('target_id', sa.String(length=60), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_audit_entry_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_at_action', ['at', 'action'], unique=False)

    op.create_table('calendar_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=100), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_calendar_override_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_calendar_override_hall_id_hall')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_override')),
    sa.UniqueConstraint('hall_id', 'day', name=op.f('uq_calendar_override_hall_id'))
    )
    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('cert_type', sa.String(length=20), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('holder_name', sa.String(length=120), nullable=False),
    sa.Column('sex', sa.String(length=4), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_certificate_customer_id_customer')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user_account.id'], name=op.f('fk_certificate_verified_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('cert_type', 'number', name=op.f('uq_certificate_cert_type'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_number'), ['number'], unique=False)

    op.create_table('counter_pc',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hostname', sa.String(length=120), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('app_version', sa.String(length=20), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.Column('last_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['last_user_id'], ['user_account.id'], name=op.f('fk_counter_pc_last_user_id_user_account')),
    sa.ForeignKeyConstraint(['window_id'], ['counter_window.id'], name=op.f('fk_counter_pc_window_id_counter_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_pc')),
    sa.UniqueConstraint('hostname', name=op.f('uq_counter_pc_hostname'))
    )
    op.create_table('export_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('filters', sa.JSON(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('unmasked', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_export_record_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_record'))
    )
    op.create_table('hall_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_hall_setting_hall_id_hall')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_hall_setting_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hall_setting')),
    sa.UniqueConstraint('hall_id', 'key', name=op.f('uq_hall_setting_hall_id'))
    )
    op.create_table('handover_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('shift', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('receiver_name', sa.String(length=60), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_handover_batch_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_handover_batch_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['window_id'], ['counter_window.id'], name=op.f('fk_handover_batch_window_id_counter_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_batch')),
    sa.UniqueConstraint('number', name=op.f('uq_handover_batch_number'))
    )
    op.create_table('application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('clerk_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('business_type', sa.String(length=30), nullable=False),
    sa.Column('account_number', sa.String(length=30), nullable=False),
    sa.Column('usage_category', sa.String(length=20), nullable=False),
    sa.Column('industry', sa.String(length=60), nullable=False),
    sa.Column('existing_capacity', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('applied_capacity', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('total_capacity', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('capacity_unit', sa.String(length=4), nullable=False),
    sa.Column('supply_voltage', sa.String(length=20), nullable=False),
    sa.Column('load_importance', sa.String(length=20), nullable=False),
    sa.Column('wanted_date', sa.Date(), nullable=True),
    sa.Column('project_name', sa.String(length=200), nullable=False),
    sa.Column('address_district', sa.String(length=100), nullable=False),
    sa.Column('address_detail', sa.String(length=200), nullable=False),
    sa.Column('mailing_address', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=60), nullable=False),
    sa.Column('contact_mobile', sa.String(length=20), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=False),
    sa.Column('legal_rep_name', sa.String(length=60), nullable=False),
    sa.Column('legal_rep_id_number', sa.String(length=30), nullable=False),
    sa.Column('agent_name', sa.String(length=60), nullable=False),
    sa.Column('agent_cert_type', sa.String(length=20), nullable=False),
    sa.Column('agent_cert_number', sa.String(length=40), nullable=False),
    sa.Column('agent_mobile', sa.String(length=20), nullable=False),
    sa.Column('vat_taxpayer_number', sa.String(length=30), nullable=False),
    sa.Column('vat_bank', sa.String(length=100), nullable=False),
    sa.Column('vat_account', sa.String(length=40), nullable=False),
    sa.Column('vat_address', sa.String(length=200), nullable=False),
    sa.Column('vat_phone', sa.String(length=30), nullable=False),
    sa.Column('green_channel', sa.Boolean(), nullable=False),
    sa.Column('green_reason', sa.String(length=200), nullable=False),
    sa.Column('green_manager', sa.String(length=60), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('current_stage', sa.String(length=30), nullable=False),
    sa.Column('current_handler', sa.String(length=60), nullable=False),
    sa.Column('stage_due_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('due_estimated', sa.Boolean(), nullable=False),
    sa.Column('cert_entered_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.Column('counter_seconds', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('terminated_at', sa.DateTime(), nullable=True),
    sa.Column('terminated_reason', sa.String(length=200), nullable=False),
    sa.Column('terminated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_application_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['clerk_id'], ['user_account.id'], name=op.f('fk_application_clerk_id_user_account')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_application_customer_id_customer')),
    sa.ForeignKeyConstraint(['hall_id'], ['hall.id'], name=op.f('fk_application_hall_id_hall')),
    sa.ForeignKeyConstraint(['terminated_by_id'], ['user_account.id'], name=op.f('fk_application_terminated_by_id_user_account')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_application_updated_by_id_user_account')),
    sa.ForeignKeyConstraint(['window_id'], ['counter_window.id'], name=op.f('fk_application_window_id_counter_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
    sa.UniqueConstraint('number', name=op.f('uq_application_number'))
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_accepted_at'), ['accepted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_business_type'), ['business_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_contact_mobile'), ['contact_mobile'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_contact_phone'), ['contact_phone'], unique=False)
        batch_op.create_index('ix_application_customer_accepted', ['customer_id', 'accepted_at', 'id'], unique=False)
        batch_op.create_index('ix_application_status_stage', ['status', 'current_stage'], unique=False)
        batch_op.create_index('ix_application_window_accepted', ['window_id', 'accepted_at'], unique=False)

    op.create_table('blacklist_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('removed_reason', sa.String(length=200), nullable=False),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_blacklist_entry_added_by_id_user_account')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_blacklist_entry_application_id_application')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_blacklist_entry_customer_id_customer')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['user_account.id'], name=op.f('fk_blacklist_entry_removed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blacklist_entry'))
    )
    with op.batch_alter_table('blacklist_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blacklist_entry_customer_id'), ['customer_id'], unique=False)

    op.create_table('commitment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('fulfilled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_commitment_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment')),
    sa.UniqueConstraint('application_id', 'kind', name=op.f('uq_commitment_application_id'))
    )
    op.create_table('handover_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('remark', sa.String(length=20), nullable=False),
    sa.Column('remark_note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_handover_line_application_id_application')),
    sa.ForeignKeyConstraint(['batch_id'], ['handover_batch.id'], name=op.f('fk_handover_line_batch_id_handover_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_line')),
    sa.UniqueConstraint('application_id', name=op.f('uq_handover_line_application_id'))
    )
    with op.batch_alter_table('handover_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_line_batch_id'), ['batch_id'], unique=False)

    op.create_table('material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('due_estimated', sa.Boolean(), nullable=False),
    sa.Column('supplied_at', sa.DateTime(), nullable=True),
    sa.Column('supplied_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_material_application_id_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supplied_by_id'], ['user_account.id'], name=op.f('fk_material_supplied_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material')),
    sa.UniqueConstraint('application_id', 'code', name=op.f('uq_material_application_id'))
    )
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.create_index('ix_material_state_due', ['state', 'due_date'], unique=False)

    op.create_table('material_on_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('source_application_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_material_on_file_customer_id_customer')),
    sa.ForeignKeyConstraint(['source_application_id'], ['application.id'], name=op.f('fk_material_on_file_source_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_on_file')),
    sa.UniqueConstraint('customer_id', 'code', name=op.f('uq_material_on_file_customer_id'))
    )
    op.create_table('print_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document', sa.String(length=30), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('pc', sa.String(length=120), nullable=False),
    sa.Column('printer', sa.String(length=200), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_print_record_application_id_application')),
    sa.ForeignKeyConstraint(['batch_id'], ['handover_batch.id'], name=op.f('fk_print_record_batch_id_handover_batch')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_print_record_user_id_user_account')),
    sa.ForeignKeyConstraint(['window_id'], ['counter_window.id'], name=op.f('fk_print_record_window_id_counter_window')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_record'))
    )
    with op.batch_alter_table('print_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_record_application_id'), ['application_id'], unique=False)

    op.create_table('stage_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('due_estimated', sa.Boolean(), nullable=False),
    sa.Column('handler', sa.String(length=60), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('external_key', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_stage_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_stage_event_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_event')),
    sa.UniqueConstraint('external_key', name=op.f('uq_stage_event_external_key'))
    )
    with op.batch_alter_table('stage_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_event_application_id'), ['application_id'], unique=False)

    op.create_table('survey_appointment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=12), nullable=False),
    sa.Column('team', sa.String(length=60), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slot', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_survey_appointment_application_id_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['booked_by_id'], ['user_account.id'], name=op.f('fk_survey_appointment_booked_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_appointment'))
    )
    with op.batch_alter_table('survey_appointment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_appointment_day'), ['day'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey_appointment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_appointment_day'))

    op.drop_table('survey_appointment')
    with op.batch_alter_table('stage_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_event_application_id'))

    op.drop_table('stage_event')
    with op.batch_alter_table('print_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_print_record_application_id'))

    op.drop_table('print_record')
    op.drop_table('material_on_file')
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.drop_index('ix_material_state_due')

    op.drop_table('material')
    with op.batch_alter_table('handover_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_line_batch_id'))

    op.drop_table('handover_line')
    op.drop_table('commitment')
    with op.batch_alter_table('blacklist_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blacklist_entry_customer_id'))

    op.drop_table('blacklist_entry')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_window_accepted')
        batch_op.drop_index('ix_application_status_stage')
        batch_op.drop_index('ix_application_customer_accepted')
        batch_op.drop_index(batch_op.f('ix_application_contact_phone'))
        batch_op.drop_index(batch_op.f('ix_application_contact_mobile'))
        batch_op.drop_index(batch_op.f('ix_application_business_type'))
        batch_op.drop_index(batch_op.f('ix_application_accepted_at'))

    op.drop_table('application')
    op.drop_table('handover_batch')
    op.drop_table('hall_setting')
    op.drop_table('export_record')
    op.drop_table('counter_pc')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_number'))
        batch_op.drop_index(batch_op.f('ix_certificate_customer_id'))

    op.drop_table('certificate')
    op.drop_table('calendar_override')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_at_action')

    op.drop_table('audit_entry')
    op.drop_table('user_account')
    op.drop_table('counter_window')
    op.drop_table('number_counter')
    op.drop_table('hall')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_name', postgresql_ops={'name': 'text_pattern_ops'})
        batch_op.drop_index(batch_op.f('ix_customer_mobile'))

    op.drop_table('customer')
