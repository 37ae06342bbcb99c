/* Fuzz target for cardxd's INI config: config_load over the input (in a
 * memfd, read through /proc/self/fd) must fail with a one-line message
 * naming the file and leave the config as it was, or succeed, after which
 * loading the same file again changes nothing; validation must not crash. */
#include <sys/mman.h>
#include <unistd.h>

#include "component/config_int.h"
#include "fuzz/fuzzutil.h"

/* Whether every key of a and b holds the same value. */
static int config_same(const struct cardxd_config *a,
                       const struct cardxd_config *b, const char **key)
{
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key_spec *k = &config_keys[i];
        int same = k->type == KEY_STRING
                       ? fuzz_same(config_string_value(a, k),
                                   config_string_value(b, k))
                       : config_number_value(a, k) == config_number_value(b, k);
        if (!same) {
            *key = k->name;
            return 0;
        }
    }
    return 1;
}

/* A one-line error that names the file. */
static void check_message(const char *err, const char *path)
{
    FUZZ_CHECK(err != NULL, "failed without a message");
    FUZZ_CHECK(strncmp(err, path, strlen(path)) == 0,
               "message does not name the file: %s", err);
    FUZZ_CHECK(strchr(err, '\n') == NULL, "message of several lines: %s", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cardxd_config *cfg = config_new(), *defaults = config_new();
    char path[64], *err = NULL;
    const char *key = NULL;
    int fd = memfd_create("cardxd.conf", MFD_CLOEXEC);

    FUZZ_CHECK(cfg && defaults && fd >= 0, "setup failed");
    FUZZ_CHECK(write(fd, data, size) == (ssize_t)size, "write failed");
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (config_load(cfg, path, &err) < 0) {
        check_message(err, path);
        FUZZ_CHECK(config_same(cfg, defaults, &key), "a failed load changed %s",
                   key);
    } else {
        struct cardxd_config *once = config_copy(cfg);
        FUZZ_CHECK(once && err == NULL, "loaded with a message");
        FUZZ_CHECK(config_load(cfg, path, &err) == 0,
                   "the second load failed: %s", fuzz_str(err));
        FUZZ_CHECK(config_same(cfg, once, &key),
                   "loading the file twice changed %s", key);
        config_free(once);
        if (config_validate(cfg, &err) < 0)
            FUZZ_CHECK(err && !strchr(err, '\n'), "bad validation message");
    }
    free(err);
    close(fd);
    config_free(cfg);
    config_free(defaults);
    return 0;
}
