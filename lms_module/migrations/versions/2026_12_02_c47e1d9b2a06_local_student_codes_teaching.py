"""school-made student codes scoped to their school; teachers' classes

Revision ID: c47e1d9b2a06
Revises: 3f1c9a7e2b10
Create Date: 2026-12-02 00:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c47e1d9b2a06'
down_revision = '3f1c9a7e2b10'
branch_labels = None
depends_on = None

NATIONAL = sa.text('student_code_school_id IS NULL')


def upgrade() -> None:
    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('student_code_school_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f('fk_lms_user_student_code_school_id_lms_org_unit'),
            'lms_org_unit', ['student_code_school_id'], ['id'])
        batch_op.drop_constraint('uq_lms_user_student_code', type_='unique')
    op.create_index('uq_lms_user_national_student_code', 'lms_user', ['student_code'],
                    unique=True, sqlite_where=NATIONAL, postgresql_where=NATIONAL)
    op.create_index('uq_lms_user_school_student_code', 'lms_user',
                    ['student_code_school_id', 'student_code'], unique=True)
    op.create_table(
        'lms_teaching_assignment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('class_unit_id', sa.Integer(), nullable=False),
        sa.Column('school_year', sa.String(length=9), nullable=False),
        sa.Column('duty', sa.Enum('homeroom', 'subject', name='class_duty',
                                  native_enum=False, create_constraint=True,
                                  length=30), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['class_unit_id'], ['lms_org_unit.id'],
                                name=op.f('fk_lms_teaching_assignment_class_unit_id_lms_org_unit')),
        sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'],
                                name=op.f('fk_lms_teaching_assignment_user_id_lms_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_teaching_assignment')),
        sa.UniqueConstraint('user_id', 'class_unit_id', 'school_year', 'duty',
                            name=op.f('uq_lms_teaching_assignment_user_id')),
    )
    op.create_index('ix_lms_teaching_assignment_class', 'lms_teaching_assignment',
                    ['class_unit_id', 'school_year'], unique=False)
    op.create_index(op.f('ix_lms_teaching_assignment_user_id'), 'lms_teaching_assignment',
                    ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_lms_teaching_assignment_user_id'), table_name='lms_teaching_assignment')
    op.drop_index('ix_lms_teaching_assignment_class', table_name='lms_teaching_assignment')
    op.drop_table('lms_teaching_assignment')
    op.drop_index('uq_lms_user_school_student_code', table_name='lms_user')
    op.drop_index('uq_lms_user_national_student_code', table_name='lms_user')
    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_lms_user_student_code', ['student_code'])
        batch_op.drop_constraint(
            op.f('fk_lms_user_student_code_school_id_lms_org_unit'), type_='foreignkey')
        batch_op.drop_column('student_code_school_id')
