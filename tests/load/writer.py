"""A load-writer process: appends GMP records to the ledger and acknowledges each durable commit.

    python tests/load/writer.py --count N --tag T [--start K] [--wait-go] [--pause-ms MS]
    python tests/load/writer.py --count N --fork-server [--pause-ms MS]

It uses the database and state that ATMP_HOME / ATMP_DATABASE_URL name (atmp.settings). For
i in K .. K+N-1 it runs one audited transaction (ledger.change) and, only after that
transaction has committed, prints and flushes its acknowledgements:

    ACK <code>            a site created by a committed transaction
    ACK <code> v<n>       version n of a site (an update with a reason) committed

Each line is written with one write(2) of less than PIPE_BUF bytes, so a kill never leaves
half a line. Transactions, by i:
  * i % 10 == 9: a pair, sites <T>-<i> and <T>-<i>p created in ONE transaction (so a crash can
    leave both or neither, never one);
  * otherwise: site <T>-<i> created alone;
  * and when i % 4 == 3, afterwards, in its own transaction: site <T>-<i-2> renamed, with a reason.

On start it prints `READY` once Django is set up (no database connection is open yet); with
--wait-go it then waits for a line on stdin before writing, so a test can start the process
ahead of time and time its kill from GO. --pause-ms sleeps between transactions (SQLite's lock
is not fair: a writer that commits and begins again at once usually wins it back from writers
asleep in their busy handler).

--fork-server loads Django once and then forks a writer per command, which makes a writer
process cost a fork instead of a Python start (kill tests need hundreds). Commands on stdin,
answers on stdout (the children's ACK lines interleave with them):

    GO <tag>      fork a child that writes as above with --tag <tag>  ->  CHILD <pid>
    REAP <pid>    wait for that child to end                          ->  REAPED <pid> signal 9
                                                                          (or: exit <status>)

Errors are not retried: a "database is locked" or any other failure ends the writer with a
traceback on stderr and exit status 1, which is what the tests look for.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from typing import TextIO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, required=True, help="transactions of creates to run")
    parser.add_argument("--tag", help="site code prefix, unique per process")
    parser.add_argument("--start", type=int, default=0, help="first index")
    parser.add_argument("--wait-go", action="store_true", help="wait for a line on stdin first")
    parser.add_argument("--pause-ms", type=float, default=0, help="sleep between transactions")
    parser.add_argument("--fork-server", action="store_true", help="fork a writer per GO command")
    args = parser.parse_args(argv)
    if not args.fork_server and not args.tag:
        parser.error("--tag is required (unless --fork-server)")

    os.environ["DJANGO_SETTINGS_MODULE"] = "atmp.settings"
    import django

    django.setup()
    # Load what a write needs before forking, so that each child starts writing at once.
    from atmp.accounts.models import Site  # noqa: F401
    from atmp.ledger import writer  # noqa: F401

    say(sys.stdout, "READY")
    if args.fork_server:
        return fork_server(args.count, args.start, args.pause_ms / 1000)
    if args.wait_go and not sys.stdin.readline():
        return 0  # the test closed stdin without saying go
    write(args.tag, args.start, args.count, args.pause_ms / 1000)
    say(sys.stdout, "DONE")
    return 0


def say(out: TextIO, line: str) -> None:
    out.write(f"{line}\n")
    out.flush()


def write(tag: str, start: int, count: int, pause: float) -> None:
    """Run the transactions of one writer, acknowledging each after its commit."""
    from atmp.accounts.models import Site
    from atmp.ledger.writer import change

    out = sys.stdout
    for i in range(start, start + count):
        if pause and i > start:
            time.sleep(pause)
        code = f"{tag}-{i}"
        if i % 10 == 9:
            with change(actor=None, reason=""):
                Site(code=code, name=f"Load site {code}").save()
                Site(code=f"{code}p", name=f"Load site {code}p").save()
            say(out, f"ACK {code}")
            say(out, f"ACK {code}p")
        else:
            with change(actor=None, reason=""):
                Site(code=code, name=f"Load site {code}").save()
            say(out, f"ACK {code}")
        if i % 4 == 3 and i - 2 >= start:
            target = f"{tag}-{i - 2}"
            with change(actor=None, reason=f"load test: rename after write {i}"):
                site = Site.objects.get(code=target)
                site.name = f"Load site {target} renamed at {i}"
                site.save()
            say(out, f"ACK {target} v{site.version}")


def fork_server(count: int, start: int, pause: float) -> int:
    """Serve GO / REAP commands until stdin closes (see the module docstring)."""
    from django.db import connections

    # A connection opened before fork would be shared by parent and children: never open one.
    assert all(c.connection is None for c in connections.all(initialized_only=True))
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "GO":
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the child: write until killed, never return into the server loop
                status = 1
                try:
                    write(arg, start, count, pause)
                    say(sys.stdout, "DONE")
                    status = 0
                except BaseException:
                    traceback.print_exc()
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(status)
            say(sys.stdout, f"CHILD {pid}")
        elif command == "REAP":
            pid = int(arg)
            _, status = os.waitpid(pid, 0)
            how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"
            say(sys.stdout, f"REAPED {pid} {how}")
        else:
            print(f"writer: unknown command {line!r}", file=sys.stderr)  # noqa: T201
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
