-- atmp on PostgreSQL: the application's least-privilege role.
--
-- Run as the schema owner (the role that ran `atmp init`) after every migration, with psql:
--   psql "$ADMIN_URL" -v app_role=atmp_app -f contrib/postgres/least-privilege.sql
-- then point ATMP_DATABASE_URL at a login role that is a member of :app_role.
--
-- The ledger's tables get SELECT and INSERT only: even with the application's credentials nobody
-- can UPDATE, DELETE or TRUNCATE an audit entry, a tree node, a checkpoint or a signature. The
-- append-only triggers stay as a second, independent guard (they also bind the owner).
-- Migrations run as the owner, never as this role.

GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";

REVOKE UPDATE, DELETE, TRUNCATE ON ledger_auditentry, ledger_treenode, ledger_checkpoint, ledger_signature FROM :"app_role";
-- The chain head is the one ledger row that changes (size, last hash); it is derived state that
-- `atmp verify` checks against the entries.
GRANT SELECT, UPDATE ON ledger_ledgerhead TO :"app_role";
REVOKE INSERT, DELETE, TRUNCATE ON ledger_ledgerhead FROM :"app_role";
