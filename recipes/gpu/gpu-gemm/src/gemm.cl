// GEMM: C = alpha·A·B + beta·D, every matrix row-major; A is M×K, B is K×N, C and D are M×N.
// Both kernels take the 2-D global size (columns, rows): work-item (col, row) computes C's
// cell (row, col). When beta is 0, D is not read (as in BLAS), so it may be anything.

// Naive: each work-item reads a whole row of A and a whole column of B from global memory,
// so every element of A and B is fetched N (or M) times.
__kernel void gemm_naive(const int M, const int N, const int K, const float alpha,
                         __global const float *A, __global const float *B, const float beta,
                         __global const float *D, __global float *C) {
  int col = get_global_id(0);
  int row = get_global_id(1);
  if (row >= M || col >= N) {
    return;
  }
  float acc = 0.0f;
  for (int k = 0; k < K; ++k) {
    acc += A[row * K + k] * B[k * N + col];
  }
  C[row * N + col] = beta == 0.0f ? alpha * acc : alpha * acc + beta * D[row * N + col];
}

// Tiled: a 16×16 work-group computes a 16×16 tile of C. It walks along K one 16×16 tile of A
// and one of B at a time: each work-item copies one element of each into local memory, the
// group waits at a barrier, then every work-item does 16 multiply-adds out of local memory.
// Each element of A and B is read from global memory N/16 (M/16) times instead of N (M).
// Tiles hanging over the matrices' edges (sizes not multiples of 16) are padded with zeros,
// which add nothing; work-items outside C compute but do not write.
#define TILE 16
__kernel void gemm_tiled(const int M, const int N, const int K, const float alpha,
                         __global const float *A, __global const float *B, const float beta,
                         __global const float *D, __global float *C) {
  __local float tile_a[TILE][TILE];
  __local float tile_b[TILE][TILE];
  int tx = get_local_id(0);
  int ty = get_local_id(1);
  int col = get_group_id(0) * TILE + tx;
  int row = get_group_id(1) * TILE + ty;
  float acc = 0.0f;
  for (int t = 0; t < K; t += TILE) {
    tile_a[ty][tx] = (row < M && t + tx < K) ? A[row * K + t + tx] : 0.0f;
    tile_b[ty][tx] = (t + ty < K && col < N) ? B[(t + ty) * N + col] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = 0; k < TILE; ++k) {
      acc += tile_a[ty][k] * tile_b[k][tx];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (row < M && col < N) {
    C[row * N + col] = beta == 0.0f ? alpha * acc : alpha * acc + beta * D[row * N + col];
  }
}
