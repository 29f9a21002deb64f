// Doubles every cell of a row-major matrix, one work-item per cell. The 2-D global size is
// (columns, rows), so get_global_id(0) is the column, get_global_id(1) the row, and the row
// stride is the matrix's real width, get_global_size(0). (The book hard-coded a stride of 4 on
// a 5-wide block; `stride` lets `--book-stride` reproduce that bug.)
__kernel void doubles_matrix(__global float *a, const int stride) {
  int idx = get_global_id(0) + get_global_id(1) * stride;
  a[idx] *= 2;
}
