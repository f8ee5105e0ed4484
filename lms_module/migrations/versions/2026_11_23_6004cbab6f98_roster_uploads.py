"""roster uploads: files kept between preview and confirmation of a roster import

Revision ID: 6004cbab6f98
Revises: 874c2644560c
Create Date: 2026-11-23 18:34:46.728470
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '6004cbab6f98'
down_revision = '874c2644560c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lms_roster_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('students', 'staff', 'units', name='roster_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'imported', 'cancelled', name='upload_status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['lms_org_unit.id'], name=op.f('fk_lms_roster_upload_org_unit_id_lms_org_unit')),
    sa.ForeignKeyConstraint(['uploader_id'], ['lms_user.id'], name=op.f('fk_lms_roster_upload_uploader_id_lms_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_roster_upload'))
    )
    with op.batch_alter_table('lms_roster_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lms_roster_upload_org_unit_id'), ['org_unit_id'], unique=False)
        batch_op.create_index('ix_lms_roster_upload_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_roster_upload_uploader_id'), ['uploader_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lms_roster_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lms_roster_upload_uploader_id'))
        batch_op.drop_index('ix_lms_roster_upload_status_created')
        batch_op.drop_index(batch_op.f('ix_lms_roster_upload_org_unit_id'))

    op.drop_table('lms_roster_upload')
