/* config: ofconsole's settings, driven by one property table.
 *
 * The table gives every property its name, kind, default, limits and help text; the same table
 * drives validation, the config file parser, `--help` listings and `ofc config --dump`.
 * Properties named `kafka.<prop>` are passed through to librdkafka unchanged (like kcat's -X),
 * so SASL/SSL clusters work without ofconsole knowing about them; they are checked against
 * librdkafka when set, so a typo fails at start-up with librdkafka's own message.
 *
 * Sources, later overriding earlier: defaults, one config file, then command-line flags.
 */
#ifndef OFC_CONFIG_H
#define OFC_CONFIG_H

#include "ofc_err.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct ofc_config ofc_config;

typedef enum ofc_prop_kind {
    OFC_PROP_STRING,
    OFC_PROP_INT,
    OFC_PROP_BOOL,
    OFC_PROP_ENUM,
    OFC_PROP_START, /* "beginning", "end", a duration ("2h") or an ISO-8601 time */
} ofc_prop_kind;

/* Defaults for every property. Owned by the caller; free with ofc_config_destroy(). */
ofc_config *ofc_config_new(void);
ofc_config *ofc_config_dup(const ofc_config *cfg);
void ofc_config_destroy(ofc_config *cfg);

/* Set one property from text. `kafka.X` sets librdkafka property X. Unknown names, bad values
 * and values out of range fail with OFC_ERR_CONFIG and a message in errstr. */
ofc_err ofc_config_set(ofc_config *cfg, const char *name, const char *value, char *errstr,
                       size_t errstr_size);

/* Read `name = value` lines ('#' comments, blank lines ignored). Errors name the line. */
ofc_err ofc_config_load_file(ofc_config *cfg, const char *path, char *errstr, size_t errstr_size);

/* Apply the environment between the config file and the flags: the variables OpenFactory gives
 * its applications (KAFKA_BROKER -> brokers, PORT -> web.listen 0.0.0.0:PORT), then OFC_<NAME>
 * for any property (dots as underscores). Bad values fail like ofc_config_set().
 * getenv is passed in so tests need not touch the process environment. */
ofc_err ofc_config_apply_env(ofc_config *cfg, const char *(*getenv_fn)(const char *name),
                             char *errstr, size_t errstr_size);

/* The default config file: $OFC_CONFIG, else ~/.config/ofconsole/ofc.conf, else
 * /etc/ofconsole/ofc.conf, whichever exists first; NULL if none. Borrowed static storage. */
const char *ofc_config_default_path(void);

/* Typed getters. The name must be in the property table (programming error otherwise). The
 * returned string is borrowed, valid until the property is set again or cfg destroyed. */
const char *ofc_config_get(const ofc_config *cfg, const char *name);
int64_t ofc_config_get_int(const ofc_config *cfg, const char *name);
bool ofc_config_get_bool(const ofc_config *cfg, const char *name);

/* Copy brokers, client id and every kafka.* property into a librdkafka conf. */
ofc_err ofc_config_apply_kafka(const ofc_config *cfg, rd_kafka_conf_t *conf, char *errstr,
                               size_t errstr_size);

/* Write every property as `name = value` with secrets masked (a valid config file). */
void ofc_config_dump(const ofc_config *cfg, FILE *out);

/* Write the property table as help text: name, default and description per line. */
void ofc_config_print_help(FILE *out);

/* Parse a start position: "beginning" -> OFC_START_BEGINNING, "end"/"now" -> OFC_START_END,
 * otherwise a duration ago or an absolute time -> OFC_START_TIME with *time_us set. */
typedef enum ofc_start_kind {
    OFC_START_BEGINNING,
    OFC_START_END,
    OFC_START_TIME,
} ofc_start_kind;

bool ofc_start_parse(const char *text, int64_t now_us, ofc_start_kind *kind, int64_t *time_us);

#endif
