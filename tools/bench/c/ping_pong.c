/* C reference of mpi-p2p's ping_pong example, on MPICH directly: ranks 0 and 1 bounce messages
 * of 1, 2, 4, ... MAX_BYTES bytes with MPI_Send and MPI_Recv; rank 0 times five batches of
 * round trips per size (the example's count: enough to move 16 MiB, within 4..400) after one
 * untimed round trip, keeps the fastest batch, checks the echo, and prints the example's row.
 * Usage: mpiexec -n 2 ping_pong MAX_BYTES. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCHES 5

static long repetitions(long size) {
    long reps = (16L << 20) / size;
    return reps < 4 ? 4 : reps > 400 ? 400 : reps;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size_of_world;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size_of_world);
    if (argc != 2 || size_of_world != 2) {
        if (rank == 0) fprintf(stderr, "usage: mpiexec -n 2 ping_pong MAX_BYTES\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    long max_bytes = strtol(argv[1], NULL, 10);
    unsigned char *buffer = malloc(max_bytes), *sent = malloc(max_bytes);
    if (buffer == NULL || sent == NULL) MPI_Abort(MPI_COMM_WORLD, 1);
    int partner = 1 - rank, garbled = 0;
    if (rank == 0) printf("%10s %8s %16s %12s\n", "bytes", "batch", "round trip (us)", "MB/s");
    for (long size = 1; size <= max_bytes; size *= 2) {
        long reps = repetitions(size);
        if (rank == 0) {
            for (long i = 0; i < size; i++) sent[i] = (unsigned char)((i + size) % 251);
            memcpy(buffer, sent, size);
            MPI_Send(buffer, (int)size, MPI_BYTE, partner, 0, MPI_COMM_WORLD);
            memset(buffer, 0, size);
            MPI_Recv(buffer, (int)size, MPI_BYTE, partner, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            garbled |= memcmp(buffer, sent, size) != 0;
            double best = 1e300;
            for (int batch = 0; batch < BATCHES; batch++) {
                double start = MPI_Wtime();
                for (long r = 0; r < reps; r++) {
                    MPI_Send(buffer, (int)size, MPI_BYTE, partner, 0, MPI_COMM_WORLD);
                    MPI_Recv(buffer, (int)size, MPI_BYTE, partner, 0, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE);
                }
                double took = MPI_Wtime() - start;
                if (took < best) best = took;
            }
            double round_trip = best / (double)reps;
            printf("%10ld %8ld %16.2f %12.1f\n", size, reps, round_trip * 1e6,
                   (double)size / (round_trip / 2.0) / 1e6);
        } else {
            for (long r = 0; r <= BATCHES * reps; r++) {
                MPI_Recv(buffer, (int)size, MPI_BYTE, partner, 0, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
                MPI_Send(buffer, (int)size, MPI_BYTE, partner, 0, MPI_COMM_WORLD);
            }
        }
    }
    if (rank == 0 && garbled) fprintf(stderr, "ping_pong: an echo differed from what was sent\n");
    free(buffer);
    free(sent);
    MPI_Finalize();
    return garbled;
}
