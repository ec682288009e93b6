/* cell_format: everything the console shows, as fixed-width text plus a colour role.
 *
 * Pure: no ncurses, no clock, no globals; the screen module maps roles to attributes and the
 * tests check every cell here without a terminal (tests/test_cell_format.c). Text is UTF-8 in
 * and out. Widths are display columns (wcwidth), so the caller needs LC_CTYPE set to a UTF-8
 * locale for non-ASCII text to measure right; in ASCII mode every non-ASCII character becomes
 * '?' and needs no locale. Control characters from the wire (ESC, C1, DEL) never reach the
 * terminal: they are shown as '?', so hostile values cannot move the cursor or retitle it.
 *
 * Output buffers: a cell of width w needs at most CF_CELL_BYTES(w) bytes.
 */
#ifndef OFC_TUI_CELL_FORMAT_H
#define OFC_TUI_CELL_FORMAT_H

#include "asset_model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Up to 4 bytes per column plus a 3-byte ellipsis and the NUL. */
#define CF_CELL_BYTES(width) ((size_t)(width)*4 + 8)

/* Colour roles (ISA-101: neutral by default, colour only for what is abnormal). tui_crt maps
 * each to an attribute for 256, 16 or 8 colours, or to bold/reverse/underline in monochrome. */
typedef enum cf_role {
    CF_ROLE_NORMAL = 0,
    CF_ROLE_DIM,          /* labels, ages, tags: secondary text */
    CF_ROLE_HEADER,       /* pane header of the focused pane */
    CF_ROLE_HEADER_DIM,   /* pane header of other panes */
    CF_ROLE_SECTION,      /* a section title inside a pane */
    CF_ROLE_SELECTED,     /* the cursor row in the focused pane */
    CF_ROLE_SELECTED_DIM, /* the cursor row in other panes */
    CF_ROLE_WARNING,      /* amber */
    CF_ROLE_FAULT,        /* red */
    CF_ROLE_UNAVAILABLE,  /* a distinct mark, not an alarm colour */
    CF_ROLE_STALE,        /* what may no longer be true */
    CF_ROLE_STATUS,       /* the status line */
    CF_ROLE_STATUS_BAD,   /* the status line during an outage */
    CF_ROLE_KEY,          /* a key in the legend */
    CF_ROLE_KEY_LABEL,    /* its label */
    CF_ROLE_INPUT,        /* the filter / command input */
    CF_ROLE_ERROR,        /* a message line error */
    CF_ROLE__COUNT
} cf_role;

typedef enum cf_align {
    CF_LEFT = 0,
    CF_RIGHT,
} cf_align;

/* What a row or node shows: the model's state plus stale, which the model computes per asset
 * (ofc_asset_stale) but does not roll up. */
typedef enum cf_state {
    CF_STATE_NORMAL = 0,
    CF_STATE_STALE,
    CF_STATE_UNAVAILABLE,
    CF_STATE_WARNING,
    CF_STATE_FAULT,
    CF_STATE__COUNT
} cf_state;

/* ---- text geometry ---- */

/* Display width of UTF-8 text as cf_fit() would draw it (invalid bytes and control characters
 * count one column each, as their '?' replacement). */
int cf_width(const char *text, bool ascii);

/* Write text into out as exactly `width` columns: cut with an ellipsis ("…", or "~" in ASCII)
 * when too wide, never splitting a character or leaving half a wide one (a space pads
 * instead), and padded with spaces on the right (CF_LEFT) or left (CF_RIGHT). out_size should
 * be CF_CELL_BYTES(width). Returns the bytes written (excluding the NUL). */
size_t cf_fit(char *out, size_t out_size, const char *text, int width, cf_align align, bool ascii);

/* The first line of text wrapped at `width` columns: the number of bytes of the longest prefix
 * that fits (never splitting a character; at least one character when text is not empty, so a
 * caller always progresses). Text is cut where the width runs out, not at spaces, so the lines
 * joined give the text back byte for byte (the review of a command's exact record). */
size_t cf_wrap(const char *text, int width, bool ascii);

/* ---- values ---- */

/* Elapsed time, two units at most: "4s", "2m05s", "1h02m", "3d04h"; "-" when unknown
 * (then_us 0). */
void cf_age(char *out, size_t out_size, int64_t now_us, int64_t then_us);

/* Wall-clock time of day, "09:15:02", in UTC or local time (TZ). */
void cf_clock(char *out, size_t out_size, int64_t us, bool utc);

/* A trend of `n` values (oldest first) as `width` columns: one column per value, the newest at
 * the right, scaled between the minimum and maximum shown; UTF-8 blocks "▁▂▃▄▅▆▇█" or ASCII
 * "_.-=#". A flat series sits mid-height; non-finite values are gaps; fewer values than columns
 * are padded on the left. out_size should be CF_CELL_BYTES(width). */
void cf_sparkline(char *out, size_t out_size, const double *values, size_t n, int width,
                  bool ascii);

/* The text of an attribute's value as shown: strings as they are, null as "null", numbers and
 * bools as sent; with the role it deserves (UNAVAILABLE values are marked). */
const char *cf_attr_value(const ofc_attr *attr, cf_role *role);

/* ---- states ---- */

cf_state cf_state_from_model(ofc_state state, bool stale);
cf_state cf_state_from_condition(ofc_cond_level level);
/* One column: "✖" "▲" "⊘" "◌" "·" (UTF-8) or "X" "!" "U" "?" "." (ASCII). */
const char *cf_state_glyph(cf_state state, bool ascii);
/* "FAULT" "WARN" "UNAVAIL" "STALE" "OK": the word shown with (or, in monochrome, instead of)
 * the colour. */
const char *cf_state_word(cf_state state);
cf_role cf_state_role(cf_state state);

/* Tree expander: "▾"/"▸" or "-"/"+"; an ellipsis "…" or "~"; a vertical rule "│" or "|". */
const char *cf_glyph_expander(bool open, bool ascii);
const char *cf_glyph_ellipsis(bool ascii);
const char *cf_glyph_vrule(bool ascii);

/* Case-insensitive (ASCII letters) substring test for the live filter; "" matches anything. */
bool cf_match(const char *haystack, const char *needle);
/* A typed code point as UTF-8 into out (4 bytes room); 0 for a surrogate or beyond U+10FFFF. */
size_t cf_utf8_encode(unsigned cp, char *out);
/* The live filter: an attribute matches by its ID or value (a condition's value is its alarm
 * text); an asset by its UNS path, its uuid or any of its attributes. */
bool cf_match_attr(const ofc_attr *attr, const char *filter);
bool cf_match_asset(const ofc_asset *asset, const char *filter);

#endif
