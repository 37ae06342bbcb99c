/* Shell-style word splitting and FIELD=VALUE parsing for cardx. */
#include "client/cliparse.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "card/vcard.h"

void cliparse_free(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Appends word (taken over) to the NULL-terminated *argv of n words. */
static int push_word(char ***argv, int n, char *word)
{
    char **grown = realloc(*argv, (size_t)(n + 2) * sizeof(**argv));

    if (!grown)
        return -1;
    grown[n] = word;
    grown[n + 1] = NULL;
    *argv = grown;
    return 0;
}

/* Reads one word starting at *pp into out (big enough for the rest of the
 * line); advances *pp. Returns 0 or -1 for an unterminated quote. */
static int read_word(const char **pp, char *out)
{
    const char *p = *pp;
    char quote = 0;

    while (*p && (quote || !is_blank(*p))) {
        if (quote == '\'') {
            if (*p == '\'')
                quote = 0;
            else
                *out++ = *p;
        } else if (quote == '"') {
            if (*p == '"')
                quote = 0;
            else if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                *out++ = *++p;
            else
                *out++ = *p;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '\\' && p[1]) {
            *out++ = *++p;
        } else {
            *out++ = *p;
        }
        p++;
    }
    *out = '\0';
    *pp = p;
    return quote ? -1 : 0;
}

int cliparse_split(const char *line, char ***argv, char **err)
{
    const char *p = line;
    size_t len = strlen(line);
    int n = 0;

    *err = NULL;
    *argv = calloc(1, sizeof(**argv));
    if (!*argv)
        goto nomem;
    for (;;) {
        char *word;

        while (is_blank(*p))
            p++;
        if (!*p || *p == '#')
            return n;
        word = malloc(len + 1);
        if (!word)
            goto nomem;
        if (read_word(&p, word) < 0) {
            free(word);
            cliparse_free(*argv);
            *argv = NULL;
            *err = strdup("unterminated quote");
            return -1;
        }
        if (push_word(argv, n, word) < 0) {
            free(word);
            goto nomem;
        }
        n++;
    }
nomem:
    cliparse_free(*argv);
    *argv = NULL;
    *err = strdup("out of memory");
    return -1;
}

int cliparse_assignment(const char *arg, const char **field, const char **value)
{
    const char *eq = strchr(arg, '=');
    size_t n;

    *field = NULL;
    *value = NULL;
    if (!eq || eq == arg)
        return -1;
    n = (size_t)(eq - arg);
    for (const char *const *name = vcard_field_names(); *name; name++) {
        if (strlen(*name) == n && strncasecmp(*name, arg, n) == 0) {
            *field = *name;
            *value = eq + 1;
            return 0;
        }
    }
    return -2;
}
