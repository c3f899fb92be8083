"""hardening: audit hash chain, forced password change, password change time

Existing audit entries are hashed here, oldest first, with the same function the application
uses (surveys.audit_chain.entry_hash), so the chain covers the whole log from its first entry.

Revision ID: 0006
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa

from surveys.audit_chain import GENESIS, HEAD_ID, entry_hash


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_entries = sa.table(
    'audit_entries',
    sa.column('id', sa.Integer()),
    sa.column('at', sa.DateTime()),
    sa.column('actor_id', sa.Integer()),
    sa.column('action', sa.String()),
    sa.column('object_type', sa.String()),
    sa.column('object_id', sa.Integer()),
    sa.column('summary', sa.String()),
    sa.column('detail', sa.JSON()),
    sa.column('prev_hash', sa.String()),
    sa.column('hash', sa.String()),
)


def upgrade() -> None:
    op.create_table('audit_chain_heads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_entry_id', sa.Integer(), nullable=True),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_heads'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(), nullable=True))

    conn = op.get_bind()
    prev, last_id = GENESIS, None
    for row in conn.execute(sa.select(_entries).order_by(_entries.c.id)).mappings().all():
        digest = entry_hash(prev, _Row(row))
        conn.execute(_entries.update().where(_entries.c.id == row['id']).values(prev_hash=prev, hash=digest))
        prev, last_id = digest, row['id']
    conn.execute(sa.table('audit_chain_heads', sa.column('id'), sa.column('last_entry_id'), sa.column('last_hash'))
                 .insert().values(id=HEAD_ID, last_entry_id=last_id, last_hash=prev))

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('must_change_password', server_default=None)


class _Row:
    """Attribute access over a result row, as entry_hash reads an entry."""

    def __init__(self, row):
        self.__dict__.update(row)


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    op.drop_table('audit_chain_heads')
