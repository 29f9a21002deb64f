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

// Register-blocked: each work-item computes an 8×8 block of C (8 rows, 8 adjacent columns)
// and keeps it in registers as eight float8s. Each step along K takes four values of K at
// once: a float4 from each of the block's 8 rows of A and a float8 from each of 4 rows of B,
// then 256 multiply-adds entirely in registers. A and B are read from global memory N/8 and
// M/8 times instead of N and M, and every load is a vector load (vloadn needs no alignment
// beyond a float's). Neighbouring work-items along dimension 0 read neighbouring columns,
// which lets a CPU runtime such as PoCL pack them into wider SIMD registers. Blocks at the
// right or bottom edge (sizes not multiples of 8) take a plain guarded loop instead.
#define BLOCK_ROWS 8
#define BLOCK_COLS 8
__kernel void gemm_blocked(const int M, const int N, const int K, const float alpha,
                           __global const float *A, __global const float *B, const float beta,
                           __global const float *D, __global float *C) {
  int col0 = get_global_id(0) * BLOCK_COLS;
  int row0 = get_global_id(1) * BLOCK_ROWS;
  if (row0 >= M || col0 >= N) {
    return;
  }
  if (row0 + BLOCK_ROWS > M || col0 + BLOCK_COLS > N) {
    for (int row = row0; row < min(row0 + BLOCK_ROWS, M); ++row) {
      for (int col = col0; col < min(col0 + BLOCK_COLS, N); ++col) {
        float acc = 0.0f;
        for (int k = 0; k < K; ++k) {
          acc += A[row * K + k] * B[k * N + col];
        }
        C[row * N + col] = beta == 0.0f ? alpha * acc : alpha * acc + beta * D[row * N + col];
      }
    }
    return;
  }
  float8 acc[BLOCK_ROWS];
  for (int r = 0; r < BLOCK_ROWS; ++r) {
    acc[r] = (float8)(0.0f);
  }
  int k = 0;
  for (; k + 4 <= K; k += 4) {
    float8 b0 = vload8(0, B + (k + 0) * N + col0);
    float8 b1 = vload8(0, B + (k + 1) * N + col0);
    float8 b2 = vload8(0, B + (k + 2) * N + col0);
    float8 b3 = vload8(0, B + (k + 3) * N + col0);
#pragma unroll
    for (int r = 0; r < BLOCK_ROWS; ++r) {
      float4 a = vload4(0, A + (row0 + r) * K + k);
      acc[r] = mad((float8)(a.x), b0, acc[r]);
      acc[r] = mad((float8)(a.y), b1, acc[r]);
      acc[r] = mad((float8)(a.z), b2, acc[r]);
      acc[r] = mad((float8)(a.w), b3, acc[r]);
    }
  }
  for (; k < K; ++k) {
    float8 b = vload8(0, B + k * N + col0);
#pragma unroll
    for (int r = 0; r < BLOCK_ROWS; ++r) {
      acc[r] = mad((float8)(A[(row0 + r) * K + k]), b, acc[r]);
    }
  }
#pragma unroll
  for (int r = 0; r < BLOCK_ROWS; ++r) {
    __global float *c = C + (row0 + r) * N + col0;
    float8 result = alpha * acc[r];
    if (beta != 0.0f) {
      result += beta * vload8(0, D + (row0 + r) * N + col0);
    }
    vstore8(result, 0, c);
  }
}
