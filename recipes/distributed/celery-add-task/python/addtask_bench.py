"""Python Celery's side of `celery-add-task bench --python`: the same round trips as the Rust
bench, measured with Celery itself. Starts --workers Celery workers (--pool solo, one process
each), sends add(x + i, y) for i in 0..count with add.delay on a queue of the run's own, waits
for every result through the rpc:// backend, checks each, and prints the rate:

    python3 addtask_bench.py --count 10000 --workers 2 --prefetch 128

The workers run `celery -A addtask_bench worker`: this module is also their app, the task
module addtask.py plus a line on stdout once the worker consumes (Celery logs its own "ready."
only at INFO level, which would also log two lines per task and slow the worker down).
"""
import argparse
import ctypes
import os
import queue
import signal
import subprocess
import sys
import threading
import time

from addtask import add, app  # noqa: F401  (app: what `celery -A addtask_bench` looks for)
from celery.signals import worker_ready

READY = "bench worker ready"
# Set by the driver in its workers' environment: the driver's pid.
PARENT = "ADDTASK_BENCH_PARENT"
PR_SET_PDEATHSIG = 1
# How long a worker may take to start, and to stop once asked.
START_TIMEOUT_S, STOP_TIMEOUT_S = 60, 30


def die_with_parent():
    """Linux: the kernel kills this process when its parent ends, so no worker outlives an
    interrupted run (the Rust bench's workers do the same)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    expected = os.environ.get(PARENT)
    if expected is not None and str(os.getppid()) != expected:
        sys.exit("the bench that started this worker is gone")


if os.environ.get(PARENT):  # imported by a worker the driver started
    die_with_parent()


@worker_ready.connect
def announce(**_):
    # Straight to the pipe: Celery turns print() in a worker into log records.
    os.write(1, f"{READY}: pid {os.getpid()}\n".encode())


def start_workers(count, queue_name, prefetch):
    """Starts the Celery workers and waits until each one consumes the queue."""
    env = dict(os.environ, ADDTASK_QUEUE=queue_name, ADDTASK_PREFETCH=str(prefetch))
    env[PARENT] = str(os.getpid())
    here = os.path.dirname(os.path.abspath(__file__))
    workers, ready, log = [], queue.Queue(), []
    for i in range(count):
        hostname = f"bench{i + 1}-{os.getpid()}@localhost"
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "addtask_bench", "worker",
             "--pool", "solo", "--concurrency", "1", "-Q", queue_name,
             "--hostname", hostname, "--loglevel", "WARNING",
             "--without-heartbeat", "--without-mingle", "--without-gossip"],
            cwd=here, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        workers.append((hostname, worker))

        def watch(pipe=worker.stdout):
            for line in pipe:  # read to the end, so the worker never blocks on a full pipe
                log.append(line)
                if line.startswith(READY):
                    ready.put(line)
            ready.put(None)  # the worker's output closed: it ended

        threading.Thread(target=watch, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_S
    for _ in workers:
        try:
            line = ready.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            for _, worker in workers:
                worker.kill()
                worker.wait()
            sys.stderr.writelines(log)
            sys.exit(f"error: a Celery worker did not start within {START_TIMEOUT_S}s")
    return workers


def stop_workers(workers):
    """Asks the workers to stop through Celery's remote control (a signal is only seen when
    the worker's event loop wakes up, seconds later on an idle worker)."""
    app.control.shutdown(destination=[hostname for hostname, _ in workers])
    for _, worker in workers:
        try:
            worker.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def round_trips(count, x, y, timeout):
    """Sends every task, then waits for every result and checks it. Returns the seconds from
    the first send to the last result, and those spent in add.delay."""
    start = time.perf_counter()
    results = [add.delay(x + i, y) for i in range(count)]
    sent = time.perf_counter()
    for i, result in enumerate(results):
        value = result.get(timeout=timeout)
        if value != x + i + y:
            sys.exit(f"error: task {result.id} returned {value}, expected {x + i + y}")
    return time.perf_counter() - start, sent - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10000, help="tasks to send")
    parser.add_argument("--workers", type=int, default=2, help="worker processes to start")
    parser.add_argument("--prefetch", type=int, default=128,
                        help="unacknowledged tasks per worker (worker_prefetch_multiplier)")
    parser.add_argument("--x", type=int, default=5, help="first argument of task 0")
    parser.add_argument("--y", type=int, default=5, help="second argument of every task")
    parser.add_argument("--timeout-s", type=int, default=10,
                        help="give up when a result takes longer")
    args = parser.parse_args()
    if min(args.count, args.workers, args.prefetch, args.timeout_s) < 1:
        parser.error("--count, --workers, --prefetch and --timeout-s must be at least 1")
    die_with_parent()
    # A queue of this run's own, deleted at the end: no other worker takes its tasks.
    queue_name = f"celery-add-task-bench-{os.getpid()}"
    app.conf.task_default_queue = queue_name
    workers = start_workers(args.workers, queue_name, args.prefetch)
    try:
        took, sending = round_trips(args.count, args.x, args.y, args.timeout_s)
    finally:
        stop_workers(workers)
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue_name)
            connection.default_channel.exchange_delete(queue_name)
    processes = "1 worker process" if args.workers == 1 else f"{args.workers} worker processes"
    print(f"Python Celery: {args.count} tasks in {took:.3f} s = {args.count / took:.0f} tasks/s "
          f"({processes}, --pool solo; add.delay took {sending:.3f} s)")


if __name__ == "__main__":
    main()
