/* Fuzz target for the client's settings. The first input byte picks the
 * way in: the INI file (settings_load, from a 0600 memfd) or key=value
 * lines given to settings_set as the command line does. Either way what
 * settings_save writes must load back to the same values. */
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client/settings.h"
#include "fuzz/fuzzutil.h"

/* Loads the input as the settings file; 0 when it was accepted. */
static int from_file(struct cardx_settings *s, const char *text)
{
    char path[64], *err = NULL;
    int fd = memfd_create("cardx.conf", MFD_CLOEXEC), rc;

    FUZZ_CHECK(fd >= 0 && fchmod(fd, 0600) == 0, "memfd failed");
    FUZZ_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text),
               "write failed");
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    rc = settings_load(s, path, 1, &err);
    FUZZ_CHECK((rc == 0) == (err == NULL), "code %d with message '%s'", rc,
               fuzz_str(err));
    FUZZ_CHECK(!err || !strchr(err, '\n'), "message of several lines: %s", err);
    free(err);
    close(fd);
    return rc;
}

/* Gives each key=value line of text to settings_set; 0 when every one was
 * accepted. A password set so is never saved (settings_save writes only
 * the file's), so it is not compared. */
static int from_options(struct cardx_settings *s, char *text)
{
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *eq = strchr(line, '='), *err = NULL;
        int rc;
        if (!eq)
            continue;
        *eq = '\0';
        rc = settings_set(s, line, eq + 1, &err);
        free(err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The saved keys of a and b are equal, or abort naming the first not. */
static void check_same(const struct cardx_settings *a,
                       const struct cardx_settings *b)
{
    const struct {
        const char *name, *x, *y;
    } strs[] = {
        {"jid", a->jid, b->jid},
        {"server", a->server_host, b->server_host},
        {"component", a->component, b->component},
        {"phone", a->phone, b->phone},
        {"cafile", a->cafile, b->cafile},
        {"password", a->file_password, b->file_password},
    };

    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        FUZZ_CHECK(fuzz_same(strs[i].x, strs[i].y),
                   "saved and loaded, %s '%s' became '%s'", strs[i].name,
                   fuzz_str(strs[i].x), fuzz_str(strs[i].y));
    FUZZ_CHECK(a->server_port == b->server_port, "server port %d became %d",
               a->server_port, b->server_port);
    FUZZ_CHECK(a->tls == b->tls, "tls %d became %d", a->tls, b->tls);
}

/* The directory every input saves its settings into; made at the first
 * input and removed when the fuzzer exits, so runs leave nothing in /tmp. */
static char dir[] = "/tmp/fuzz-settings-XXXXXX";

static void dir_remove(void)
{
    char path[sizeof(dir) + 16];

    snprintf(path, sizeof(path), "%s/cardx.conf", dir);
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int have_dir;
    struct cardx_settings *s = settings_new(), *back = settings_new();
    char *text, *err = NULL;
    int rc;

    if (!have_dir && (have_dir = mkdtemp(dir) != NULL))
        atexit(dir_remove);
    FUZZ_CHECK(s && back && have_dir, "setup failed");
    text = size ? fuzz_string(data + 1, size - 1) : NULL;
    if (!text)
        goto out;
    rc = data[0] % 2 ? from_options(s, text) : from_file(s, text);
    if (rc == 0) {
        s->config_path = malloc(sizeof(dir) + 16);
        FUZZ_CHECK(s->config_path != NULL, "out of memory");
        snprintf(s->config_path, sizeof(dir) + 16, "%s/cardx.conf", dir);
        FUZZ_CHECK(settings_save(s, &err) == 0, "save failed: %s",
                   fuzz_str(err));
        FUZZ_CHECK(settings_load(back, s->config_path, 1, &err) == 0,
                   "the saved file does not load: %s", fuzz_str(err));
        check_same(s, back);
    }
out:
    free(err);
    free(text);
    settings_free(s);
    settings_free(back);
    return 0;
}
