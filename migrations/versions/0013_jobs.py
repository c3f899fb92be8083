"""jobs: background work a page starts and watches (state, progress, the produced file)

Revision ID: 0013_jobs
Revises: 0012_run_numbers
Create Date: 2026-12-08 00:07:35
"""

from alembic import op
import sqlalchemy as sa


revision = '0013_jobs'
down_revision = '0012_run_numbers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.Enum('slips_pdf', 'results_xlsx', 'results_pdf', 'ballots_csv', 'ledger_xlsx', 'scoring', name='job_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='job_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('title_params', sa.JSON(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('done_steps', sa.Integer(), nullable=False),
    sa.Column('total_steps', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('message_params', sa.JSON(), nullable=False),
    sa.Column('file_name', sa.String(length=100), nullable=True),
    sa.Column('download_name', sa.String(length=300), nullable=True),
    sa.Column('ascii_name', sa.String(length=200), nullable=True),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('done_steps >= 0 AND total_steps >= 0', name=op.f('ck_jobs_steps_not_negative')),
    sa.CheckConstraint('percent >= 0 AND percent <= 100', name=op.f('ck_jobs_percent_in_range')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_jobs_owner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_jobs_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_owner_id_created_at', ['owner_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_owner_id_created_at')

    op.drop_table('jobs')
