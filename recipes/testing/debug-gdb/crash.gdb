# crash.gdb: a post-mortem, as pdb.pm() after an exception (`--crash` panics in iteration 5).
#
#   gdb -batch -nx -x recipes/testing/debug-gdb/crash.gdb --args target/debug/debug-gdb --crash
set pagination off
set confirm off
# Every panic passes through std's `rust_panic` before it unwinds the stack: stopping there
# keeps the frames that panicked, with their variables.
break rust_panic
run
backtrace 8
frame function debug_gdb::PdbTest::go
print j
# How many lines the loop had printed before it crashed.
print printed.len
kill
