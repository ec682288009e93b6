/* fuzz_config: ofc_config_load_file() on hostile config files.
 *
 * The input is written to a private temporary file and loaded into a fresh config. Loading must
 * not crash, leak or read out of bounds; on success every property must read back and the dump
 * must be loadable again (secrets are masked in dumps, so kafka.* lines are left out of that
 * second load). config.c is owned elsewhere; this only drives its public API.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void write_file(const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size) {
        perror(path);
        abort();
    }
    fclose(f);
}

static void remove_temp(void)
{
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const props[] = {
        "brokers",     "client.id",          "topic.assets", "topic.uns_map", "topic.types",
        "topic.avail", "topic.assets_table", "start.since",  "log.level"};
    static const char *const ints[] = {"history.points", "limit.assets", "limit.attributes",
                                       "limit.value_bytes"};
    char errstr[512];

    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/ofc-fuzz-config-XXXXXX");
        int fd = mkstemp(path);
        if (fd < 0) {
            perror("mkstemp");
            abort();
        }
        close(fd);
        atexit(remove_temp);
    }
    write_file(data, size);

    ofc_config *cfg = ofc_config_new();
    errstr[0] = '\0';
    if (ofc_config_load_file(cfg, path, errstr, sizeof errstr) == OFC_OK) {
        for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
            if (ofc_config_get(cfg, props[i]) == NULL)
                abort();
        for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
            (void)ofc_config_get_int(cfg, ints[i]);
        (void)ofc_config_get_bool(cfg, "start.table");

        /* The dump of the ofconsole properties is a valid config file. */
        char *dump = NULL;
        size_t dump_len = 0;
        FILE *mem = open_memstream(&dump, &dump_len);
        if (!mem)
            abort();
        ofc_config_dump(cfg, mem);
        fclose(mem);
        size_t keep = 0;
        for (char *line = dump; line && *line;) {
            char *nl = strchr(line, '\n');
            size_t n = nl ? (size_t)(nl - line + 1) : strlen(line);
            if (strncmp(line, "kafka.", 6) != 0) {
                memmove(dump + keep, line, n);
                keep += n;
            }
            line += n;
        }
        write_file(dump, keep);
        ofc_config *again = ofc_config_new();
        if (ofc_config_load_file(again, path, errstr, sizeof errstr) != OFC_OK) {
            fprintf(stderr, "dump does not load back: %s\n%.*s", errstr, (int)keep, dump);
            abort();
        }
        for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
            if (strcmp(ofc_config_get(cfg, props[i]), ofc_config_get(again, props[i])) != 0)
                abort();
        ofc_config_destroy(again);
        free(dump);
    } else if (errstr[0] == '\0') {
        abort(); /* a failure always explains itself */
    }
    ofc_config_destroy(cfg);
    return 0;
}
