// The book's MatrixMulKernel: one work-item per cell of C = A·B, square MATRIX_SIZE×MATRIX_SIZE
// matrices in row-major order. MATRIX_SIZE is defined when the program is built (the book
// pasted it into the source with Python's % operator). The global size is (MATRIX_SIZE,
// MATRIX_SIZE), so tx and ty stay in bounds.
__kernel void MatrixMulKernel(__global const float *a, __global const float *b, __global float *c)
{
    int tx = get_global_id(0);
    int ty = get_global_id(1);
    float Pvalue = 0;
    for (int k = 0; k < MATRIX_SIZE; ++k) {
        float Aelement = a[ty * MATRIX_SIZE + k];
        float Belement = b[k * MATRIX_SIZE + tx];
        Pvalue += Aelement * Belement;
    }
    c[ty * MATRIX_SIZE + tx] = Pvalue;
}
