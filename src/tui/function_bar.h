/* function_bar: the key legend on the bottom line, as htop has it: each key highlighted,
 * followed by what it does. The app swaps the set per mode (browsing, filter, command, help).
 */
#ifndef OFC_TUI_FUNCTION_BAR_H
#define OFC_TUI_FUNCTION_BAR_H

#include "tui_crt.h"

typedef struct function_key {
    const char *key;
    const char *label;
} function_key;

/* Draw keys until the width is used; items end with {NULL, NULL}. */
void function_bar_draw(tui_crt *crt, int y, int width, const function_key *keys);

#endif
