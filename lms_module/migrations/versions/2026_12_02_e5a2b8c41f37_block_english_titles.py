"""blocks keep their English title for the outline, breadcrumb and results

Revision ID: e5a2b8c41f37
Revises: c47e1d9b2a06
Create Date: 2026-12-02 01:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'e5a2b8c41f37'
down_revision = 'c47e1d9b2a06'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lms_block_usage', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('display_name_en', sa.String(length=200), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('lms_block_usage', schema=None) as batch_op:
        batch_op.drop_column('display_name_en')
