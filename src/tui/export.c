/* export: CSV and NDJSON writers for `:save` (see export.h). */
#include "export.h"

#include "json_writer.h"
#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tui_table_init(tui_table *t, const char *const *cols, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->ncols = ncols;
}

void tui_table_fini(tui_table *t)
{
    for (size_t i = 0; i < t->ncells; i++)
        free(t->cells[i].text);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

void tui_table_add(tui_table *t, tui_cell_kind kind, const char *text)
{
    if (t->ncells == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->cells = xreallocarray(t->cells, t->cap, sizeof *t->cells);
    }
    if (!text)
        kind = TUI_CELL_NULL;
    t->cells[t->ncells++] = (tui_cell){kind, text ? xstrdup(text) : NULL};
}

size_t tui_table_rows(const tui_table *t)
{
    return t->ncols ? t->ncells / t->ncols : 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

tui_export_format tui_export_format_for(const char *path)
{
    return ends_with(path, ".ndjson") || ends_with(path, ".jsonl") ? TUI_EXPORT_NDJSON
                                                                   : TUI_EXPORT_CSV;
}

/* RFC 4180 §2: a field holding a comma, a quote or a line break is quoted, quotes doubled. */
static void csv_field(FILE *out, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void write_csv(FILE *out, const tui_table *t)
{
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', out);
        csv_field(out, t->cols[c]);
    }
    fputs("\r\n", out);
    for (size_t r = 0; r < tui_table_rows(t); r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            if (c)
                fputc(',', out);
            csv_field(out, t->cells[r * t->ncols + c].text);
        }
        fputs("\r\n", out);
    }
}

static void write_ndjson(FILE *out, const tui_table *t)
{
    json_writer jw;
    jw_init(&jw);
    for (size_t r = 0; r < tui_table_rows(t); r++) {
        jw_reset(&jw);
        jw_object_begin(&jw);
        for (size_t c = 0; c < t->ncols; c++) {
            const tui_cell *cell = &t->cells[r * t->ncols + c];
            jw_key(&jw, t->cols[c]);
            if (cell->kind == TUI_CELL_NULL)
                jw_null(&jw);
            else if (cell->kind == TUI_CELL_RAW)
                jw_raw(&jw, cell->text, strlen(cell->text));
            else
                jw_string(&jw, cell->text);
        }
        jw_object_end(&jw);
        fwrite(jw.buf, 1, jw.len, out);
        fputc('\n', out);
    }
    jw_fini(&jw);
}

bool tui_export_write(FILE *out, const tui_table *t, tui_export_format fmt)
{
    if (fmt == TUI_EXPORT_NDJSON)
        write_ndjson(out, t);
    else
        write_csv(out, t);
    return fflush(out) == 0 && !ferror(out);
}

FILE *tui_export_create(const char *path, bool force, char *full, size_t full_size, char *msg,
                        size_t msg_size)
{
    const char *home = getenv("HOME");
    if (strncmp(path, "~/", 2) == 0 && home)
        snprintf(full, full_size, "%s/%s", home, path + 2);
    else
        snprintf(full, full_size, "%s", path);
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
    int fd = open(full, flags, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            snprintf(msg, msg_size, "%s exists; :save! %s overwrites it", full, path);
        else
            snprintf(msg, msg_size, "cannot save to %s: %s", full, strerror(errno));
        return NULL;
    }
    FILE *out = fdopen(fd, "w");
    if (!out) {
        snprintf(msg, msg_size, "cannot save to %s: %s", full, strerror(errno));
        close(fd);
    }
    return out;
}

bool tui_export_save(const tui_table *t, const char *path, bool force, char *msg, size_t msg_size)
{
    char full[4096];
    FILE *out = tui_export_create(path, force, full, sizeof full, msg, msg_size);
    if (!out)
        return false;
    tui_export_format fmt = tui_export_format_for(full);
    bool ok = tui_export_write(out, t, fmt);
    int saved_errno = errno;
    if (fclose(out) != 0)
        ok = false;
    if (!ok) {
        snprintf(msg, msg_size, "writing %s failed: %s", full, strerror(saved_errno));
        return false;
    }
    snprintf(msg, msg_size, "saved %zu rows to %s (%s)", tui_table_rows(t), full,
             fmt == TUI_EXPORT_NDJSON ? "NDJSON" : "CSV");
    return true;
}
