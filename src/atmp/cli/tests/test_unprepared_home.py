"""A command run on a home or database that `atmp init` has not prepared says so, exits 2, creates nothing."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.helpers import PG_HOST, PG_PORT, PG_USER, atmp_command, postgres_database, sqlite_ledger, subprocess_env

COMMANDS = [["verify"], ["user", "list"], ["demo"], ["ledger", "export", "--format", "jsonl"], ["serve", "--port", "1"]]


def atmp(args: list[str], env: dict[str, str], cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*atmp_command(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def tree(path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_it_refuses_a_missing_home_and_leaves_nothing_behind(tmp_path, args):
    env = subprocess_env(tmp_path / "nowhere")
    del env["ATMP_HOME"]  # the default, ./var, relative to the working directory
    done = atmp(args, env, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "run `atmp init`" in done.stderr and str(tmp_path / "var") in done.stderr
    assert "relative to the working directory" in done.stderr
    assert "Traceback" not in done.stderr
    assert tree(tmp_path) == []


def test_it_refuses_a_home_without_a_database_and_names_the_file(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = atmp(["verify"], subprocess_env(home), tmp_path)
    assert done.returncode == 2
    assert f"no database at {home / 'atmp.sqlite3'}" in done.stderr and "run `atmp init`" in done.stderr
    assert tree(tmp_path) == ["home"]


def test_it_names_the_resolved_path_of_a_relative_sqlite_url(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = subprocess_env(home, "sqlite:///data/x.sqlite3")
    done = atmp(["user", "list"], env, tmp_path)
    assert done.returncode == 2
    assert f"no database at {tmp_path / 'data' / 'x.sqlite3'}" in done.stderr
    assert tree(tmp_path) == ["home"]


def test_it_refuses_an_empty_sqlite_file_left_by_an_older_atmp(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "atmp.sqlite3").touch()
    done = atmp(["verify"], subprocess_env(home), tmp_path)
    assert done.returncode == 2 and "is not prepared" in done.stderr and "run `atmp init`" in done.stderr


def test_it_refuses_a_postgresql_database_that_init_has_not_migrated(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with postgres_database("atmp_unprepared") as name:
        env = subprocess_env(home, f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}")
        for args in (["verify"], ["user", "list"], ["serve", "--port", "1"]):
            done = atmp(args, env, tmp_path)
            assert done.returncode == 2, done.stderr
            assert f"PostgreSQL {PG_HOST}:{PG_PORT}/{name} is not prepared" in done.stderr
            assert "run `atmp init`" in done.stderr
        import psycopg

        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=name) as conn:
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        assert tables == (0,), "a refused command created tables"


def test_serve_names_a_busy_port(tmp_path):
    env = sqlite_ledger(tmp_path).env  # a prepared home, from a migrated copy (init: test_setup_commands)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = atmp(["serve", "--port", str(port)], env, tmp_path)
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is busy" in done.stderr and "Traceback" not in done.stderr


def test_the_help_says_where_atmp_home_and_sqlite_paths_are_taken_from(tmp_path):
    text = atmp(["--help"], subprocess_env(tmp_path), tmp_path).stdout
    assert "relative to the working" in text and "sqlite:////" in text and "four slashes" in text
