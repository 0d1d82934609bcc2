"""A local Spark session for the fleet notebooks: on localhost, quiet, cleaned up at exit.

:func:`local_spark` starts ``local[cores]`` with what a laptop needs and a cluster would set
in its own configuration: the workers run this process's Python (the venv, not whatever
``python3`` is first on PATH), the UI is off and every port is bound to 127.0.0.1, Arrow
carries the pandas UDFs' data, a shuffle partition per core (several buckets of series
each), and Spark's scratch, warehouse and checkpoint directories live in one temporary
directory removed at exit. :func:`check_java` fails early, with how to install Java, when
there is none.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adlib._validation import check_int

SCRATCH_PREFIX, OWNER_FILE = "adlib-spark-", "owner.pid"
#: Spark 4.3 runs on Java 17 or newer.
MIN_JAVA = 17
JAVA_HELP = (
    "install a Java runtime (Debian/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`; "
    "macOS: `brew install openjdk@17`) or set JAVA_HOME to a JDK 17+ directory"
)
#: pyspark 4.3 warns, in the driver and in every worker, that it does not fully support
#: pandas 3. Only this warning is filtered, by message and category: the code paths used
#: here give results equal to the numpy reference under pandas 3
#: (tests/test_fleet_spark.py::test_batch_scores_equal_numpy and the stream tests).
PANDAS3_MESSAGE = "PySpark does not yet fully support pandas >= 3.0.0"
#: The same filter in the syntax of PYTHONWARNINGS (a literal message prefix), for workers.
PANDAS3_WORKER_FILTER = f"ignore:{PANDAS3_MESSAGE}:FutureWarning"
#: Spark's log level from the JVM's start (setLogLevel acts only once the session exists, after
#: the start-up warnings about native Hadoop libraries and spark.local.dir were printed). The
#: gateway logger at the same level stops the "Setting default log level" notice.
LOG4J_CONFIG = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
"""


def filter_pandas3_warning() -> None:
    """Ignore pyspark's pandas-3 FutureWarning in this process, and nothing else.

    Process-wide (the warning comes from whichever call first needs pandas, in the driver
    thread or in a foreachBatch callback thread), idempotent, and narrowed to the exact
    message and category; the workers get the same filter through PYTHONWARNINGS.
    """
    warnings.filterwarnings("ignore", message=re.escape(PANDAS3_MESSAGE), category=FutureWarning)


filter_pandas3_warning()


def java_version(java: str) -> int:
    """The major version of the ``java`` executable given (8 for "1.8.0_x", 17 for "17.0.15")."""
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    found = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if found is None:
        raise RuntimeError(f"could not read the version of {java}; {JAVA_HELP}.")
    major, minor = int(found.group(1)), int(found.group(2) or 0)
    return minor if major == 1 else major


def check_java() -> str:
    """The ``java`` Spark will run (JAVA_HOME's, else PATH's); RuntimeError if absent or < 17."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if java is None or not Path(java).is_file():
        where = f"JAVA_HOME={home} has no bin/java" if home else "no `java` on PATH"
        raise RuntimeError(f"Spark needs Java {MIN_JAVA}+, but {where}: {JAVA_HELP}.")
    version = java_version(java)
    if version < MIN_JAVA:
        raise RuntimeError(
            f"Spark needs Java {MIN_JAVA}+, but {java} is Java {version}: {JAVA_HELP}."
        )
    return java


def _worker_environment() -> dict:
    """Environment variables the driver and its Python workers must see before Spark starts."""
    return {
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
    }


def shuffle_partitions(cores: int, n_buckets: int) -> int:
    """Tasks per shuffle: one per core, each scoring several buckets (never more than buckets).

    A streaming task has a fixed cost, measured at 0.1-0.3 s on 2 shared cores (a Python
    worker handed the task, its state store loaded and committed) whether it holds one
    bucket or ten; one bucket per partition made 200-row micro-batches take 2.7 s with 16
    buckets against 0.6 s with 2 partitions. Within a task, each bucket is one pandas call.
    A streaming query keeps this number in its checkpoint for good.
    """
    return min(n_buckets, cores)


def spark_config(cores: int, shuffle_partitions: int, scratch: Path, memory: str = "2g") -> dict:
    """The settings :func:`local_spark` starts with (shown so a learner sees every choice).

    ``memory`` is the JVM heap, which in local mode holds the driver and the executor: the
    1 GB default runs out (and a job then hangs) when a few million rows are cached or
    created from pandas.
    """
    return {
        "spark.master": f"local[{cores}]",
        "spark.driver.memory": memory,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.local.dir": str(scratch / "local"),
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
        "spark.sql.streaming.checkpointLocation": str(scratch / "checkpoints"),
        "spark.executorEnv.PYTHONWARNINGS": PANDAS3_WORKER_FILTER,
        "spark.driver.extraJavaOptions": (
            f"-Djava.io.tmpdir={scratch / 'tmp'} "
            f"-Dlog4j2.configurationFile={scratch / 'log4j2.properties'}"
        ),
    }


@contextmanager
def local_spark(
    cores: int = 2,
    n_buckets: int = 16,
    conf: dict | None = None,
    app_name: str = "adlib-fleet",
    tmp_root: str | Path | None = None,
    memory: str = "2g",
) -> Iterator:
    """A ``SparkSession`` on ``local[cores]`` for ``n_buckets`` buckets of series; stopped at exit.

    Shuffle partitions: ``min(n_buckets, cores)`` (:func:`shuffle_partitions`); ``memory``:
    the JVM heap (:func:`spark_config`). ``conf``
    adds or overrides settings (e.g. ``spark.sql.execution.arrow.maxRecordsPerBatch``).
    Spark's scratch space is a temporary directory under ``tmp_root`` (default: the
    system's). At exit, active streaming queries are stopped between micro-batches
    (:func:`adlib.fleet.streaming.stop_gracefully`), then the session, then the temporary
    directory is removed (a killed process cannot: give it a ``tmp_root`` you clean).
    Start-up takes about 8 s; start one session and reuse it.
    """
    cores = check_int(cores, "cores", low=1)
    n_buckets = check_int(n_buckets, "n_buckets", low=1)
    check_java()
    from pyspark.sql import SparkSession

    filter_pandas3_warning()
    saved = {name: os.environ.get(name) for name in _worker_environment()}
    os.environ.update(_worker_environment())
    remove_stale_scratch(tmp_root)
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=tmp_root) as scratch:
        (Path(scratch) / OWNER_FILE).write_text(str(os.getpid()))
        (Path(scratch) / "tmp").mkdir()
        (Path(scratch) / "log4j2.properties").write_text(LOG4J_CONFIG)
        partitions = shuffle_partitions(cores, n_buckets)
        settings = spark_config(cores, partitions, Path(scratch), memory) | dict(conf or {})
        builder = SparkSession.builder.appName(app_name)
        for key, value in settings.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        try:
            yield spark
        finally:
            _stop_queries(spark)
            spark.stop()
            _restore_environment(saved)


def remove_stale_scratch(tmp_root: str | Path | None = None) -> list:
    """Remove scratch directories left by sessions whose process died; returns them.

    A process killed by a signal never reaches the end of its ``with local_spark``, so its
    temporary directory stays behind; each records its owner's process id, and the next
    session removes those whose owner is gone.
    """
    root = Path(tmp_root or tempfile.gettempdir())
    removed = []
    for owner in root.glob(f"{SCRATCH_PREFIX}*/{OWNER_FILE}"):
        try:
            os.kill(int(owner.read_text()), 0)
        except ProcessLookupError:
            shutil.rmtree(owner.parent, ignore_errors=True)
            removed.append(owner.parent)
        except (ValueError, OSError):
            continue
    return removed


def _restore_environment(saved: dict) -> None:
    """Put back the environment variables as they were before the session."""
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _stop_queries(spark: object, timeout: float = 60.0) -> None:
    """Stop every active query of ``spark`` between micro-batches (streaming.stop_gracefully)."""
    from adlib.fleet.streaming import stop_gracefully

    deadline = time.monotonic() + timeout
    for query in spark.streams.active:
        stop_gracefully(query, timeout=max(deadline - time.monotonic(), 1.0))
