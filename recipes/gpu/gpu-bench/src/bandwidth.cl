// One pass over three large vectors: two reads and one write per element, to measure how
// fast the device moves memory. The global size equals the vectors' length, so `i` stays in
// bounds.
__kernel void vector_add(__global const float *a, __global const float *b, __global float *c) {
  size_t i = get_global_id(0);
  c[i] = a[i] + b[i];
}
