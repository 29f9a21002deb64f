/* C reference of futures-pool's sequential phase: items 1..ITEMS, each the book's counting loop
 * of STEPS increments returning the count times the item. Every increment goes through
 * black_box, the same barrier as Rust's std::hint::black_box (the counter's address escapes
 * into an empty asm statement that may read and write memory), so neither compiler can fold
 * the loop into its closed form. Usage: futures_count ITEMS STEPS. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"

static inline void black_box(uint64_t *value) { __asm__ volatile("" : : "r"(value) : "memory"); }

static uint64_t count(uint64_t steps, uint64_t number) {
    uint64_t i = 0;
    for (uint64_t step = 0; step < steps; step++) {
        i = i + 1;
        black_box(&i);
    }
    return i * number;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: futures_count ITEMS STEPS\n");
        return 2;
    }
    uint64_t items = strtoull(argv[1], NULL, 10), steps = strtoull(argv[2], NULL, 10);
    uint64_t *results = malloc((items + 1) * sizeof(uint64_t));
    if (results == NULL) return 1;
    double start = now();
    for (uint64_t item = 1; item <= items; item++) results[item] = count(steps, item);
    double took = now() - start;
    for (uint64_t item = 1; item <= items; item++)
        printf("Item %llu, result %llu\n", (unsigned long long)item,
               (unsigned long long)results[item]);
    printf("Sequential Execution in %.6f seconds\n", took);
    free(results);
    return 0;
}
