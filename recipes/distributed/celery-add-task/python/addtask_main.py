"""The book's addTask_main.py, reading the result: sends add(x, y) (default 5, 5) through
Celery and prints the task id, then the result, which a worker (Python or Rust) computed.

    python3 addtask_main.py [x y]
"""
import sys

from addtask import add

if __name__ == "__main__":
    x, y = (int(arg) for arg in sys.argv[1:3]) if len(sys.argv) >= 3 else (5, 5)
    result = add.delay(x, y)
    print(f"Task addTask.add[{result.id}] sent: add({x}, {y})", flush=True)
    print(result.get(timeout=10))
