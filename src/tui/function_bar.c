/* function_bar: the bottom key legend (see function_bar.h). */
#include "function_bar.h"

#include <stdbool.h>

void function_bar_draw(tui_crt *crt, int y, int width, const function_key *keys)
{
    bool ascii = tui_crt_ascii(crt);
    int x = 0;
    for (const function_key *k = keys; k->key && x < width; k++) {
        int kw = cf_width(k->key, ascii), lw = cf_width(k->label, ascii) + 1;
        if (x + kw + lw > width)
            break; /* a key without its label would only puzzle */
        tui_crt_put(crt, y, x, kw, k->key, CF_ROLE_KEY);
        tui_crt_put(crt, y, x + kw, lw, k->label, CF_ROLE_KEY_LABEL);
        x += kw + lw;
    }
    if (x < width)
        tui_crt_put(crt, y, x, width - x, "", CF_ROLE_KEY_LABEL);
}
