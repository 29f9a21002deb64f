# threads.gdb: stop debug-gdb-threads while its three threads are at work, list them by name
# and print every thread's backtrace, then let the program finish.
#
#   gdb -batch -nx -x recipes/testing/debug-gdb-threads/threads.gdb \
#       --args target/debug/debug-gdb-threads --tick-ms 200
set pagination off
set confirm off
set print thread-events off
break debug_gdb_threads::work
# Each thread enters `work` once. The first two stops are skipped: at the third, every thread
# has started and given the operating system its name, and none has finished its sleep.
ignore 1 2
run
info threads
# The innermost frames are enough to see where each thread is: sleeping, joining, or in `work`.
thread apply all backtrace 10
delete
continue
