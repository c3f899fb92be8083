"""run numbers per campaign: 第 1 次计分 is a campaign's first run, not a global id

Revision ID: 0012_run_numbers
Revises: 0011_honour_lists
Create Date: 2026-12-08 01:00:00

Existing runs are numbered within their campaign in the order they were stored (by id).
"""

import sqlalchemy as sa
from alembic import op


revision = '0012_run_numbers'
down_revision = '0011_honour_lists'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scoring_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE scoring_runs SET number = (SELECT COUNT(*) FROM scoring_runs AS earlier"
        " WHERE earlier.campaign_id = scoring_runs.campaign_id AND earlier.id <= scoring_runs.id)"
    )
    with op.batch_alter_table('scoring_runs', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_scoring_runs_campaign_id_number'), ['campaign_id', 'number'])
        batch_op.create_check_constraint(batch_op.f('ck_scoring_runs_number_positive'), 'number >= 1')


def downgrade() -> None:
    with op.batch_alter_table('scoring_runs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_scoring_runs_number_positive'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_scoring_runs_campaign_id_number'), type_='unique')
        batch_op.drop_column('number')
