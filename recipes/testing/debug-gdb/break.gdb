# break.gdb: pdb's run / break / print / next / continue, with gdb.
#
#   gdb -batch -nx -x recipes/testing/debug-gdb/break.gdb --args target/debug/debug-gdb
set pagination off
set confirm off
# Every line of the loop goes through `show`, so this stops once per iteration.
break debug_gdb::show
run
# j = 0: print it, then step over the line that prints it and on, back into the loop in `go`.
print j
next
next
backtrace 3
# j = 1
continue
print j
# Let the rest of the loop run to the end.
delete
continue
