# trap.gdb: the program stops itself, as with pdb.set_trace() (`--trap` raises SIGTRAP).
#
#   gdb -batch -nx -x recipes/testing/debug-gdb/trap.gdb --args target/debug/debug-gdb --trap
set pagination off
set confirm off
# gdb stops on SIGTRAP and keeps it from the program (the default: stop, print, nopass).
run
# The stop is inside raise(); the loop is a few frames up.
frame function debug_gdb::PdbTest::go
print j
continue
frame function debug_gdb::PdbTest::go
print j
# Two stops are enough: let the remaining traps pass without stopping, to the end.
handle SIGTRAP nostop noprint
continue
