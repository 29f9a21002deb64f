// The kernel PyCUDA's ElementwiseKernel writes for you, as a template: the host fills in the
// kernel's name, its arguments and the operation (see `elementwise_kernel` in main.rs). The
// operation is written for one index `i`; each work-item applies it to i = its global id, then
// strides by the global size, so any global size covers all `n` elements and none past the end.
__kernel void @NAME@(@ARGUMENTS@, const uint n) {
  for (uint i = get_global_id(0); i < n; i += get_global_size(0)) {
    @OPERATION@;
  }
}
