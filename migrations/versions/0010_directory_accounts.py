"""directory accounts: where a user's password lives (local, LDAP, CAS, OIDC) and the
directory's stable id for them

Revision ID: 0010_directory_accounts
Revises: 0009_rater_group_selectors
"""

from alembic import op
import sqlalchemy as sa


revision = '0010_directory_accounts'
down_revision = '0009_rater_group_selectors'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'auth_source',
            sa.Enum('local', 'ldap', 'cas', 'oidc', name='auth_source', native_enum=False,
                    create_constraint=True, length=32),
            nullable=False, server_default='local'))
        batch_op.add_column(sa.Column('external_id', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_auth_source_external_id'), ['auth_source', 'external_id'])


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_auth_source_external_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_users_auth_source'), type_='check')
        batch_op.drop_column('external_id')
        batch_op.drop_column('auth_source')
