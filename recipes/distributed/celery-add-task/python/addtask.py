"""The Celery side of the celery-add-task recipe: the book's addTask.py, set up so the Rust
worker and sender can talk to it.

Run a Python worker from this folder:

    python3 -m celery -A addtask worker --pool solo --loglevel=info

Environment: ADDTASK_BROKER (default amqp://guest@127.0.0.1//), ADDTASK_QUEUE (the queue
add.delay sends to; default celery) and ADDTASK_PREFETCH (unacknowledged tasks a worker of
concurrency 1 may hold; default 1). The tests give each run a queue of its own.
"""
import os

from celery import Celery

app = Celery(
    "addTask",
    broker=os.environ.get("ADDTASK_BROKER", "amqp://guest@127.0.0.1//"),
    # Results come back on a reply queue named in each task's reply_to property.
    backend="rpc://",
)
app.conf.task_default_queue = os.environ.get("ADDTASK_QUEUE", "celery")
# Acknowledge after the task ran, as the Rust worker does: a killed worker's task is redone.
app.conf.task_acks_late = True
app.conf.worker_prefetch_multiplier = int(os.environ.get("ADDTASK_PREFETCH", "1"))
# A missing broker should fail at once rather than retry quietly.
app.conf.broker_connection_retry_on_startup = False


# The explicit name keeps the book's task name, addTask.add, for a module named addtask.
@app.task(name="addTask.add")
def add(x, y):
    return x + y
