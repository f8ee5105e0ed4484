"""jobs, notifications, attempts, relative due dates

Revision ID: 3afc191cfe91
Revises: 82d3219dd65f
Create Date: 2026-12-02 05:05:50.546201
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '3afc191cfe91'
down_revision = '82d3219dd65f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lms_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'retrying', 'done', 'failed', name='job_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=300), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('result_name', sa.String(length=200), nullable=True),
    sa.Column('result_type', sa.String(length=100), nullable=True),
    sa.Column('result_bytes', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_job_org_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['lms_user.id'], name=op.f('fk_lms_job_requested_by_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_job'))
    )
    with op.batch_alter_table('lms_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_job_key'), ['key'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_job_requested_by_id'), ['requested_by_id'], unique=False)

    op.create_table('lms_notice_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('disabled_kinds', sa.JSON(), nullable=False),
    sa.Column('days_before', sa.SmallInteger(), nullable=False),
    sa.Column('escalate_after_days', sa.SmallInteger(), nullable=False),
    sa.Column('office_share_percent', sa.Float(), nullable=False),
    sa.Column('email_learners', sa.Boolean(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('days_before >= 0 AND days_before <= 90', name=op.f('ck_lms_notice_settings_days_before_range')),
    sa.CheckConstraint('escalate_after_days >= 0 AND escalate_after_days <= 365', name=op.f('ck_lms_notice_settings_escalate_range')),
    sa.CheckConstraint('office_share_percent > 0 AND office_share_percent <= 100', name=op.f('ck_lms_notice_settings_share_range')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_notice_settings_org_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['lms_user.id'], name=op.f('fk_lms_notice_settings_updated_by_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_notice_settings')),
    sa.UniqueConstraint('org_unit_id', name=op.f('uq_lms_notice_settings_org_unit_id'))
    )
    op.create_table('lms_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('due_soon', 'due_today', 'overdue', 'renewal', 'escalation_manager', 'escalation_office', 'weekly_digest', 'monthly_digest', name='notice_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('event_key', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.Enum('in_app', 'email', name='channel', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('about_user_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('result', sa.Enum('pending', 'sent', 'failed', name='delivery_result', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['about_user_id'], ['lms_user.id'], name=op.f('fk_lms_notification_about_user_id_lms_user')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_notification_org_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_notification_user_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_notification')),
    sa.UniqueConstraint('user_id', 'event_key', 'channel', name=op.f('uq_lms_notification_user_id'))
    )
    with op.batch_alter_table('lms_notification', schema=None) as batch_op:
        batch_op.create_index('ix_lms_notification_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('lms_retraining_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=True),
    sa.Column('issued_before', sa.Date(), nullable=False),
    sa.Column('retrain_by', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['lms_course.id'], name=op.f('fk_lms_retraining_rule_course_id_lms_course')),
    sa.ForeignKeyConstraint(['course_version_id'], ['lms_course_version.id'], name=op.f('fk_lms_retraining_rule_course_version_id_lms_course_version')),
    sa.ForeignKeyConstraint(['created_by_id'], ['lms_user.id'], name=op.f('fk_lms_retraining_rule_created_by_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_retraining_rule'))
    )
    with op.batch_alter_table('lms_retraining_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_retraining_rule_course_id'), ['course_id'], unique=False)

    op.create_table('lms_job_file_chunk',
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['lms_job.id'], name=op.f('fk_lms_job_file_chunk_job_id_lms_job')),
    sa.PrimaryKeyConstraint('job_id', 'seq', name=op.f('pk_lms_job_file_chunk'))
    )
    op.create_table('lms_course_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.SmallInteger(), nullable=False),
    sa.Column('reason', sa.Enum('renewal', 'retraining', name='attempt_reason', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['lms_certificate.id'], name=op.f('fk_lms_course_attempt_certificate_id_lms_certificate')),
    sa.ForeignKeyConstraint(['course_id'], ['lms_course.id'], name=op.f('fk_lms_course_attempt_course_id_lms_course')),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_course_attempt_user_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_course_attempt')),
    sa.UniqueConstraint('user_id', 'course_id', 'number', name=op.f('uq_lms_course_attempt_user_id'))
    )
    with op.batch_alter_table('lms_course_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_course_attempt_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('lms_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_kind', sa.Enum('fixed', 'after_joining', 'after_year_start', name='due_kind', native_enum=False, create_constraint=True, length=30), server_default='fixed', nullable=False))
        batch_op.add_column(sa.Column('due_days', sa.SmallInteger(), nullable=True))

    with op.batch_alter_table('lms_certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retrain_by', sa.Date(), nullable=True))

    with op.batch_alter_table('lms_completion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt', sa.SmallInteger(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_lms_completion_user_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_lms_completion_user_id'), ['user_id', 'course_version_id', 'attempt'])

    with op.batch_alter_table('lms_in_person_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_periods', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('issue_certificates', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('lms_membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_on', sa.Date(), nullable=True))

    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('lms_membership', schema=None) as batch_op:
        batch_op.drop_column('started_on')

    with op.batch_alter_table('lms_in_person_session', schema=None) as batch_op:
        batch_op.drop_column('issue_certificates')
        batch_op.drop_column('credit_periods')

    with op.batch_alter_table('lms_completion', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_lms_completion_user_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_lms_completion_user_id'), ['user_id', 'course_version_id'])
        batch_op.drop_column('attempt')

    with op.batch_alter_table('lms_certificate', schema=None) as batch_op:
        batch_op.drop_column('retrain_by')

    with op.batch_alter_table('lms_assignment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_lms_assignment_due_kind'), type_='check')
        batch_op.drop_column('due_days')
        batch_op.drop_column('due_kind')

    with op.batch_alter_table('lms_course_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_course_attempt_user_id'))

    op.drop_table('lms_course_attempt')
    op.drop_table('lms_job_file_chunk')
    with op.batch_alter_table('lms_retraining_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_retraining_rule_course_id'))

    op.drop_table('lms_retraining_rule')
    with op.batch_alter_table('lms_notification', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_notification_user_created')

    op.drop_table('lms_notification')
    op.drop_table('lms_notice_settings')
    with op.batch_alter_table('lms_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_job_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_lms_job_key'))

    op.drop_table('lms_job')
