/* C reference of scoop-montecarlo-pi: ROUNDS rounds, round r throwing r*SCALE work items of
 * r*SCALE points each; work item i of round r draws from a generator seeded with
 * SEED ^ (((r << 32) | i) * 0x9E3779B97F4A7C15), as the recipe's item_rng does, so both count
 * the same hits. The items are cut into THREADS contiguous ranges, one pthread each (1: no
 * thread). Usage: montecarlo_pi ROUNDS SCALE SEED THREADS. Prints the recipe's lines. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "xoshiro.h"

static uint64_t points_in_circle(uint32_t attempts, xoshiro *rng) {
    uint64_t hits = 0;
    for (uint32_t i = 0; i < attempts; i++) {
        double x = xoshiro_double(rng), y = xoshiro_double(rng);
        if (x * x + y * y < 1.0) hits += 1;
    }
    return hits;
}

typedef struct {
    uint64_t seed;
    uint32_t round, first, last, attempts;
    uint64_t hits;
} range;

static void *run_range(void *arg) {
    range *r = arg;
    uint64_t hits = 0;
    for (uint32_t item = r->first; item < r->last; item++) {
        uint64_t key = ((uint64_t)r->round << 32) | item;
        xoshiro rng = xoshiro_seed(r->seed ^ (key * 0x9E3779B97F4A7C15ULL));
        hits += points_in_circle(r->attempts, &rng);
    }
    r->hits = hits;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: montecarlo_pi ROUNDS SCALE SEED THREADS\n");
        return 2;
    }
    uint32_t rounds = (uint32_t)strtoul(argv[1], NULL, 10);
    uint32_t scale = (uint32_t)strtoul(argv[2], NULL, 10);
    uint64_t seed = strtoull(argv[3], NULL, 10);
    unsigned threads = (unsigned)strtoul(argv[4], NULL, 10);
    if (threads == 0 || threads > 256) {
        fprintf(stderr, "montecarlo_pi: THREADS must be 1 to 256\n");
        return 2;
    }
    range ranges[256];
    pthread_t ids[256];
    for (uint32_t round = 1; round <= rounds; round++) {
        uint32_t size = round * scale;
        printf("number of workers %u - number of attempts %u\n", size, size);
        double start = now();
        for (unsigned t = 0; t < threads; t++) {
            ranges[t] = (range){seed, round, (uint32_t)((uint64_t)size * t / threads),
                                (uint32_t)((uint64_t)size * (t + 1) / threads), size, 0};
            if (threads > 1 && pthread_create(&ids[t], NULL, run_range, &ranges[t]) != 0) {
                fprintf(stderr, "montecarlo_pi: cannot start a thread\n");
                return 1;
            }
        }
        uint64_t hits = 0;
        for (unsigned t = 0; t < threads; t++) {
            if (threads > 1)
                pthread_join(ids[t], NULL);
            else
                run_range(&ranges[t]);
            hits += ranges[t].hits;
        }
        double took = now() - start;
        double pi = 4.0 * (double)hits / ((double)size * (double)size);
        printf("%llu points fallen in a unit disk after\n", (unsigned long long)(hits / size));
        printf("value of pi = %.17g\n", pi);
        printf("error percentage = %.17g\n", fabs(pi - M_PI) * 100.0 / M_PI);
        printf("total time: %.9f\n\n", took);
    }
    return 0;
}
