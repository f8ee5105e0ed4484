"""student courses valid for the school year

Revision ID: d03a5187d5ef
Revises: b5f219dcfee0
Create Date: 2026-11-23 19:59:24.286910
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'd03a5187d5ef'
down_revision = 'b5f219dcfee0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lms_course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_for_school_year', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('lms_course', schema=None) as batch_op:
        batch_op.drop_column('valid_for_school_year')

