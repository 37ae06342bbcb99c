/* Runs tests/slix/standard_client.py, a client on slixmpp (a stack that is
 * not ours), against a real server and cardxd started by the harness.
 * Check-free: the script asserts each step itself; this program creates the
 * accounts (slixmpp 1.8 cannot register before login), runs the script
 * within a time limit and passes on its verdict. A Python without slixmpp
 * is a failure, with a line saying what to install. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/harness.h"

#define SLIX_PASSWORD "slix-pw"
/* The script bounds itself at 150 s; this is the backstop. */
#define SLIX_DEADLINE_S 180

/* Runs argv and returns its wait status, killing it after deadline_s; -1
 * when it could not be started. */
static int run(char *const argv[], int deadline_s)
{
    pid_t pid = fork();
    time_t end = time(NULL) + deadline_s;
    int status;

    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* Never outlive this driver, which owns the servers. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execv(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);

        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        if (time(NULL) >= end) {
            fprintf(stderr, "test_slix: %s ran over %d s: killed\n", argv[0],
                    deadline_s);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return status;
        }
        usleep(100 * 1000);
    }
}

static int exited_ok(int status)
{
    return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int start_servers(struct harness *h)
{
    if (harness_server_start(h) != 0 ||
        harness_cardxd_config_append(h, "[limits]\nfetch_timeout = 3000\n") !=
            0 ||
        harness_cardxd_start(h) != 0 ||
        harness_cardxd_wait_connected(h, 10000) != 0) {
        fprintf(stderr, "test_slix: the server or cardxd did not start\n");
        return -1;
    }
    if (harness_register(h, "slix_a", SLIX_PASSWORD) != 0 ||
        harness_register(h, "slix_b", SLIX_PASSWORD) != 0) {
        fprintf(stderr, "test_slix: cannot create the accounts\n");
        return -1;
    }
    return 0;
}

int main(void)
{
    const char *python = getenv("CARDX_PYTHON");
    const char *srcdir = getenv("CARDX_SRCDIR");
    char script[4096], port[16];
    struct harness *h;
    int status, rc = EXIT_FAILURE;

    if (!python || !*python)
        python = "/usr/bin/python3"; /* Debian's, where python3-slixmpp is */
    if (!srcdir || !*srcdir)
        srcdir = SRCDIR;
    {
        char *const probe[] = {(char *)python, "-c", "import slixmpp", NULL};

        /* A skip would prove nothing: the test command installs it. */
        if (!exited_ok(run(probe, 30))) {
            printf("test_slix: %s cannot import slixmpp: install "
                   "python3-slixmpp (scripts/install-deps.sh does)\n",
                   python);
            return EXIT_FAILURE;
        }
    }
    snprintf(script, sizeof(script),
             "%s/tests/integration/slix/standard_client.py", srcdir);
    h = harness_new();
    if (!h)
        return EXIT_FAILURE;
    if (start_servers(h) == 0) {
        char *const argv[] = {(char *)python,
                              script,
                              "--host",
                              "127.0.0.1",
                              "--port",
                              port,
                              "--domain",
                              (char *)harness_domain(h),
                              "--component",
                              (char *)harness_component_domain(h),
                              "--password",
                              SLIX_PASSWORD,
                              NULL};

        snprintf(port, sizeof(port), "%d", harness_c2s_port(h));
        fflush(stdout);
        status = run(argv, SLIX_DEADLINE_S);
        if (exited_ok(status))
            rc = EXIT_SUCCESS;
        else
            fprintf(stderr,
                    "test_slix: the slixmpp scenario failed "
                    "(wait status %d)\n",
                    status);
    }
    if (rc != EXIT_SUCCESS)
        harness_keep_rundir(h);
    harness_free(h);
    return rc;
}
