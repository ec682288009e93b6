/* export: `:save FILE` writes what a pane shows as CSV (RFC 4180) or NDJSON.
 *
 * A pane fills a tui_table (column names, then cells row by row, full text, never the truncated
 * screen cells); the format follows the file name (.ndjson or .jsonl: NDJSON, else CSV). An
 * existing file is never overwritten unless forced (`:save!`), and the file is created
 * exclusively so a race cannot clobber one either. No ncurses here.
 */
#ifndef OFC_TUI_EXPORT_H
#define OFC_TUI_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum tui_cell_kind {
    TUI_CELL_TEXT = 0, /* a string */
    TUI_CELL_RAW,      /* a JSON number or bool token, written bare in NDJSON */
    TUI_CELL_NULL,     /* no value: empty in CSV, null in NDJSON */
} tui_cell_kind;

typedef struct tui_cell {
    tui_cell_kind kind;
    char *text; /* owned */
} tui_cell;

typedef struct tui_table {
    const char *const *cols; /* borrowed, static names */
    size_t ncols;
    tui_cell *cells; /* row-major, nrows * ncols */
    size_t ncells, cap;
} tui_table;

typedef enum tui_export_format {
    TUI_EXPORT_CSV = 0,
    TUI_EXPORT_NDJSON,
} tui_export_format;

void tui_table_init(tui_table *t, const char *const *cols, size_t ncols);
void tui_table_fini(tui_table *t);
/* Append the next cell (rows fill left to right); text is copied, NULL means TUI_CELL_NULL. */
void tui_table_add(tui_table *t, tui_cell_kind kind, const char *text);
size_t tui_table_rows(const tui_table *t);

tui_export_format tui_export_format_for(const char *path);
/* Write the table, header first for CSV (lines end in CRLF, fields quoted when they hold a
 * comma, quote, CR or LF, quotes doubled). Returns false on a write error. */
bool tui_export_write(FILE *out, const tui_table *t, tui_export_format fmt);
/* Create path for writing ("~/" at the start means $HOME), refusing an existing file unless
 * force (created exclusively, so a race cannot clobber one either). The path used goes to full.
 * NULL with msg saying why. */
FILE *tui_export_create(const char *path, bool force, char *full, size_t full_size, char *msg,
                        size_t msg_size);
/* Create path (refusing an existing file unless force) and write the table. On success msg
 * says what was written; on failure why. "~/" at the start means $HOME. */
bool tui_export_save(const tui_table *t, const char *path, bool force, char *msg, size_t msg_size);

#endif
