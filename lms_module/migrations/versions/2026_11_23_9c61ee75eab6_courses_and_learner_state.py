"""courses and learner state: versions, block usages, XBlock field data, attempts, completion

Revision ID: 9c61ee75eab6
Revises: 6004cbab6f98
Create Date: 2026-11-23 18:33:51.953601
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '9c61ee75eab6'
down_revision = '6004cbab6f98'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lms_course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('title_vi', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('audience', sa.Enum('student', 'teacher', 'staff', 'manager', 'parent', name='audience', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('grade_min', sa.SmallInteger(), nullable=True),
    sa.Column('grade_max', sa.SmallInteger(), nullable=True),
    sa.Column('credit_periods', sa.SmallInteger(), nullable=False),
    sa.Column('pass_mark', sa.Float(), nullable=False),
    sa.Column('validity_months', sa.SmallInteger(), nullable=True),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('grade_min IS NULL OR grade_max IS NULL OR grade_min <= grade_max', name=op.f('ck_lms_course_grade_band')),
    sa.CheckConstraint('pass_mark >= 0 AND pass_mark <= 1', name=op.f('ck_lms_course_pass_mark_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_course')),
    sa.UniqueConstraint('slug', name=op.f('uq_lms_course_slug'))
    )
    op.create_table('lms_xblock_shared_field',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('block_scope_id', sa.String(length=255), nullable=False),
    sa.Column('field_name', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_xblock_shared_field')),
    sa.UniqueConstraint('scope', 'block_scope_id', 'field_name', name=op.f('uq_lms_xblock_shared_field_scope'))
    )
    op.create_table('lms_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('usage_id', sa.String(length=255), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('max_score', sa.Float(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['lms_course.id'], name=op.f('fk_lms_attempt_course_id_lms_course')),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_attempt_user_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_attempt'))
    )
    with op.batch_alter_table('lms_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_lms_attempt_user_usage', ['user_id', 'usage_id', 'at'], unique=False)

    op.create_table('lms_block_completion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('usage_id', sa.String(length=255), nullable=False),
    sa.Column('completion', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('completion >= 0 AND completion <= 1', name=op.f('ck_lms_block_completion_completion_range')),
    sa.ForeignKeyConstraint(['course_id'], ['lms_course.id'], name=op.f('fk_lms_block_completion_course_id_lms_course')),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_block_completion_user_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_block_completion')),
    sa.UniqueConstraint('user_id', 'usage_id', name=op.f('uq_lms_block_completion_user_id'))
    )
    with op.batch_alter_table('lms_block_completion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_block_completion_course_id'), ['course_id'], unique=False)

    op.create_table('lms_course_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('olx_hash', sa.String(length=64), nullable=False),
    sa.Column('root_usage_id', sa.String(length=255), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['lms_course.id'], name=op.f('fk_lms_course_version_course_id_lms_course')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_course_version')),
    sa.UniqueConstraint('course_id', 'number', name=op.f('uq_lms_course_version_course_id'))
    )
    # lms_course and lms_course_version point at each other: the course's link to its current
    # version is added once both tables exist.
    with op.batch_alter_table('lms_course', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_lms_course_current_version_id_lms_course_version'), 'lms_course_version', ['current_version_id'], ['id'])

    op.create_table('lms_learner_position',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('usage_id', sa.String(length=255), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['lms_course.id'], name=op.f('fk_lms_learner_position_course_id_lms_course')),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_learner_position_user_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_learner_position')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_lms_learner_position_user_id'))
    )
    op.create_table('lms_xblock_learner_field',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('block_scope_id', sa.String(length=255), nullable=False),
    sa.Column('field_name', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_xblock_learner_field_user_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_xblock_learner_field')),
    sa.UniqueConstraint('user_id', 'scope', 'block_scope_id', 'field_name', name=op.f('uq_lms_xblock_learner_field_user_id'))
    )
    op.create_table('lms_block_usage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('usage_id', sa.String(length=255), nullable=False),
    sa.Column('definition_id', sa.String(length=255), nullable=False),
    sa.Column('block_type', sa.String(length=64), nullable=False),
    sa.Column('url_name', sa.String(length=120), nullable=False),
    sa.Column('parent_usage_id', sa.String(length=255), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('depth', sa.SmallInteger(), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('completion_mode', sa.String(length=20), nullable=False),
    sa.Column('has_score', sa.Boolean(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('is_placeholder', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['course_version_id'], ['lms_course_version.id'], name=op.f('fk_lms_block_usage_course_version_id_lms_course_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_block_usage')),
    sa.UniqueConstraint('course_version_id', 'usage_id', name=op.f('uq_lms_block_usage_course_version_id'))
    )
    with op.batch_alter_table('lms_block_usage', schema=None) as batch_op:
        batch_op.create_index('ix_lms_block_usage_usage_id', ['usage_id'], unique=False)

    op.create_table('lms_completion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_version_id'], ['lms_course_version.id'], name=op.f('fk_lms_completion_course_version_id_lms_course_version')),
    sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_lms_completion_user_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_completion')),
    sa.UniqueConstraint('user_id', 'course_version_id', name=op.f('uq_lms_completion_user_id'))
    )
    with op.batch_alter_table('lms_completion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_completion_course_version_id'), ['course_version_id'], unique=False)

    op.create_table('lms_course_asset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_version_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['course_version_id'], ['lms_course_version.id'], name=op.f('fk_lms_course_asset_course_version_id_lms_course_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_course_asset')),
    sa.UniqueConstraint('course_version_id', 'path', name=op.f('uq_lms_course_asset_course_version_id'))
    )


def downgrade() -> None:
    op.drop_table('lms_course_asset')
    with op.batch_alter_table('lms_completion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_completion_course_version_id'))

    op.drop_table('lms_completion')
    with op.batch_alter_table('lms_block_usage', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_block_usage_usage_id')

    op.drop_table('lms_block_usage')
    op.drop_table('lms_xblock_learner_field')
    op.drop_table('lms_learner_position')
    with op.batch_alter_table('lms_course', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_lms_course_current_version_id_lms_course_version'), type_='foreignkey')

    op.drop_table('lms_course_version')
    with op.batch_alter_table('lms_block_completion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_block_completion_course_id'))

    op.drop_table('lms_block_completion')
    with op.batch_alter_table('lms_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_attempt_user_usage')

    op.drop_table('lms_attempt')
    op.drop_table('lms_xblock_shared_field')
    op.drop_table('lms_course')
