"""a session version per user, bumped to end every session of that user

Revision ID: 3f1c9a7e2b10
Revises: afb101e55720
Create Date: 2026-12-01 22:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '3f1c9a7e2b10'
down_revision = 'afb101e55720'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('lms_user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
