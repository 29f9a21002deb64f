# remote.gdb: connect to the recipe's loopback port (relayed to gdbserver), as rpdb's client
# connects to its port; stop in my_func twice, then let the program finish.
#
#   gdb -batch -nx -ex 'set $port = 4444' -x recipes/testing/debug-gdbserver/remote.gdb \
#       target/debug/debug-gdbserver
set pagination off
set confirm off
# gdbserver runs on this machine: read the libraries from the local disk, not over the wire.
set sysroot /
if $_isvoid($port)
  set $port = 4444
end
eval "target remote 127.0.0.1:%d", $port
break debug_gdbserver::my_func
continue
print thread_number
info threads
continue
print thread_number
backtrace 2
delete
continue
