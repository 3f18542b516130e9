"""The Ray engine: the same chunks, cleaned by Ray Data on a Ray cluster.

Install with `pip install 'warta[ray]'`. Without an address a local Ray
instance is started with this machine's CPUs (or `workers` of them) and shut
down at the end; with `--address` (`ray://head:10001` or `auto`) the build
runs on that cluster, whose nodes must have warta installed.

Chunks go to Ray in windows of a few per CPU: each window is a Ray Dataset
whose rows are pickled chunks, mapped by `clean_chunk` with order preserved,
so memory stays bounded and the store gets the same rows as the local engine.
Ray is imported here only, so the default install stays light.
"""

from __future__ import annotations

import functools
import logging
import os
import pickle
import socket
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from warta.engines import Done, clean_chunk, worker_cleaner
from warta.errors import ConfigError
from warta.readers import Item
from warta.settings import Settings

T = TypeVar("T")
log = logging.getLogger(__name__)
#: Seconds to wait for the head node of `--address HOST:PORT` to answer at all.
REACH_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class RayEngine:
    """Cleans chunks with Ray Data.

    Example:
        >>> engine = RayEngine(workers=2)  # a local Ray instance with 2 CPUs
        >>> engine.address is None
        True
    """

    workers: int | None = None
    address: str | None = None
    #: chunks per CPU in one Ray Dataset (a window)
    window_per_cpu: int = 4

    def start(self) -> None:
        """Check that Ray is installed and join the cluster at `address`, so that either
        fails before any work; a local instance is started by `run`, which stops it.

        Raises:
            ConfigError: Ray is not installed, or the cluster cannot be reached.
        """
        ray = _import_ray()
        if self.address and not ray.is_initialized():
            _connect(ray, self.address)

    def run(
        self, settings: Settings, chunks: Iterable[tuple[T, Sequence[Item]]]
    ) -> Generator[tuple[T, Done], None, None]:
        """Clean every chunk on the cluster; yields `(tag, Done)` in the order they came."""
        ray = _import_ray()
        _quiet_ray_data()
        started = False
        if not ray.is_initialized():
            if self.address:
                _connect(ray, self.address)
            else:
                cpus = self.workers or os.cpu_count() or 1
                ray.init(num_cpus=cpus, include_dashboard=False, logging_level=logging.WARNING,
                         log_to_driver=False)  # fmt: skip
            started = True
        try:
            context = ray.data.DataContext.get_current()
            context.execution_options.preserve_order = True
            context.enable_progress_bars = False
            cpus = int(ray.cluster_resources().get("CPU", 1))
            size = max(1, self.window_per_cpu * cpus)
            window: list[tuple[T, Sequence[Item]]] = []
            for chunk in chunks:
                window.append(chunk)
                if len(window) >= size:
                    yield from _run_window(window, settings)
                    window = []
            if window:
                yield from _run_window(window, settings)
        finally:
            if started and not self.address:
                ray.shutdown()


def _import_ray() -> Any:
    """The `ray` module, with `ray.data`.

    Raises:
        ConfigError: Ray is not installed.
    """
    try:
        import ray
        import ray.data
    except ImportError:
        raise ConfigError("the ray engine needs Ray: pip install 'warta[ray]'") from None
    return ray


def _connect(ray: Any, address: str) -> None:
    """Join the Ray cluster at `address`.

    Raises:
        ConfigError: it cannot be reached (no cluster there, or a wrong address).
    """
    _check_reachable(address)
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        detail = " ".join(str(exc).split())
        raise ConfigError(f"cannot reach the Ray cluster at {address}: {detail}") from None


def _check_reachable(address: str, timeout: float = REACH_TIMEOUT) -> None:
    """Fail at once when the head of `HOST:PORT` (or `ray://HOST:PORT`) cannot be reached.

    Ray itself retries for minutes on a host name that does not resolve, and 20 s on
    one that does not answer. `auto` and other forms (another scheme) are left to Ray.

    Raises:
        ConfigError: the host is not known, refuses the connection or does not answer.
    """
    target = address.removeprefix("ray://")
    host, sep, port = target.rpartition(":")
    host = host.strip("[]")  # an IPv6 address: [::1]:6379
    if "://" in target or not sep or not host or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except socket.gaierror as exc:
        why = f"no such host {host!r} ({exc.strerror})"
    except TimeoutError:
        why = f"{host} port {port} did not answer in {timeout:g} s"
    except OSError as exc:
        why = f"{host} port {port}: {exc.strerror or exc}"
    else:
        return
    raise ConfigError(f"cannot reach the Ray cluster at {address}: {why}")


def _quiet_ray_data() -> None:
    """Ray Data's lines on stderr no louder than warta's own log (warnings; INFO with -v).

    It logs three INFO lines for each Dataset, and the build runs one per window, and
    warns once that its progress bars are off: the build draws its own bar (which `-q`
    hides). Its log files in the Ray session folder keep everything.
    """
    level = logging.getLogger().getEffectiveLevel()  # WARNING, or INFO with warta -v
    for handler in logging.getLogger("ray.data").handlers:
        if type(handler).__name__ != "SessionFileHandler":  # its console handler
            handler.setLevel(max(handler.level, level))
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)


def _run_window(
    window: list[tuple[T, Sequence[Item]]], settings: Settings
) -> Iterator[tuple[T, Done]]:
    """One Ray Dataset over a window of chunks, results in order."""
    import ray.data

    rows = [{"i": i, "chunk": pickle.dumps(items)} for i, (_, items) in enumerate(window)]
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
    cleaned = dataset.map(functools.partial(_clean_row, settings=settings))
    done: dict[int, Done] = {}
    for row in cleaned.iter_rows():
        done[int(row["i"])] = pickle.loads(row["done"])
    for i, (tag, _) in enumerate(window):
        yield tag, done[i]


def _clean_row(row: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Ray worker side: one pickled chunk in, its pickled `Done` out."""
    items = pickle.loads(row["chunk"])
    return {"i": row["i"], "done": pickle.dumps(clean_chunk(worker_cleaner(settings), items))}
