// What PyCUDA's GPUArray runs for `2 * a_gpu`: a new array whose every element is `factor`
// times the input's. The global size equals the arrays' length, so `i` stays in bounds.
__kernel void scale(const float factor, __global const float *x, __global float *result) {
  size_t i = get_global_id(0);
  result[i] = factor * x[i];
}
