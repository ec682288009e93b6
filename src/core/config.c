/* config: the property table and the file parser.
 *
 * Values are kept as validated text in one slot per property, so dump and getters read the same
 * storage; librdkafka pass-through properties are a separate ordered list.
 */
#include "config.h"

#include "timeutil.h"
#include "xmalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct ofc_prop {
    const char *name;
    ofc_prop_kind kind;
    const char *def;
    int64_t min, max;    /* OFC_PROP_INT */
    const char *choices; /* OFC_PROP_ENUM: '|' separated */
    const char *help;
} ofc_prop;

static const ofc_prop props[] = {
    {"brokers", OFC_PROP_STRING, "127.0.0.1:9092", 0, 0, NULL,
     "Kafka bootstrap servers, host:port[,host:port...] (-b)"},
    {"client.id", OFC_PROP_STRING, "ofconsole", 0, 0, NULL, "Kafka client id"},
    {"topic.assets", OFC_PROP_STRING, "ofa_assets", 0, 0, NULL,
     "asset event stream (wire 3.1): live feed and command path"},
    {"topic.uns_map", OFC_PROP_STRING, "asset_to_uns_map_topic", 0, 0, NULL,
     "asset uuid -> UNS path mapping (wire 3.4)"},
    {"topic.types", OFC_PROP_STRING, "assets_types_topic", 0, 0, NULL,
     "ksqlDB asset type table, tombstone = undeployed (wire 3.3)"},
    {"topic.avail", OFC_PROP_STRING, "assets_avail_topic", 0, 0, NULL,
     "ksqlDB availability table (wire 3.3)"},
    {"topic.assets_table", OFC_PROP_STRING, "ASSETS", 0, 0, NULL,
     "ksqlDB ASSETS table sink, latest value per ASSET|ID (wire 3.2)"},
    {"topic.docker_services", OFC_PROP_STRING, "docker_services_topic", 0, 0, NULL,
     "ksqlDB docker services table (ofc web deregisters from it)"},
    {"topic.metrics_targets", OFC_PROP_STRING, "metrics_targets_topic", 0, 0, NULL,
     "Prometheus targets of OpenFactory apps (ofc web registers there)"},
    {"app.uuid", OFC_PROP_STRING, "", 0, 0, NULL,
     "ofc web: OpenFactory application identity (APP_UUID); empty: register nothing"},
    {"app.task_slot", OFC_PROP_INT, "0", 0, 100000, NULL,
     "ofc web: Swarm task slot (SWARM_TASK_SLOT), appended to app.uuid with several replicas"},
    {"app.replicas", OFC_PROP_INT, "1", 1, 100000, NULL,
     "ofc web: replicas of the service (SWARM_REPLICAS)"},
    {"start.since", OFC_PROP_START, "beginning", 0, 0, NULL,
     "where to start reading the asset stream: beginning, end, a duration ago (2h) or a time"},
    {"start.table", OFC_PROP_BOOL, "false", 0, 0, NULL,
     "seed latest values from the ASSETS table topic first (large clusters, wire 9)"},
    {"history.points", OFC_PROP_INT, "120", 2, 100000, NULL,
     "points kept per Samples attribute for trends"},
    {"limit.assets", OFC_PROP_INT, "100000", 1, 100000000, NULL,
     "distinct assets kept; records beyond are rejected (limit_assets)"},
    {"limit.attributes", OFC_PROP_INT, "4096", 1, 1000000, NULL,
     "attributes kept per asset; records beyond are rejected (limit_attributes)"},
    {"limit.value_bytes", OFC_PROP_INT, "65536", 64, 16777216, NULL,
     "largest record value accepted; larger ones are rejected (too_large)"},
    {"log.level", OFC_PROP_ENUM, "warning", 0, 0, "error|warning|info|debug",
     "diagnostics written to stderr (or the front end's message line)"},
    {"web.listen", OFC_PROP_STRING, "127.0.0.1:8080", 0, 0, NULL,
     "ofc web: address and port of the dashboard (--listen)"},
    {"web.metrics_listen", OFC_PROP_STRING, "", 0, 0, NULL,
     "ofc web: separate address for /metrics and /healthz; empty for none"},
    {"web.static", OFC_PROP_STRING, "", 0, 0, NULL,
     "ofc web: directory of the page; empty for the built-in default (--static)"},
    {"web.users", OFC_PROP_STRING, "", 0, 0, NULL, "ofc web: users file of token hashes (--users)"},
    {"web.trust", OFC_PROP_STRING, "", 0, 0, NULL,
     "ofc web: trust store for signed commands from browsers (--trust); empty: read-only"},
    {"web.session_secret", OFC_PROP_STRING, "", 0, 0, NULL,
     "ofc web: file holding the session key shared by replicas; empty for one per process"},
    {"web.tls_cert", OFC_PROP_STRING, "", 0, 0, NULL, "ofc web: TLS certificate, PEM (--cert)"},
    {"web.tls_key", OFC_PROP_STRING, "", 0, 0, NULL, "ofc web: TLS private key, PEM (--key)"},
    {"web.max_clients", OFC_PROP_INT, "4096", 1, 1000000, NULL,
     "ofc web: WebSocket clients served at once"},
    {"web.delta_interval_ms", OFC_PROP_INT, "50", 0, 10000, NULL,
     "ofc web: least time between two deltas (a flood coalesces); 0: one per loop turn"},
    {"web.stale_after_s", OFC_PROP_INT, "0", 0, 604800, NULL,
     "ofc web: an asset silent this long is shown stale; 0 only while the broker is away"},
};

#define PROP_COUNT (sizeof props / sizeof props[0])

typedef struct kafka_prop {
    char *name;
    char *value;
} kafka_prop;

struct ofc_config {
    char *values[PROP_COUNT];
    kafka_prop *kafka;
    size_t kafka_count;
};

static int prop_index(const char *name)
{
    for (size_t i = 0; i < PROP_COUNT; i++)
        if (strcmp(props[i].name, name) == 0)
            return (int)i;
    return -1;
}

ofc_config *ofc_config_new(void)
{
    ofc_config *cfg = xcalloc(1, sizeof *cfg);
    for (size_t i = 0; i < PROP_COUNT; i++)
        cfg->values[i] = xstrdup(props[i].def);
    return cfg;
}

ofc_config *ofc_config_dup(const ofc_config *cfg)
{
    ofc_config *copy = xcalloc(1, sizeof *copy);
    for (size_t i = 0; i < PROP_COUNT; i++)
        copy->values[i] = xstrdup(cfg->values[i]);
    copy->kafka = xcalloc(cfg->kafka_count ? cfg->kafka_count : 1, sizeof *copy->kafka);
    for (size_t i = 0; i < cfg->kafka_count; i++) {
        copy->kafka[i].name = xstrdup(cfg->kafka[i].name);
        copy->kafka[i].value = xstrdup(cfg->kafka[i].value);
    }
    copy->kafka_count = cfg->kafka_count;
    return copy;
}

void ofc_config_destroy(ofc_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < PROP_COUNT; i++)
        free(cfg->values[i]);
    for (size_t i = 0; i < cfg->kafka_count; i++) {
        free(cfg->kafka[i].name);
        free(cfg->kafka[i].value);
    }
    free(cfg->kafka);
    free(cfg);
}

bool ofc_start_parse(const char *text, int64_t now_us, ofc_start_kind *kind, int64_t *time_us)
{
    int64_t us;
    if (strcmp(text, "beginning") == 0 || strcmp(text, "earliest") == 0) {
        *kind = OFC_START_BEGINNING;
        *time_us = 0;
        return true;
    }
    if (strcmp(text, "end") == 0 || strcmp(text, "now") == 0 || strcmp(text, "latest") == 0) {
        *kind = OFC_START_END;
        *time_us = now_us;
        return true;
    }
    if (ofc_duration_parse(text, &us)) {
        *kind = OFC_START_TIME;
        *time_us = now_us - us;
        return true;
    }
    /* A bare number is read as a duration in seconds above; an absolute time needs a date. */
    if (strchr(text, '-') && ofc_time_parse(text, strlen(text), &us)) {
        *kind = OFC_START_TIME;
        *time_us = us;
        return true;
    }
    return false;
}

static ofc_err validate(const ofc_prop *p, const char *value, char *errstr, size_t errstr_size)
{
    switch (p->kind) {
    case OFC_PROP_STRING:
        if (!*value && strncmp(p->name, "topic.", 6) == 0) {
            snprintf(errstr, errstr_size, "%s: must not be empty", p->name);
            return OFC_ERR_CONFIG;
        }
        return OFC_OK;
    case OFC_PROP_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (errno || end == value || *end || v < p->min || v > p->max) {
            snprintf(errstr, errstr_size, "%s: expected an integer from %lld to %lld, got \"%s\"",
                     p->name, (long long)p->min, (long long)p->max, value);
            return OFC_ERR_CONFIG;
        }
        return OFC_OK;
    }
    case OFC_PROP_BOOL:
        if (strcmp(value, "true") && strcmp(value, "false")) {
            snprintf(errstr, errstr_size, "%s: expected true or false, got \"%s\"", p->name, value);
            return OFC_ERR_CONFIG;
        }
        return OFC_OK;
    case OFC_PROP_ENUM: {
        size_t n = strlen(value);
        const char *c = p->choices;
        while (c && *c) {
            const char *bar = strchr(c, '|');
            size_t len = bar ? (size_t)(bar - c) : strlen(c);
            if (len == n && strncmp(c, value, n) == 0)
                return OFC_OK;
            c = bar ? bar + 1 : NULL;
        }
        snprintf(errstr, errstr_size, "%s: expected one of %s, got \"%s\"", p->name, p->choices,
                 value);
        return OFC_ERR_CONFIG;
    }
    case OFC_PROP_START: {
        ofc_start_kind kind;
        int64_t t;
        if (!ofc_start_parse(value, 0, &kind, &t)) {
            snprintf(errstr, errstr_size,
                     "%s: expected beginning, end, a duration such as 2h or 15m, or an ISO-8601 "
                     "time, got \"%s\"",
                     p->name, value);
            return OFC_ERR_CONFIG;
        }
        return OFC_OK;
    }
    }
    return OFC_ERR_CONFIG;
}

static ofc_err set_kafka(ofc_config *cfg, const char *name, const char *value, char *errstr,
                         size_t errstr_size)
{
    /* Ask librdkafka now so a typo is reported where the user typed it. */
    rd_kafka_conf_t *probe = rd_kafka_conf_new();
    char rderr[256];
    rd_kafka_conf_res_t res = rd_kafka_conf_set(probe, name, value, rderr, sizeof rderr);
    rd_kafka_conf_destroy(probe);
    if (res != RD_KAFKA_CONF_OK) {
        snprintf(errstr, errstr_size, "librdkafka property %s: %s", name, rderr);
        return OFC_ERR_CONFIG;
    }
    for (size_t i = 0; i < cfg->kafka_count; i++) {
        if (strcmp(cfg->kafka[i].name, name) == 0) {
            free(cfg->kafka[i].value);
            cfg->kafka[i].value = xstrdup(value);
            return OFC_OK;
        }
    }
    cfg->kafka = xreallocarray(cfg->kafka, cfg->kafka_count + 1, sizeof *cfg->kafka);
    cfg->kafka[cfg->kafka_count].name = xstrdup(name);
    cfg->kafka[cfg->kafka_count].value = xstrdup(value);
    cfg->kafka_count++;
    return OFC_OK;
}

ofc_err ofc_config_set(ofc_config *cfg, const char *name, const char *value, char *errstr,
                       size_t errstr_size)
{
    if (strncmp(name, "kafka.", 6) == 0 && name[6])
        return set_kafka(cfg, name + 6, value, errstr, errstr_size);
    int i = prop_index(name);
    if (i < 0) {
        snprintf(errstr, errstr_size,
                 "unknown property \"%s\" (librdkafka properties take the prefix kafka.)", name);
        return OFC_ERR_CONFIG;
    }
    ofc_err err = validate(&props[i], value, errstr, errstr_size);
    if (err)
        return err;
    free(cfg->values[i]);
    cfg->values[i] = xstrdup(value);
    return OFC_OK;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

ofc_err ofc_config_load_file(ofc_config *cfg, const char *path, char *errstr, size_t errstr_size)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    unsigned lineno = 0;

    if (!f) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return OFC_ERR_IO;
    }
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n' && !feof(f)) {
            snprintf(errstr, errstr_size, "%s:%u: line longer than %zu bytes", path, lineno,
                     sizeof line - 2);
            fclose(f);
            return OFC_ERR_CONFIG;
        }
        if (memchr(line, '\0', n) != NULL && strlen(line) != n) {
            snprintf(errstr, errstr_size, "%s:%u: NUL byte in line", path, lineno);
            fclose(f);
            return OFC_ERR_CONFIG;
        }
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(errstr, errstr_size, "%s:%u: expected \"name = value\"", path, lineno);
            fclose(f);
            return OFC_ERR_CONFIG;
        }
        *eq = '\0';
        char *name = trim(s), *value = trim(eq + 1);
        /* Inside a value, a '#' after a space or tab starts a comment (a value may begin with a
         * '#' or hold one of its own, just not after whitespace: what ofc config --dump writes
         * reads back the same). */
        for (char *h = value + 1; *value && *h; h++)
            if (*h == '#' && (h[-1] == ' ' || h[-1] == '\t')) {
                *h = '\0';
                value = trim(value);
                break;
            }
        char inner[512];
        if (ofc_config_set(cfg, name, value, inner, sizeof inner) != OFC_OK) {
            snprintf(errstr, errstr_size, "%s:%u: %s", path, lineno, inner);
            fclose(f);
            return OFC_ERR_CONFIG;
        }
    }
    if (ferror(f)) {
        snprintf(errstr, errstr_size, "%s: read error", path);
        fclose(f);
        return OFC_ERR_IO;
    }
    fclose(f);
    return OFC_OK;
}

/* OpenFactory's application environment (deployment notes §1.3) -> property; value_fmt turns the
 * variable into the property's form. Then every property can also be set as OFC_<NAME>, its name
 * upper-cased with dots as underscores (OFC_WEB_USERS=/run/secrets/users): containers and Swarm
 * stacks configure through the environment, and secrets arrive as files named there. */
static const struct {
    const char *env;
    const char *prop;
    const char *prefix; /* put before the value */
} env_props[] = {
    {"KAFKA_BROKER", "brokers", ""},
    {"PORT", "web.listen", "0.0.0.0:"}, /* OpenFactory routes to PORT on every interface */
    {"APP_UUID", "app.uuid", ""},
    {"SWARM_TASK_SLOT", "app.task_slot", ""},
    {"SWARM_REPLICAS", "app.replicas", ""},
};

static void env_name_of(const char *prop, char *out, size_t size)
{
    size_t n = (size_t)snprintf(out, size, "OFC_");
    for (const char *p = prop; *p && n + 1 < size; p++)
        out[n++] = *p == '.' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    out[n] = '\0';
}

ofc_err ofc_config_apply_env(ofc_config *cfg, const char *(*getenv_fn)(const char *name),
                             char *errstr, size_t errstr_size)
{
    char inner[400], value[1024], env[128];
    for (size_t i = 0; i < sizeof env_props / sizeof env_props[0]; i++) {
        const char *v = getenv_fn(env_props[i].env);
        if (!v || !*v)
            continue;
        /* A port (PORT) is a number; said here, where the variable's name is known, rather
         * than later as a bad listen address the user never wrote. */
        if (*env_props[i].prefix &&
            (strspn(v, "0123456789") != strlen(v) || strlen(v) > 5 || atoi(v) > 65535)) {
            snprintf(errstr, errstr_size,
                     "environment %s: expects a port number (0-65535), got "
                     "\"%.64s\"",
                     env_props[i].env, v);
            return OFC_ERR_CONFIG;
        }
        snprintf(value, sizeof value, "%s%s", env_props[i].prefix, v);
        if (ofc_config_set(cfg, env_props[i].prop, value, inner, sizeof inner) != OFC_OK) {
            snprintf(errstr, errstr_size, "environment %s: %s", env_props[i].env, inner);
            return OFC_ERR_CONFIG;
        }
    }
    for (size_t i = 0; i < PROP_COUNT; i++) {
        env_name_of(props[i].name, env, sizeof env);
        const char *v = getenv_fn(env);
        if (!v || !*v)
            continue;
        if (ofc_config_set(cfg, props[i].name, v, inner, sizeof inner) != OFC_OK) {
            snprintf(errstr, errstr_size, "environment %s: %s", env, inner);
            return OFC_ERR_CONFIG;
        }
    }
    return OFC_OK;
}

const char *ofc_config_default_path(void)
{
    static char home_path[4096];
    const char *env = getenv("OFC_CONFIG");
    if (env && *env)
        return env;
    const char *home = getenv("HOME");
    if (home && *home) {
        snprintf(home_path, sizeof home_path, "%s/.config/ofconsole/ofc.conf", home);
        if (access(home_path, R_OK) == 0)
            return home_path;
    }
    if (access("/etc/ofconsole/ofc.conf", R_OK) == 0)
        return "/etc/ofconsole/ofc.conf";
    return NULL;
}

const char *ofc_config_get(const ofc_config *cfg, const char *name)
{
    int i = prop_index(name);
    if (i < 0) {
        fprintf(stderr, "ofc: internal error: unknown property %s\n", name);
        abort();
    }
    return cfg->values[i];
}

int64_t ofc_config_get_int(const ofc_config *cfg, const char *name)
{
    return strtoll(ofc_config_get(cfg, name), NULL, 10);
}

bool ofc_config_get_bool(const ofc_config *cfg, const char *name)
{
    return strcmp(ofc_config_get(cfg, name), "true") == 0;
}

ofc_err ofc_config_apply_kafka(const ofc_config *cfg, rd_kafka_conf_t *conf, char *errstr,
                               size_t errstr_size)
{
    char rderr[256];
    if (rd_kafka_conf_set(conf, "bootstrap.servers", ofc_config_get(cfg, "brokers"), rderr,
                          sizeof rderr) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "client.id", ofc_config_get(cfg, "client.id"), rderr,
                          sizeof rderr) != RD_KAFKA_CONF_OK) {
        snprintf(errstr, errstr_size, "%s", rderr);
        return OFC_ERR_CONFIG;
    }
    for (size_t i = 0; i < cfg->kafka_count; i++) {
        if (rd_kafka_conf_set(conf, cfg->kafka[i].name, cfg->kafka[i].value, rderr, sizeof rderr) !=
            RD_KAFKA_CONF_OK) {
            snprintf(errstr, errstr_size, "librdkafka property %s: %s", cfg->kafka[i].name, rderr);
            return OFC_ERR_CONFIG;
        }
    }
    return OFC_OK;
}

static bool is_secret(const char *name)
{
    return strstr(name, "password") || strstr(name, "secret") || strstr(name, "sasl.oauthbearer") ||
           strstr(name, ".pem") || strstr(name, "key");
}

void ofc_config_dump(const ofc_config *cfg, FILE *out)
{
    for (size_t i = 0; i < PROP_COUNT; i++)
        fprintf(out, "%s = %s\n", props[i].name, cfg->values[i]);
    for (size_t i = 0; i < cfg->kafka_count; i++)
        fprintf(out, "kafka.%s = %s\n", cfg->kafka[i].name,
                is_secret(cfg->kafka[i].name) ? "********" : cfg->kafka[i].value);
}

void ofc_config_print_help(FILE *out)
{
    for (size_t i = 0; i < PROP_COUNT; i++)
        fprintf(out, "  %-20s %s (default: %s)\n", props[i].name, props[i].help, props[i].def);
    fprintf(out, "  %-20s any librdkafka property, e.g. kafka.security.protocol=SASL_SSL\n",
            "kafka.<property>");
    fprintf(out, "\nenvironment (read after the config file, before flags):\n");
    for (size_t i = 0; i < sizeof env_props / sizeof env_props[0]; i++)
        fprintf(out, "  %-20s sets %s\n", env_props[i].env, env_props[i].prop);
    fprintf(out, "  %-20s sets any property, e.g. OFC_START_SINCE=2h, OFC_WEB_USERS=FILE\n",
            "OFC_<NAME>");
}
