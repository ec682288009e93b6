/* method_contract: contracts are rare (one record per method at start-up), so jansson's full
 * parser is used here rather than the hot-path scanner. */
#include "method_contract.h"

#include "xmalloc.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static method_contract *legacy(const char *value, size_t len)
{
    method_contract *mc = xcalloc(1, sizeof *mc);
    mc->legacy = true;
    mc->description = xstrndup(value, len);
    return mc;
}

method_contract *method_contract_parse(const char *value, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(value, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        return legacy(value, len);
    }
    json_t *desc = json_object_get(root, "description");
    json_t *args = json_object_get(root, "arguments");
    if ((desc && !json_is_string(desc)) || (args && !json_is_array(args)) || (!desc && !args)) {
        json_decref(root);
        return legacy(value, len);
    }
    size_t n = args ? json_array_size(args) : 0;
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_array_get(args, i);
        json_t *name = json_is_object(a) ? json_object_get(a, "name") : NULL;
        json_t *adesc = json_is_object(a) ? json_object_get(a, "description") : NULL;
        if (!json_is_string(name) || (adesc && !json_is_string(adesc)) || n > METHOD_MAX_ARGS) {
            json_decref(root);
            return legacy(value, len);
        }
    }
    method_contract *mc = xcalloc(1, sizeof *mc);
    mc->description = xstrdup(desc ? json_string_value(desc) : "");
    mc->arg_count = n;
    mc->args = xcalloc(n ? n : 1, sizeof *mc->args);
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_array_get(args, i);
        json_t *adesc = json_object_get(a, "description");
        mc->args[i].name = xstrdup(json_string_value(json_object_get(a, "name")));
        mc->args[i].description = xstrdup(adesc ? json_string_value(adesc) : "");
    }
    json_decref(root);
    return mc;
}

void method_contract_destroy(method_contract *mc)
{
    if (!mc)
        return;
    for (size_t i = 0; i < mc->arg_count; i++) {
        free(mc->args[i].name);
        free(mc->args[i].description);
    }
    free(mc->args);
    free(mc->description);
    free(mc);
}
