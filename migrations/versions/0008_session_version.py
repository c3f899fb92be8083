"""session version: a user's login sessions can be ended everywhere

Revision ID: 0008_session_version
Revises: 0007
Create Date: 2026-12-08 00:20:00

Every login session's id names the user's session version; logout, a password change and
disabling the account raise it, so every session opened before (a copied cookie included)
stops working.
"""

import sqlalchemy as sa
from alembic import op


revision = '0008_session_version'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
