"""Make the ledger's tables append-only in the database itself, and create the chain head."""

from django.db import migrations

APPEND_ONLY = ["ledger_auditentry", "ledger_treenode", "ledger_checkpoint", "ledger_signature"]
ZERO_HASH = "0" * 64


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor

    def run(sql):
        schema_editor.execute(sql, None)  # no params: psycopg must not read % as a placeholder

    if vendor == "postgresql":
        run(
            """
            CREATE OR REPLACE FUNCTION atmp_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'atmp: % is append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END $$;
            """
        )
        for table in APPEND_ONLY:
            run(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION atmp_append_only()"
            )
            run(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION atmp_append_only()"
            )
    elif vendor == "sqlite":
        for table in APPEND_ONLY:
            for op in ("UPDATE", "DELETE"):
                run(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'atmp: {table} is append-only: {op} refused'); END"
                )
    else:
        raise RuntimeError(f"atmp supports SQLite and PostgreSQL, not {vendor}")
    LedgerHead = apps.get_model("ledger", "LedgerHead")
    LedgerHead.objects.create(id=1, size=0, hash=ZERO_HASH, at="", frontier=b"")


def backwards(apps, schema_editor):
    raise RuntimeError("the ledger's append-only protection cannot be migrated away")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
