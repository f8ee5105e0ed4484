"""adults in two schools counted once (overlap rows for every audience, per-school sums per
level); province tier

Revision ID: 6804ed6ac53f
Revises: 3afc191cfe91
Create Date: 2026-12-02 08:40:00.000000

The overlap and rollup tables hold derived figures only: the families' overlap table is
replaced by one for every audience, and every rollup is rebuilt on the next report.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '6804ed6ac53f'
down_revision = '3afc191cfe91'
branch_labels = None
depends_on = None

PATH = sa.String(length=600).with_variant(sa.String(length=600, collation='C'), 'postgresql')
SCHOOL_LEVEL = sa.Enum('mam_non', 'tieu_hoc', 'thcs', 'thpt', 'lien_cap', 'gdtx',
                       name='school_level', native_enum=False, create_constraint=True, length=30)
AUDIENCE = sa.Enum('student', 'teacher', 'staff', 'manager', 'parent', name='audience',
                   native_enum=False, create_constraint=True, length=30)


def _overlap_table(name: str, key: str, with_audience: bool) -> None:
    audience: list[sa.Column[str]] = (
        [sa.Column('audience', AUDIENCE, nullable=False)] if with_audience else [])
    op.create_table(name,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    *audience,
    sa.Column(key, sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('path', PATH, nullable=False),
    sa.Column('school_level', SCHOOL_LEVEL, nullable=True),
    sa.Column('left_unit_id', sa.Integer(), nullable=False),
    sa.Column('right_unit_id', sa.Integer(), nullable=False),
    sa.Column('covered', sa.SmallInteger(), nullable=False),
    sa.Column('covered_before', sa.SmallInteger(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['left_unit_id'], ['lms_org_unit.id'], name=op.f(f'fk_{name}_left_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['requirement_id'], ['lms_requirement.id'], name=op.f(f'fk_{name}_requirement_id_lms_requirement')),
    sa.ForeignKeyConstraint(['right_unit_id'], ['lms_org_unit.id'], name=op.f(f'fk_{name}_right_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['unit_id'], ['lms_org_unit.id'], name=op.f(f'fk_{name}_unit_id_lms_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}'))
    )


def _forget_builds() -> None:
    # Every rollup is built again, with its overlap rows and province tier, on the next read.
    op.execute(sa.text('DELETE FROM lms_coverage_rollup_build'))


def _school_sums_keyed(columns: list[str], with_level_key: bool) -> None:
    op.execute(sa.text('DELETE FROM lms_coverage_school_rollup'))
    with op.batch_alter_table('lms_coverage_school_rollup', schema=None) as batch_op:
        batch_op.drop_constraint('uq_lms_coverage_school_rollup_requirement_id', type_='unique')
        if with_level_key:
            batch_op.add_column(sa.Column('level_key', sa.String(length=30), nullable=False))
        else:
            batch_op.drop_column('level_key')
        batch_op.create_unique_constraint(
            batch_op.f('uq_lms_coverage_school_rollup_requirement_id'), columns)


def upgrade() -> None:
    _school_sums_keyed(['requirement_id', 'school_year', 'unit_id', 'audience', 'level_key'],
                       with_level_key=True)
    with op.batch_alter_table('lms_coverage_family_overlap', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_coverage_family_overlap_scope')
        batch_op.drop_index(batch_op.f('ix_lms_coverage_family_overlap_right_unit_id'))
        batch_op.drop_index(batch_op.f('ix_lms_coverage_family_overlap_left_unit_id'))
        batch_op.drop_index('ix_lms_coverage_family_overlap_family')
    op.drop_table('lms_coverage_family_overlap')

    _overlap_table('lms_coverage_overlap', 'person_key', with_audience=True)
    with op.batch_alter_table('lms_coverage_overlap', schema=None) as batch_op:
        batch_op.create_index('ix_lms_coverage_overlap_person', ['requirement_id', 'school_year', 'audience', 'person_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_coverage_overlap_left_unit_id'), ['left_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_coverage_overlap_right_unit_id'), ['right_unit_id'], unique=False)
        batch_op.create_index('ix_lms_coverage_overlap_scope', ['requirement_id', 'school_year', 'path'], unique=False)

    op.create_table('lms_coverage_province_rollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requirement_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('path', PATH, nullable=False),
    sa.Column('school_level', SCHOOL_LEVEL, nullable=True),
    sa.Column('level_key', sa.String(length=30), nullable=False),
    sa.Column('audience', AUDIENCE, nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('covered', sa.Integer(), nullable=False),
    sa.Column('covered_before', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['requirement_id'], ['lms_requirement.id'], name=op.f('fk_lms_coverage_province_rollup_requirement_id_lms_requirement')),
    sa.ForeignKeyConstraint(['unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_coverage_province_rollup_unit_id_lms_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_coverage_province_rollup')),
    sa.UniqueConstraint('requirement_id', 'school_year', 'unit_id', 'audience', 'level_key', name=op.f('uq_lms_coverage_province_rollup_requirement_id')),
    )
    with op.batch_alter_table('lms_coverage_province_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_lms_coverage_province_rollup_scope', ['requirement_id', 'school_year', 'path'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_coverage_province_rollup_unit_id'), ['unit_id'], unique=False)
    _forget_builds()


def downgrade() -> None:
    with op.batch_alter_table('lms_coverage_province_rollup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_coverage_province_rollup_unit_id'))
        batch_op.drop_index('ix_lms_coverage_province_rollup_scope')
    op.drop_table('lms_coverage_province_rollup')

    with op.batch_alter_table('lms_coverage_overlap', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_coverage_overlap_scope')
        batch_op.drop_index(batch_op.f('ix_lms_coverage_overlap_right_unit_id'))
        batch_op.drop_index(batch_op.f('ix_lms_coverage_overlap_left_unit_id'))
        batch_op.drop_index('ix_lms_coverage_overlap_person')
    op.drop_table('lms_coverage_overlap')

    _overlap_table('lms_coverage_family_overlap', 'family_key', with_audience=False)
    with op.batch_alter_table('lms_coverage_family_overlap', schema=None) as batch_op:
        batch_op.create_index('ix_lms_coverage_family_overlap_family', ['requirement_id', 'school_year', 'family_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_coverage_family_overlap_left_unit_id'), ['left_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_coverage_family_overlap_right_unit_id'), ['right_unit_id'], unique=False)
        batch_op.create_index('ix_lms_coverage_family_overlap_scope', ['requirement_id', 'school_year', 'path'], unique=False)
    _school_sums_keyed(['requirement_id', 'school_year', 'unit_id', 'audience'],
                       with_level_key=False)
    _forget_builds()
