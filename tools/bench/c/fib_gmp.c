/* C reference of thread-perf's fib workload with GMP: the book's loop a, b = b, a + b, STEPS
 * times, on mpz integers (mpz_add in place, then swap, as the recipe's BigUint loop adds in
 * place and swaps). One call starts from 0 and 1 and returns F(STEPS); the best of REPEAT calls
 * is printed in the recipe's words, and the result is checked against GMP's mpz_fib_ui.
 * Usage: fib_gmp STEPS REPEAT. */
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

static void fib(mpz_t result, unsigned long steps) {
    mpz_t a, b;
    mpz_init(a);
    mpz_init_set_ui(b, 1);
    for (unsigned long step = 0; step < steps; step++) {
        mpz_add(a, a, b);
        mpz_swap(a, b);
    }
    mpz_swap(result, a);
    mpz_clear(a);
    mpz_clear(b);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fib_gmp STEPS REPEAT\n");
        return 2;
    }
    unsigned long steps = strtoul(argv[1], NULL, 10), repeat = strtoul(argv[2], NULL, 10);
    mpz_t result, expected;
    mpz_init(result);
    mpz_init(expected);
    double best = 1e300;
    for (unsigned long run = 0; run < repeat; run++) {
        double start = now();
        fib(result, steps);
        double took = now() - start;
        if (took < best) best = took;
        mpz_fib_ui(expected, steps);
        if (mpz_cmp(result, expected) != 0) {
            fprintf(stderr, "fib_gmp: the loop differs from mpz_fib_ui\n");
            return 1;
        }
    }
    char *digits = mpz_get_str(NULL, 10, result);
    printf("fib: every call returned F(%lu), %zu digits\n", steps, strlen(digits));
    printf("%-23s %.6f seconds\n", "non_threaded (1 iters)", best);
    free(digits);
    mpz_clear(result);
    mpz_clear(expected);
    return 0;
}
