/* C reference of intro-serial-vs-parallel: JOBS jobs, each drawing SIZE random numbers in
 * [0, 1) (job k seeded with SEED + k) into a buffer of 64 Ki numbers that is folded into the
 * job's checksum (count, sum in drawing order, smallest, largest) each time it is full.
 * Usage: intro serial|threads JOBS SIZE SEED. Prints each job's checksum and the time, in the
 * recipe's words. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "xoshiro.h"

#define CHUNK (64 * 1024)

typedef struct {
    uint64_t count;
    double sum, min, max;
} checksum;

typedef struct {
    uint64_t size, seed;
    checksum result;
} job;

static void add_all(checksum *c, const double *values, size_t n) {
    for (size_t i = 0; i < n; i++) {
        double value = values[i];
        c->count += 1;
        c->sum += value;
        if (value < c->min) c->min = value;
        if (value > c->max) c->max = value;
    }
}

static void *do_something(void *arg) {
    job *j = arg;
    xoshiro rng = xoshiro_seed(j->seed);
    double *out_list = malloc(CHUNK * sizeof(double));
    if (out_list == NULL) {
        perror("malloc");
        exit(1);
    }
    checksum c = {0, 0.0, 1.0 / 0.0, -1.0 / 0.0};
    for (uint64_t left = j->size; left > 0;) {
        size_t take = left < CHUNK ? (size_t)left : CHUNK;
        for (size_t i = 0; i < take; i++) out_list[i] = xoshiro_double(&rng);
        add_all(&c, out_list, take);
        left -= take;
    }
    free(out_list);
    j->result = c;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 5 || (strcmp(argv[1], "serial") && strcmp(argv[1], "threads"))) {
        fprintf(stderr, "usage: intro serial|threads JOBS SIZE SEED\n");
        return 2;
    }
    int threads = strcmp(argv[1], "threads") == 0;
    unsigned jobs = (unsigned)strtoul(argv[2], NULL, 10);
    uint64_t size = strtoull(argv[3], NULL, 10), seed = strtoull(argv[4], NULL, 10);
    job *work = calloc(jobs, sizeof(job));
    pthread_t *ids = calloc(jobs, sizeof(pthread_t));
    if (jobs == 0 || work == NULL || ids == NULL) {
        fprintf(stderr, "intro: bad JOBS\n");
        return 2;
    }
    for (unsigned k = 0; k < jobs; k++) {
        work[k].size = size;
        work[k].seed = seed + k;
    }
    double start = now();
    if (threads) {
        for (unsigned k = 0; k < jobs; k++)
            if (pthread_create(&ids[k], NULL, do_something, &work[k]) != 0) {
                fprintf(stderr, "intro: cannot start a thread\n");
                return 1;
            }
        for (unsigned k = 0; k < jobs; k++) pthread_join(ids[k], NULL);
    } else {
        for (unsigned k = 0; k < jobs; k++) do_something(&work[k]);
    }
    double took = now() - start;
    for (unsigned k = 0; k < jobs; k++)
        printf("  job %u: %llu values, sum %.6f\n", k, (unsigned long long)work[k].result.count,
               work[k].result.sum);
    printf("%s time= %.6f\n", threads ? "multithreading" : "serial", took);
    free(work);
    free(ids);
    return 0;
}
