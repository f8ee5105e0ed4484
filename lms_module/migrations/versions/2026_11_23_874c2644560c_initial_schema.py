"""initial schema: org units, people, memberships, audit

Revision ID: 874c2644560c
Revises:
Create Date: 2026-11-23 18:29:16.572148
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '874c2644560c'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lms_org_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('ministry', 'province', 'legacy_district', 'commune', 'school', 'class', name='org_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('path', sa.String(length=600).with_variant(sa.String(length=600, collation='C'), 'postgresql'), nullable=False),
    sa.Column('depth', sa.SmallInteger(), nullable=False),
    sa.Column('school_level', sa.Enum('mam_non', 'tieu_hoc', 'thcs', 'thpt', 'lien_cap', 'gdtx', name='school_level', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('grade', sa.SmallInteger(), nullable=True),
    sa.Column('school_year', sa.String(length=9), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('grade IS NULL OR (grade BETWEEN 1 AND 12)', name=op.f('ck_lms_org_unit_grade_range')),
    sa.ForeignKeyConstraint(['parent_id'], ['lms_org_unit.id'], name=op.f('fk_lms_org_unit_parent_id_lms_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_org_unit')),
    sa.UniqueConstraint('code', name=op.f('uq_lms_org_unit_code'))
    )
    with op.batch_alter_table('lms_org_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_org_unit_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_lms_org_unit_path', ['path'], unique=True)

    op.create_table('lms_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('student_code', sa.String(length=20), nullable=True),
    sa.Column('staff_code', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('login_card_version', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_user')),
    sa.UniqueConstraint('staff_code', name=op.f('uq_lms_user_staff_code')),
    sa.UniqueConstraint('student_code', name=op.f('uq_lms_user_student_code')),
    sa.UniqueConstraint('username', name=op.f('uq_lms_user_username'))
    )
    op.create_table('lms_audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_user_id', sa.Integer(), nullable=True),
    sa.Column('org_unit_id', sa.Integer(), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['lms_user.id'], name=op.f('fk_lms_audit_event_actor_id_lms_user')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_audit_event_org_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['subject_user_id'], ['lms_user.id'], name=op.f('fk_lms_audit_event_subject_user_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_audit_event'))
    )
    with op.batch_alter_table('lms_audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_audit_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_audit_event_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_audit_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_audit_event_subject_user_id'), ['subject_user_id'], unique=False)

    op.create_table('lms_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('student', 'teacher', 'staff', 'school_manager', 'office_reviewer', 'content_author', 'admin', name='role', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_membership_org_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_membership_user_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_membership'))
    )
    with op.batch_alter_table('lms_membership', schema=None) as batch_op:
        batch_op.create_index('ix_lms_membership_unit_role', ['org_unit_id', 'role', 'active'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_membership_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('lms_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_membership_user_id'))
        batch_op.drop_index('ix_lms_membership_unit_role')

    op.drop_table('lms_membership')
    with op.batch_alter_table('lms_audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_audit_event_subject_user_id'))
        batch_op.drop_index(batch_op.f('ix_lms_audit_event_at'))
        batch_op.drop_index(batch_op.f('ix_lms_audit_event_actor_id'))
        batch_op.drop_index(batch_op.f('ix_lms_audit_event_action'))

    op.drop_table('lms_audit_event')
    op.drop_table('lms_user')
    with op.batch_alter_table('lms_org_unit', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_org_unit_path')
        batch_op.drop_index(batch_op.f('ix_lms_org_unit_parent_id'))

    op.drop_table('lms_org_unit')
