/* C reference of scoop-map-reduce's sequential map: ITEMS lists, list a holding a copies of a;
 * each is "worked on" (a sleep of SLEEP_MS milliseconds) and summed, and the sums are added.
 * Usage: map_reduce ITEMS SLEEP_MS. Prints the recipe's line for the sequential map. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

static uint64_t simulate_workload(const uint64_t *item, uint64_t length, long sleep_ms) {
    struct timespec pause = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
    while (nanosleep(&pause, &pause) != 0) {
    }
    uint64_t sum = 0;
    for (uint64_t i = 0; i < length; i++) sum += item[i];
    return sum;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: map_reduce ITEMS SLEEP_MS\n");
        return 2;
    }
    uint64_t n = strtoull(argv[1], NULL, 10);
    long sleep_ms = strtol(argv[2], NULL, 10);
    uint64_t **items = malloc(n * sizeof(uint64_t *));
    if (items == NULL) return 1;
    for (uint64_t a = 0; a < n; a++) {
        items[a] = malloc((a + 1) * sizeof(uint64_t));
        if (items[a] == NULL) return 1;
        for (uint64_t i = 0; i < a; i++) items[a][i] = a;
    }
    double start = now();
    uint64_t total = 0;
    for (uint64_t a = 0; a < n; a++) total += simulate_workload(items[a], a, sleep_ms);
    double took = now() - start;
    printf("sequential map executed in: %.3fs with result: %llu\n", took,
           (unsigned long long)total);
    for (uint64_t a = 0; a < n; a++) free(items[a]);
    free(items);
    return 0;
}
