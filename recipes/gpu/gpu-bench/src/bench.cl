// The book's test kernel: c[i] = a[i] + b[i], recomputed `repeat` times per element so that
// the device has work worth timing. Written as the book's loop of identical stores, the
// compiler would keep one store and drop the loop; here each pass feeds the next: `s * 0.0f`
// is not 0 to a compiler that must respect infinities, NaNs and the sign of zero, so it cannot
// be folded away, yet for finite inputs it adds exactly nothing and c[i] ends as a[i] + b[i].
// The global size equals the vectors' length, so `i` stays in bounds.
__kernel void sum(__global const float *a, __global const float *b, __global float *c,
                  const int repeat) {
  int i = get_global_id(0);
  float s = 0.0f;
  for (int j = 0; j < repeat; j++) {
    s = a[i] + b[i] + s * 0.0f;
  }
  c[i] = s;
}
