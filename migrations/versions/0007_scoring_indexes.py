"""scoring indexes: a round's ballots by (round_id, id), unique

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-22 03:30:00

The index replaces ix_ballots_round_id (its first column serves the same lookups). Being
unique, it lets SQLite group a round's ratings per ballot in index order instead of
sorting every rating row (surveys/scoring/sql/queries.py).
"""

from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index('ix_ballots_round_id_id', ['round_id', 'id'], unique=True)
        batch_op.drop_index('ix_ballots_round_id')


def downgrade() -> None:
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index('ix_ballots_round_id', ['round_id'], unique=False)
        batch_op.drop_index('ix_ballots_round_id_id')
