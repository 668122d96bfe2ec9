"""messages: partial indexes by automation and by campaign send

Campaign rows have no automation and automation rows no campaign send: each kind of row is
left out of the other's index, so inserting a campaign batch and marking it sent writes one
index entry fewer per row (and an automation mail one fewer too). Lookups by an automation or
a send name its id, which implies NOT NULL, so they still use these indexes.

Revision ID: 468c021ef33b
Revises: f7c2a3abf673
Create Date: 2026-12-05 19:13:54.012831

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "468c021ef33b"
down_revision = "f7c2a3abf673"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_messages_store_automation", ["store_id", "automation_id"], "automation_id"),
    ("ix_messages_campaign_send_status", ["campaign_send_id", "status"], "campaign_send_id"),
)


def upgrade():
    for name, columns, column in INDEXES:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name="messages")
        op.create_index(name, "messages", columns, postgresql_where=where, sqlite_where=where)


def downgrade():
    for name, columns, _column in INDEXES:
        op.drop_index(name, table_name="messages")
        op.create_index(name, "messages", columns)
