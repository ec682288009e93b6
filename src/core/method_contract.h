/* method_contract: an advertised method's argument contract (wire §6.1).
 *
 * VALUE of a TYPE=Method record is JSON text {"description": str, "arguments": [{"name": str,
 * "description": str}, ...]}; the order of arguments is declaration order and there is no type,
 * default or required flag. A VALUE that is not such JSON is a legacy plain description (the SDK
 * falls back to the raw string), never an error.
 */
#ifndef OFC_METHOD_CONTRACT_H
#define OFC_METHOD_CONTRACT_H

#include <stdbool.h>
#include <stddef.h>

#define METHOD_MAX_ARGS 64

typedef struct method_arg {
    char *name;
    char *description;
} method_arg;

typedef struct method_contract {
    bool legacy;       /* VALUE was not a JSON contract */
    char *description; /* owned */
    size_t arg_count;
    method_arg *args; /* owned */
} method_contract;

/* Parse value[0..len). Always succeeds; owned by the caller, free with method_contract_destroy. */
method_contract *method_contract_parse(const char *value, size_t len);
void method_contract_destroy(method_contract *mc);

#endif
