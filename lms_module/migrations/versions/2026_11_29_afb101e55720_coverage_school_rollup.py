"""coverage rollup summed per school

The new table starts empty: forgetting which rollups were built makes the next report rebuild
them, school sums included.

Revision ID: afb101e55720
Revises: d03a5187d5ef
Create Date: 2026-11-29 23:39:45.919262
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'afb101e55720'
down_revision = 'd03a5187d5ef'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lms_coverage_school_rollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=600).with_variant(sa.String(length=600, collation='C'), 'postgresql'), nullable=False),
    sa.Column('school_level', sa.Enum('mam_non', 'tieu_hoc', 'thcs', 'thpt', 'lien_cap', 'gdtx', name='school_level', native_enum=False, create_constraint=True, length=30), nullable=True),
    sa.Column('audience', sa.Enum('student', 'teacher', 'staff', 'manager', 'parent', name='audience', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('covered', sa.Integer(), nullable=False),
    sa.Column('covered_before', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['requirement_id'], ['lms_requirement.id'], name=op.f('fk_lms_coverage_school_rollup_requirement_id_lms_requirement')),
    sa.ForeignKeyConstraint(['unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_coverage_school_rollup_unit_id_lms_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_coverage_school_rollup')),
    sa.UniqueConstraint('requirement_id', 'school_year', 'unit_id', 'audience', name=op.f('uq_lms_coverage_school_rollup_requirement_id'))
    )
    with op.batch_alter_table('lms_coverage_school_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_lms_coverage_school_rollup_scope', ['requirement_id', 'school_year', 'path'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_coverage_school_rollup_unit_id'), ['unit_id'], unique=False)
    op.execute(sa.text('DELETE FROM lms_coverage_rollup_build'))



def downgrade() -> None:
    with op.batch_alter_table('lms_coverage_school_rollup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_coverage_school_rollup_unit_id'))
        batch_op.drop_index('ix_lms_coverage_school_rollup_scope')

    op.drop_table('lms_coverage_school_rollup')
