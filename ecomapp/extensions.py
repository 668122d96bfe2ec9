"""Unbound Flask extensions, bound in create_app."""

from typing import TYPE_CHECKING, Any, ClassVar, cast

from flask_htmx import HTMX
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import CursorResult, Engine, MetaData, Result, Table, event
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    # `db.Model` is a variable to a type checker; models subclass this alias of the same class.
    class Model(Base):
        """What `db.Model` is at run time: our declarative base with Flask-SQLAlchemy's extras."""

        __abstract__ = True
        __table__: ClassVar[Table]  # every model is mapped to a Table, not any FromClause
else:
    Model = db.Model


def affected(result: Result[Any]) -> int:
    """Return how many rows an UPDATE/DELETE/INSERT statement touched."""
    return cast(CursorResult[Any], result).rowcount


migrate = Migrate(compare_type=True, render_as_batch=True)
htmx = HTMX()


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """Let the web thread and the in-process worker share a SQLite file without locking out."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
