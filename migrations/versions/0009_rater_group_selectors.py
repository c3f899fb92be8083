"""rater group selectors: who rates whom (DESIGN §6a)

Revision ID: 0009_rater_group_selectors
Revises: 0008_session_version
Create Date: 2026-12-08 00:20:00

A rater group gets the three columns of a target selector (surveys/models/selector.py),
all empty: every existing group keeps covering every target of its campaign.
"""

import sqlalchemy as sa
from alembic import op


revision = '0009_rater_group_selectors'
down_revision = '0008_session_version'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rater_groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('selector_kind', sa.Enum('window', 'person', 'unit', name='selector_kind', native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('selector_category_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('selector_unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_rater_groups_selector_category_id_categories'), 'categories', ['selector_category_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_rater_groups_selector_unit_id_units'), 'units', ['selector_unit_id'], ['id'], ondelete='RESTRICT')


def downgrade() -> None:
    with op.batch_alter_table('rater_groups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_rater_groups_selector_unit_id_units'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_rater_groups_selector_category_id_categories'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_rater_groups_selector_kind'), type_='check')
        batch_op.drop_column('selector_unit_id')
        batch_op.drop_column('selector_category_id')
        batch_op.drop_column('selector_kind')
