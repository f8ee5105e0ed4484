"""certificates and assignments: issued certificates, their serial sequences, course assignments

Revision ID: 888ab837985c
Revises: 9c61ee75eab6
Create Date: 2026-11-23 19:01:46.673312
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '888ab837985c'
down_revision = '9c61ee75eab6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lms_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('student', 'teacher', 'staff', 'school_manager', 'office_reviewer', 'content_author', 'admin', name='role', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('grade_min', sa.SmallInteger(), nullable=True),
    sa.Column('grade_max', sa.SmallInteger(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('grade_min IS NULL OR grade_max IS NULL OR grade_min <= grade_max', name=op.f('ck_lms_assignment_grade_band')),
    sa.ForeignKeyConstraint(['course_id'], ['lms_course.id'], name=op.f('fk_lms_assignment_course_id_lms_course')),
    sa.ForeignKeyConstraint(['created_by_id'], ['lms_user.id'], name=op.f('fk_lms_assignment_created_by_id_lms_user')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_assignment_org_unit_id_lms_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_assignment'))
    )
    with op.batch_alter_table('lms_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_assignment_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_lms_assignment_unit_role', ['org_unit_id', 'role', 'active'], unique=False)

    op.create_table('lms_certificate_sequence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('next_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_certificate_sequence_org_unit_id_lms_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_certificate_sequence')),
    sa.UniqueConstraint('org_unit_id', 'year', name=op.f('uq_lms_certificate_sequence_org_unit_id'))
    )
    op.create_table('lms_certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=80), nullable=False),
    sa.Column('code', sa.String(length=17), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('completion_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.SmallInteger(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('holder_unit_id', sa.Integer(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('credit_periods', sa.SmallInteger(), nullable=False),
    sa.Column('holder_name', sa.String(length=200), nullable=False),
    sa.Column('holder_is_student', sa.Boolean(), nullable=False),
    sa.Column('holder_unit_name', sa.String(length=300), nullable=False),
    sa.Column('issuing_unit_name', sa.String(length=200), nullable=False),
    sa.Column('parent_unit_name', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('signer_title', sa.String(length=100), nullable=False),
    sa.Column('course_title_vi', sa.String(length=200), nullable=False),
    sa.Column('course_title_en', sa.String(length=200), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=500), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("revoked_at IS NULL OR (revoked_reason IS NOT NULL AND revoked_reason <> '')", name=op.f('ck_lms_certificate_revoked_with_reason')),
    sa.ForeignKeyConstraint(['completion_id'], ['lms_completion.id'], name=op.f('fk_lms_certificate_completion_id_lms_completion')),
    sa.ForeignKeyConstraint(['course_id'], ['lms_course.id'], name=op.f('fk_lms_certificate_course_id_lms_course')),
    sa.ForeignKeyConstraint(['course_version_id'], ['lms_course_version.id'], name=op.f('fk_lms_certificate_course_version_id_lms_course_version')),
    sa.ForeignKeyConstraint(['holder_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_certificate_holder_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_certificate_org_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['replaces_id'], ['lms_certificate.id'], name=op.f('fk_lms_certificate_replaces_id_lms_certificate')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['lms_user.id'], name=op.f('fk_lms_certificate_revoked_by_id_lms_user')),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_certificate_user_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_certificate')),
    sa.UniqueConstraint('code', name=op.f('uq_lms_certificate_code')),
    sa.UniqueConstraint('completion_id', 'edition', name=op.f('uq_lms_certificate_completion_id')),
    sa.UniqueConstraint('org_unit_id', 'year', 'number', name=op.f('uq_lms_certificate_org_unit_id')),
    sa.UniqueConstraint('serial', name=op.f('uq_lms_certificate_serial'))
    )
    with op.batch_alter_table('lms_certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_certificate_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_certificate_holder_unit_id'), ['holder_unit_id'], unique=False)
        batch_op.create_index('ix_lms_certificate_unit_issued', ['org_unit_id', 'issued_on'], unique=False)
        batch_op.create_index('ix_lms_certificate_user_course', ['user_id', 'course_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lms_certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_certificate_user_course')
        batch_op.drop_index('ix_lms_certificate_unit_issued')
        batch_op.drop_index(batch_op.f('ix_lms_certificate_holder_unit_id'))
        batch_op.drop_index(batch_op.f('ix_lms_certificate_course_id'))

    op.drop_table('lms_certificate')
    op.drop_table('lms_certificate_sequence')
    with op.batch_alter_table('lms_assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_assignment_unit_role')
        batch_op.drop_index(batch_op.f('ix_lms_assignment_course_id'))

    op.drop_table('lms_assignment')
