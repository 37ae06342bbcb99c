/* Shell-style word splitting and FIELD=VALUE parsing for cardx. */
#include "client/cliparse.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "card/vcard.h"
#include "common/errors.h"
#include "common/util.h"

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

/* Fails a split: no words, and *err saying why (NULL if even that
 * allocation failed). */
static int split_fail(struct strv *sv, char ***argv, char **err, int code)
{
    strv_clear(sv);
    *argv = NULL;
    *err = strdup(code == CX_EINVAL ? "unterminated quote" : "out of memory");
    return code;
}

int cliparse_split(const char *line, char ***argv, char **err)
{
    struct strv sv = {0};
    const char *p = line;
    char *word = malloc(strlen(line) + 1); /* big enough for any word */
    int rc = 0;

    *err = NULL;
    while (word && rc == 0) {
        while (is_blank(*p))
            p++;
        if (!*p || *p == '#')
            break;
        rc = read_word(&p, word) < 0 ? CX_EINVAL : strv_push(&sv, word);
    }
    free(word);
    if (!word || rc < 0)
        return split_fail(&sv, argv, err, word ? rc : CX_ENOMEM);
    /* No words is an empty array, not NULL. */
    *argv = sv.v ? sv.v : calloc(1, sizeof(**argv));
    if (!*argv)
        return split_fail(&sv, argv, err, CX_ENOMEM);
    return (int)sv.n;
}

int cliparse_assignment(const char *arg, const char **field, const char **value)
{
    const char *eq = strchr(arg, '=');
    size_t n;

    *field = NULL;
    *value = NULL;
    if (!eq || eq == arg)
        return CX_EINVAL;
    n = (size_t)(eq - arg);
    for (const char *const *name = vcard_field_names(); *name; name++) {
        if (strlen(*name) == n && strncasecmp(*name, arg, n) == 0) {
            *field = *name;
            *value = eq + 1;
            return 0;
        }
    }
    return CX_ENOTFOUND;
}
