/* The one main() of the Check test programs: build a suite, run it, turn
 * the failure count into an exit status. */
#include "tests/lib/runner.h"

#include <stdio.h>
#include <stdlib.h>

int test_run(Suite *s, enum test_fork fork)
{
    SRunner *sr = srunner_create(s);
    int failed;

    /* CK_FORK=no in the environment still wins over TEST_FORK (valgrind
     * runs use it), as it did for every hand-written main(). */
    if (fork == TEST_NOFORK)
        srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}

int test_main(Suite *(*make)(void), enum test_fork fork)
{
    Suite *s = make();

    if (!s) {
        fprintf(stderr, "test_main: the suite could not be built\n");
        return EXIT_FAILURE;
    }
    return test_run(s, fork) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
