"""coverage: requirements, targets, the per-unit rollup, school-year closing; a requirement on assignments

Revision ID: b5f219dcfee0
Revises: 888ab837985c
Create Date: 2026-11-23 19:07:05.988724
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b5f219dcfee0'
down_revision = '888ab837985c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lms_requirement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('title_vi', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_requirement')),
    sa.UniqueConstraint('code', name=op.f('uq_lms_requirement_code'))
    )
    op.create_table('lms_school_year_closing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('next_year', sa.String(length=9), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=False),
    sa.Column('promoted', sa.Integer(), nullable=False),
    sa.Column('left_school', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_school_year_closing')),
    sa.UniqueConstraint('school_year', name=op.f('uq_lms_school_year_closing_school_year'))
    )
    op.create_table('lms_coverage_dirty_unit',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_coverage_dirty_unit_unit_id_lms_org_unit')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_lms_coverage_dirty_unit'))
    )
    op.create_table('lms_coverage_rollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=600).with_variant(sa.String(length=600, collation='C'), 'postgresql'), nullable=False),
    sa.Column('school_level', sa.Enum('mam_non', 'tieu_hoc', 'thcs', 'thpt', 'lien_cap', 'gdtx', name='school_level', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('grade', sa.SmallInteger(), nullable=True),
    sa.Column('audience', sa.Enum('student', 'teacher', 'staff', 'manager', 'parent', name='audience', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('covered', sa.Integer(), nullable=False),
    sa.Column('covered_before', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['requirement_id'], ['lms_requirement.id'], name=op.f('fk_lms_coverage_rollup_requirement_id_lms_requirement')),
    sa.ForeignKeyConstraint(['unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_coverage_rollup_unit_id_lms_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_coverage_rollup')),
    sa.UniqueConstraint('requirement_id', 'school_year', 'unit_id', 'audience', name=op.f('uq_lms_coverage_rollup_requirement_id'))
    )
    with op.batch_alter_table('lms_coverage_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_lms_coverage_rollup_scope', ['requirement_id', 'school_year', 'path'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_coverage_rollup_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_lms_coverage_rollup_valid_until', ['valid_until'], unique=False)

    op.create_table('lms_coverage_rollup_build',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('audience', sa.Enum('student', 'teacher', 'staff', 'manager', 'parent', name='audience', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['requirement_id'], ['lms_requirement.id'], name=op.f('fk_lms_coverage_rollup_build_requirement_id_lms_requirement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_coverage_rollup_build')),
    sa.UniqueConstraint('requirement_id', 'school_year', 'audience', name=op.f('uq_lms_coverage_rollup_build_requirement_id'))
    )
    op.create_table('lms_coverage_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('student', 'teacher', 'staff', 'manager', 'parent', name='audience', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Float(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('percent > 0 AND percent <= 100', name=op.f('ck_lms_coverage_target_percent_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['lms_user.id'], name=op.f('fk_lms_coverage_target_created_by_id_lms_user')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_coverage_target_org_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['requirement_id'], ['lms_requirement.id'], name=op.f('fk_lms_coverage_target_requirement_id_lms_requirement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_coverage_target')),
    sa.UniqueConstraint('org_unit_id', 'audience', 'requirement_id', 'school_year', name=op.f('uq_lms_coverage_target_org_unit_id'))
    )
    with op.batch_alter_table('lms_coverage_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_coverage_target_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_coverage_target_school_year'), ['school_year'], unique=False)

    op.create_table('lms_requirement_course',
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['lms_course.id'], name=op.f('fk_lms_requirement_course_course_id_lms_course')),
    sa.ForeignKeyConstraint(['requirement_id'], ['lms_requirement.id'], name=op.f('fk_lms_requirement_course_requirement_id_lms_requirement')),
    sa.PrimaryKeyConstraint('requirement_id', 'course_id', name=op.f('pk_lms_requirement_course'))
    )
    op.create_table('lms_year_end_membership',
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['lms_membership.id'], name=op.f('fk_lms_year_end_membership_membership_id_lms_membership')),
    sa.PrimaryKeyConstraint('membership_id', name=op.f('pk_lms_year_end_membership'))
    )
    with op.batch_alter_table('lms_year_end_membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_year_end_membership_school_year'), ['school_year'], unique=False)

    with op.batch_alter_table('lms_assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requirement_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_lms_assignment_requirement_id_lms_requirement'), 'lms_requirement', ['requirement_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('lms_assignment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_lms_assignment_requirement_id_lms_requirement'), type_='foreignkey')
        batch_op.drop_column('requirement_id')

    with op.batch_alter_table('lms_year_end_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_year_end_membership_school_year'))

    op.drop_table('lms_year_end_membership')
    op.drop_table('lms_requirement_course')
    with op.batch_alter_table('lms_coverage_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_coverage_target_school_year'))
        batch_op.drop_index(batch_op.f('ix_lms_coverage_target_org_unit_id'))

    op.drop_table('lms_coverage_target')
    op.drop_table('lms_coverage_rollup_build')
    with op.batch_alter_table('lms_coverage_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_coverage_rollup_valid_until')
        batch_op.drop_index(batch_op.f('ix_lms_coverage_rollup_unit_id'))
        batch_op.drop_index('ix_lms_coverage_rollup_scope')

    op.drop_table('lms_coverage_rollup')
    op.drop_table('lms_coverage_dirty_unit')
    op.drop_table('lms_school_year_closing')
    op.drop_table('lms_requirement')
