/* The one main() of the Check test programs: build a suite, run it, turn
 * the failure count into an exit status. */
#ifndef CARDX_TESTS_RUNNER_H
#define CARDX_TESTS_RUNNER_H

#include <check.h>

/* Whether each test runs in a child process (Check's default, which keeps a
 * crash to one test) or in this one (integration tests: the harness, its
 * servers and clients live in the process, so tests share them). */
enum test_fork { TEST_FORK, TEST_NOFORK };

/* Runs every test of s, then frees s; returns how many tests failed. */
int test_run(Suite *s, enum test_fork fork);

/* Builds the suite with make, runs it; EXIT_SUCCESS when nothing failed. */
int test_main(Suite *(*make)(void), enum test_fork fork);

/* The whole main() of a test program whose suite make builds. */
#define TEST_MAIN(make)                                                        \
    int main(void)                                                             \
    {                                                                          \
        return test_main((make), TEST_FORK);                                   \
    }

/* TEST_MAIN() for tests that must share this process (see test_fork). */
#define TEST_MAIN_NOFORK(make)                                                 \
    int main(void)                                                             \
    {                                                                          \
        return test_main((make), TEST_NOFORK);                                 \
    }

#endif
