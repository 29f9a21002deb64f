// The core of the generalized ufunc (m,n),(n,p)->(m,p): one work-item per cell (i, j) of C.
// The global size is (p, m), so i < m and j < p; the loop runs over the shared dimension n.
__kernel void matmul(__global const int *A, __global const int *B, __global int *C,
                     const int n, const int p) {
  int j = get_global_id(0);
  int i = get_global_id(1);
  int sum = 0;
  for (int k = 0; k < n; ++k) {
    sum += A[i * n + k] * B[k * p + j];
  }
  C[i * p + j] = sum;
}
