"""honour lists and component selectors: what counts for whom, 十佳 per kind (DESIGN §6a)

Revision ID: 0011_honour_lists
Revises: 0010_directory_accounts
Create Date: 2026-12-08 00:31:46

A component gets the three columns of a target selector, all empty: every existing
component keeps scoring every target. Honour lists start empty: an existing campaign
keeps ranking every target as one implicit list with the 十佳 / 末位 rules of its
scoring_rules row, which stays their source, and stored runs (their JSON has no lists)
read as before.
"""

import sqlalchemy as sa
from alembic import op


revision = '0011_honour_lists'
down_revision = '0010_directory_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('honour_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('top_n', sa.Integer(), nullable=False),
    sa.Column('bottom_n', sa.Integer(), nullable=False),
    sa.Column('top_scope', sa.Enum('overall', 'category', name='top_scope', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('bottom_scope', sa.Enum('overall', 'category', name='bottom_scope', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('bottom_threshold', sa.Float(), nullable=True),
    sa.Column('top_min_ballots', sa.Integer(), nullable=False),
    sa.Column('top_min_grade', sa.String(length=20), nullable=True),
    sa.Column('selector_kind', sa.Enum('window', 'person', 'unit', name='selector_kind', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('selector_category_id', sa.Integer(), nullable=True),
    sa.Column('selector_unit_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("name <> ''", name=op.f('ck_honour_lists_name_not_empty')),
    sa.CheckConstraint('bottom_threshold IS NULL OR (bottom_threshold >= 0 AND bottom_threshold <= 100)', name=op.f('ck_honour_lists_bottom_threshold_in_range')),
    sa.CheckConstraint('top_min_ballots >= 0', name=op.f('ck_honour_lists_top_min_ballots_not_negative')),
    sa.CheckConstraint('top_n >= 0 AND bottom_n >= 0', name=op.f('ck_honour_lists_n_not_negative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_honour_lists_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['selector_category_id'], ['categories.id'], name=op.f('fk_honour_lists_selector_category_id_categories'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['selector_unit_id'], ['units.id'], name=op.f('fk_honour_lists_selector_unit_id_units'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_honour_lists')),
    sa.UniqueConstraint('campaign_id', 'name', name=op.f('uq_honour_lists_campaign_id_name'))
    )
    with op.batch_alter_table('honour_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_honour_lists_campaign_id'), ['campaign_id'], unique=False)

    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.add_column(sa.Column('selector_kind', sa.Enum('window', 'person', 'unit', name='selector_kind', native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('selector_category_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('selector_unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_components_selector_category_id_categories'), 'categories', ['selector_category_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_foreign_key(batch_op.f('fk_components_selector_unit_id_units'), 'units', ['selector_unit_id'], ['id'], ondelete='RESTRICT')



def downgrade() -> None:
    with op.batch_alter_table('components', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_components_selector_unit_id_units'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_components_selector_category_id_categories'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_components_selector_kind'), type_='check')
        batch_op.drop_column('selector_unit_id')
        batch_op.drop_column('selector_category_id')
        batch_op.drop_column('selector_kind')

    with op.batch_alter_table('honour_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_honour_lists_campaign_id'))

    op.drop_table('honour_lists')
