"""Fewer B-trees for every audited write (docs/performance.md, "Audited writes").

- `ledger_auditentry.hash` loses its UNIQUE index: no query looks an entry up by hash, and the
  chain already makes each hash unique (a repeated one fails `atmp verify`'s hash check).
- `at` keeps a plain index, declared in Meta.indexes: on PostgreSQL `db_index`/`unique` on a
  CharField also build a varchar_pattern_ops (`_like`) index for LIKE, which nothing runs.
- SQLite only: the entries table is rebuilt with `seq INTEGER PRIMARY KEY`, so that seq is the
  rowid rather than a second B-tree beside it, and `ledger_treenode` becomes WITHOUT ROWID, one
  B-tree keyed by (level, index) instead of a rowid table plus its primary-key index.
  Rebuilding drops a table's triggers, so the append-only triggers of migration 0002 are created
  again on both tables (a test checks that they refuse UPDATE and DELETE after every migration).

Django's own AlterField would rebuild the SQLite table with its `bigint` seq and a rowid node
table, so the schema change is written here and Django is only told about the model state. A
later migration that makes Django rebuild either table must keep these properties.
"""

from django.db import migrations, models

ENTRY_COLUMNS = (
    "seq", "at", "actor_id", "actor_name", "actor_roles", "action", "record_type", "record_id", "record_version",
    "reason", "changes", "snapshot_hash", "prev_hash", "hash",
)  # fmt: skip
ENTRY_TABLE = (
    'CREATE TABLE "ledger_auditentry__new" ("seq" integer NOT NULL PRIMARY KEY, "at" varchar(27) NOT NULL, '
    '"actor_id" bigint NULL, "actor_name" varchar(200) NOT NULL, "actor_roles" text NOT NULL, '
    '"action" varchar(40) NOT NULL, "record_type" varchar(100) NOT NULL, "record_id" varchar(64) NULL, '
    '"record_version" integer NULL, "reason" text NOT NULL, "changes" text NOT NULL, '
    '"snapshot_hash" varchar(64) NOT NULL, "prev_hash" varchar(64) NOT NULL, "hash" varchar(64) NOT NULL)'
)
ENTRY_INDEXES = {
    "ledger_entry_at": '("at")',
    "ledger_entry_record": '("record_type", "record_id", "seq")',
    "ledger_entry_actor_at": '("actor_id", "at")',
    "ledger_entry_action_at": '("action", "at")',
}
NODE_TABLE = (
    'CREATE TABLE "ledger_treenode__new" ("level" smallint NOT NULL, "index" bigint NOT NULL, '
    '"hash" BLOB NOT NULL, PRIMARY KEY ("level", "index")) WITHOUT ROWID'
)


def _sqlite_append_only(table: str) -> list[str]:
    # The same triggers as migration 0002_append_only.
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'atmp: {table} is append-only: {op} refused'); END"
        for op in ("UPDATE", "DELETE")
    ]


def _sqlite(run) -> None:
    columns = ", ".join(f'"{c}"' for c in ENTRY_COLUMNS)
    run(ENTRY_TABLE)
    run(f'INSERT INTO "ledger_auditentry__new" ({columns}) SELECT {columns} FROM "ledger_auditentry" ORDER BY "seq"')
    run('DROP TABLE "ledger_auditentry"')
    run('ALTER TABLE "ledger_auditentry__new" RENAME TO "ledger_auditentry"')
    for name, columns_sql in ENTRY_INDEXES.items():
        run(f'CREATE INDEX "{name}" ON "ledger_auditentry" {columns_sql}')
    run(NODE_TABLE)
    run(
        'INSERT INTO "ledger_treenode__new" ("level", "index", "hash") '
        'SELECT "level", "index", "hash" FROM "ledger_treenode" ORDER BY "level", "index"'
    )
    run('DROP TABLE "ledger_treenode"')
    run('ALTER TABLE "ledger_treenode__new" RENAME TO "ledger_treenode"')
    for table in ("ledger_auditentry", "ledger_treenode"):
        for sql in _sqlite_append_only(table):
            run(sql)


def _postgresql(schema_editor, run) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "ledger_auditentry")
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'ledger_auditentry'::regclass AND contype = 'u'"
        )
        constraints = {name for (name,) in cursor.fetchall()}
    for name, info in sorted(found.items()):
        # The UNIQUE constraint on hash and its _like index; the index on at and its _like twin.
        if info["primary_key"] or info["columns"] not in (["hash"], ["at"]):
            continue
        if name in constraints:
            run(f'ALTER TABLE "ledger_auditentry" DROP CONSTRAINT "{name}"')
        elif info["index"]:
            run(f'DROP INDEX "{name}"')
    run(f'CREATE INDEX "ledger_entry_at" ON "ledger_auditentry" {ENTRY_INDEXES["ledger_entry_at"]}')


def forwards(apps, schema_editor):
    def run(sql):
        schema_editor.execute(sql, None)  # no params: psycopg must not read % as a placeholder

    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _sqlite(run)
    elif vendor == "postgresql":
        _postgresql(schema_editor, run)
    else:
        raise RuntimeError(f"atmp supports SQLite and PostgreSQL, not {vendor}")


def backwards(apps, schema_editor):
    raise RuntimeError("the ledger's tables cannot be migrated back (see migration 0002_append_only)")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_audit_trail_review")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(model_name="auditentry", name="at", field=models.CharField(max_length=27)),
                migrations.AlterField(model_name="auditentry", name="hash", field=models.CharField(max_length=64)),
                migrations.AddIndex(
                    model_name="auditentry", index=models.Index(fields=["at"], name="ledger_entry_at")
                ),
            ],
        )
    ]
