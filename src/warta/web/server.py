"""Running the web app: one uvicorn process, or several that share the port.

Searching is CPU work in Python and SQLite, and a process runs Python on one CPU
at a time, so `serve` starts one process per CPU by default. Each worker binds its
own listening socket with SO_REUSEPORT (Linux), and the kernel spreads new
connections over them evenly. With one socket shared by every worker (uvicorn's
own `--workers`), whichever process wakes first accepts: keep-alive clients that
connect together can all land on one worker while the others idle (seen in the
bench: 16 and 18 of 20 connections on one of two workers). Each worker handles
`THREADS` requests at once and queues the others, first come first served.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from warta.errors import ConfigError, WartaError
from warta.search import connect

#: The most worker processes `default_workers` picks.
MAX_DEFAULT_WORKERS = 8
#: Seconds a worker gets to finish its requests once told to stop.
STOP_SECONDS = 10.0
#: Connections a worker's socket queues before it accepts them (uvicorn's default).
BACKLOG = 2048
#: Requests a worker handles at once. A search is CPU work: more threads only share a
#: CPU among more requests, and stretch the costly ones. In the bench (2 CPUs, 20
#: clients): p95 58 ms with 1, 65 with 2, 78 with 4, 90-102 with anyio's default 40.
#: Two, so that one slow request does not stop its worker.
THREADS = 2


def serve(
    db: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the store at `db` until interrupted (uvicorn, `workers` processes).

    Args:
        db: a store built by `warta build` (opened read-only).
        host: the address to bind: loopback unless told otherwise (there is no login).
            A name is resolved; an IPv6 address may be given in brackets.
        port: the TCP port.
        workers: server processes; None for `default_workers()`. Each holds its
            own connections and stem cache (about 80 MB).
        ready: called with the server's URL (`base_url`) once the store is
            open and the port is free, before serving.

    Raises:
        StoreError: there is no readable store at `db`.
        ConfigError: the host is no address of this machine, the port is taken
            (or not ours to take), or several workers were asked for on a system
            without SO_REUSEPORT.
        WartaError: a worker stopped on its own (the others are stopped too).

    Example:
        >>> serve("missing.db")
        Traceback (most recent call last):
        ...
        warta.errors.StoreError: missing.db: no such store (run warta build ... --db missing.db first)
    """  # noqa: E501
    import uvicorn

    from warta.web.app import create_app

    workers = workers or default_workers()
    host = host.removeprefix("[").removesuffix("]")
    if workers == 1:
        # The socket is bound here, not by uvicorn, which logs a taken port and exits 3.
        app = create_app(db, THREADS)
        sock = _listener(host, port, share=False)
        try:
            sock.listen(BACKLOG)
            if ready:
                ready(base_url(host, port))
            config = uvicorn.Config(app, backlog=BACKLOG, **_options())
            uvicorn.Server(config).run(sockets=[sock])
        finally:
            sock.close()
        return
    if sys.platform != "linux" or not hasattr(socket, "SO_REUSEPORT"):
        raise ConfigError("several workers need Linux's SO_REUSEPORT (use --workers 1)")
    connect(db).close()  # a missing or foreign file fails here, not in every worker
    _check_free(host, port)
    if ready:
        ready(base_url(host, port))
    spawn = multiprocessing.get_context("spawn")
    procs = [spawn.Process(target=_worker, args=(str(db), host, port), name=f"warta-serve-{i}")
             for i in range(workers)]  # fmt: skip
    _supervise(procs)


def default_workers() -> int:
    """Server processes by default: the CPUs this process may use, at most 8.

    At most 8: each process holds about 80 MB, and one SQLite file serves them all.

    Example:
        >>> 1 <= default_workers() <= MAX_DEFAULT_WORKERS
        True
    """
    if sys.platform != "linux" or not hasattr(socket, "SO_REUSEPORT"):
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_DEFAULT_WORKERS))


def base_url(host: str, port: int) -> str:
    """The server's URL: `http://host:port`, an IPv6 address in brackets.

    Example:
        >>> base_url("127.0.0.1", 8000), base_url("::1", 8000)
        ('http://127.0.0.1:8000', 'http://[::1]:8000')
    """
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _options() -> dict[str, Any]:
    """uvicorn's settings, the same in every worker."""
    return {"log_level": "warning", "access_log": False}


def _listener(host: str, port: int, share: bool) -> socket.socket:
    """A TCP socket bound to `host:port` (joining the port's other workers with `share`)."""
    # IPPROTO_TCP said outright: asyncio turns Nagle's algorithm off (TCP_NODELAY) only
    # on sockets that name it, and with Nagle on, the end of a response waits for the
    # client's delayed ACK: 40 ms a request.
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:  # gaierror: no such name or address
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise ConfigError(f"{host}: not an address to listen on ({reason})") from None
    family, _, _, _, address = found[0]
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if share:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        where = base_url(host, port).removeprefix("http://")
        raise ConfigError(f"{where}: cannot listen there ({exc.strerror})") from None
    return sock


def _check_free(host: str, port: int) -> None:
    """Fail unless nothing listens on the port, not even another server's shared socket.

    Binding without SO_REUSEPORT fails if any socket holds the port, so a second
    `warta serve` on the same port is refused instead of silently sharing it.
    """
    _listener(host, port, share=False).close()


def _worker(db: str, host: str, port: int) -> None:
    """One worker process: the app on its own SO_REUSEPORT socket, until SIGTERM."""
    sock = _listener(host, port, share=True)
    # Listening before the app is imported: the kernel counts this worker from now on,
    # and the connections it is given wait in its backlog until uvicorn accepts them.
    sock.listen(BACKLOG)
    import uvicorn

    from warta.web.app import create_app

    config = uvicorn.Config(create_app(db, THREADS), backlog=BACKLOG, **_options())
    uvicorn.Server(config).run(sockets=[sock])


def _supervise(procs: list[Any]) -> None:
    """Start the workers and wait; stop them all on SIGINT/SIGTERM or when one stops."""
    stopping = False

    def stop(signum: int = 0, frame: FrameType | None = None) -> None:
        nonlocal stopping
        stopping = True
        for p in procs:
            if p.is_alive():
                p.terminate()  # SIGTERM: uvicorn finishes the requests in flight

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    failed = None
    try:
        for p in procs:
            p.start()
        while alive := [p for p in procs if p.is_alive()]:
            multiprocessing.connection.wait([p.sentinel for p in alive])
            ended = [p for p in procs if p.exitcode is not None]
            if ended and not stopping:
                failed = ended[0]
                stop()
    finally:
        stop()
        for p in procs:
            if p.pid is None:  # never started
                continue
            p.join(STOP_SECONDS)
            if p.is_alive():
                p.kill()
                p.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed is not None:
        raise WartaError(f"server worker {failed.name} exited with code {failed.exitcode};"
                         " the others were stopped")  # fmt: skip
