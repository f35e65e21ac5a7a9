"""verification_code.delivery: where a code's message is (queued, sent, failed)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('verification_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery', sa.String(length=8), server_default='sent',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('verification_code', schema=None) as batch_op:
        batch_op.drop_column('delivery')
