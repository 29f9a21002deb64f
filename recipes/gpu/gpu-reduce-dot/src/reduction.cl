// PyCUDA's ReductionKernel as a template. The host fills in the element type, the kernel's
// name and arguments, the map expression (the value contributed by element i), the reduce
// expression (combining two values a and b) and the neutral element of the reduction.
@TYPE@ reduce_op(@TYPE@ a, @TYPE@ b) { return @REDUCE_EXPR@; }

// Each work-group reduces its slice of the input to one partial result in `partial`.
// Every work-item puts one mapped element into the group's local memory; past the end (the
// last group is usually partial) it puts the neutral element, which changes nothing. Then a
// tree: at each step the first half of the active work-items combine their value with the
// second half's, until work-item 0 holds the group's result. The barrier after each step lets
// every work-item see the others' writes; the group size must be a power of two.
__kernel void @NAME@(@ARGUMENTS@, const uint n, __local @TYPE@ *scratch,
                     __global @TYPE@ *partial) {
  uint lid = get_local_id(0);
  uint i = get_global_id(0);
  scratch[lid] = i < n ? (@TYPE@)(@MAP_EXPR@) : (@TYPE@)(@NEUTRAL@);
  barrier(CLK_LOCAL_MEM_FENCE);
  for (uint active = get_local_size(0) / 2; active > 0; active /= 2) {
    if (lid < active) {
      scratch[lid] = reduce_op(scratch[lid], scratch[lid + active]);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0) {
    partial[get_group_id(0)] = scratch[0];
  }
}
