"""inbox bodies compressed with lz4 on PostgreSQL

A webhook body (an order is 5-15 kB of JSON) is stored out of line and compressed. PostgreSQL's
default, pglz, cost the door's INSERT about 60 µs of server CPU per delivery, half of all the
server did for it; lz4 compresses as well for JSON at a fraction of the CPU, and the drain reads
it back faster. Rows already stored keep pglz (PostgreSQL reads both). A server built without
lz4 keeps pglz: the migration says so and goes on. SQLite has no such setting.

Revision ID: c66e1d8642d1
Revises: 3aa8ea51f973
Create Date: 2026-12-06 03:33:05.218513

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c66e1d8642d1"
down_revision = "3aa8ea51f973"
branch_labels = None
depends_on = None


def _set_compression(method: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        DO $$
        BEGIN
            ALTER TABLE inbox_deliveries ALTER COLUMN body SET COMPRESSION {method};
        EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
            RAISE NOTICE 'inbox_deliveries.body keeps its compression: %', SQLERRM;
        END
        $$
        """
    )


def upgrade():
    _set_compression("lz4")


def downgrade():
    _set_compression("pglz")
