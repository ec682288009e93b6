/* ofc watch: print plant changes as they happen, one line each (or NDJSON with --json).
 *
 * Attribute changes are taken unbatched (OFC_SUB_EACH), so a burst of values for one attribute
 * prints every value, not just the last; asset-level changes (availability, registration, UNS
 * path, state) are diffed once per loop turn against what was last printed.
 */
#include "cli_common.h"
#include "commands.h"
#include "plant_session.h"
#include "snapshot_json.h"
#include "strmap.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct seen_asset {
    char *uuid;
    ofc_availability avail;
    ofc_registration reg;
    ofc_state state;
    char *uns_id;
} seen_asset;

typedef struct watch_ctx {
    plant_session ps;
    bool json;
    bool replay; /* print while catching up too */
    const char *uns_prefix;
    const char *asset_filter;
    strmap seen;
    json_writer jw;
} watch_ctx;

static bool printing(const watch_ctx *w)
{
    return w->replay || ofc_feed_get_status(w->ps.feed)->caught_up;
}

static bool wanted(const watch_ctx *w, const ofc_asset *a)
{
    if (w->asset_filter && strcmp(ofc_asset_uuid(a), w->asset_filter) != 0)
        return false;
    return ofc_snapshot_asset_matches(a, w->uns_prefix);
}

static void put_time(int64_t us)
{
    char buf[40];
    ofc_time_format_iso(us ? us : ofc_time_now_us(), 3, buf, sizeof buf);
    fputs(buf, stdout);
}

static const char *path_of(const ofc_asset *a)
{
    return ofc_asset_uns_id(a) ? ofc_asset_uns_id(a) : ofc_asset_uuid(a);
}

static void print_attr(watch_ctx *w, const ofc_attr *at)
{
    const ofc_asset *a = ofc_attr_asset(at);
    int64_t t = ofc_attr_timestamp_us(at) ? ofc_attr_timestamp_us(at) : ofc_attr_received_us(at);
    if (w->json) {
        char ts[40];
        ofc_time_format_iso(t, 3, ts, sizeof ts);
        jw_reset(&w->jw);
        jw_object_begin(&w->jw);
        jw_key(&w->jw, "time");
        jw_string(&w->jw, ts);
        jw_key(&w->jw, "kind");
        jw_string(&w->jw, "attribute");
        jw_key(&w->jw, "asset");
        jw_string(&w->jw, ofc_asset_uuid(a));
        jw_key(&w->jw, "uns_id");
        if (ofc_asset_uns_id(a))
            jw_string(&w->jw, ofc_asset_uns_id(a));
        else
            jw_null(&w->jw);
        jw_key(&w->jw, "attribute");
        ofc_snapshot_write_attr(&w->jw, at, false);
        jw_object_end(&w->jw);
        fwrite(w->jw.buf, 1, w->jw.len, stdout);
        fputc('\n', stdout);
        return;
    }
    put_time(t);
    fputs("  ", stdout);
    cli_put_wire_text(stdout, path_of(a), false);
    fputs("  ", stdout);
    cli_put_wire_text(stdout, ofc_attr_id(at), false);
    fputs(" = ", stdout);
    if (ofc_attr_value_kind(at) == OFC_VALUE_STRING)
        cli_put_wire_text(stdout, ofc_attr_value(at), true);
    else if (ofc_attr_value_kind(at) == OFC_VALUE_NULL)
        fputs("null", stdout);
    else
        cli_put_wire_text(stdout, ofc_attr_value(at), false);
    fputs("  (", stdout);
    cli_put_wire_text(stdout, ofc_attr_type_text(at), false);
    if (ofc_attr_condition_level(at) != OFC_COND_NONE)
        printf(" %s", ofc_cond_level_name(ofc_attr_condition_level(at)));
    fputs(")\n", stdout);
}

static void on_each(void *opaque, const ofc_change_batch *batch)
{
    watch_ctx *w = opaque;
    for (size_t i = 0; i < batch->count; i++) {
        const ofc_change *ch = &batch->changes[i];
        if (ch->kind == OFC_CHANGE_ATTR && printing(w) && wanted(w, ch->asset))
            print_attr(w, ch->attr);
    }
}

static void print_asset_line(watch_ctx *w, const ofc_asset *a, const char *what, const char *value)
{
    if (w->json) {
        char ts[40];
        ofc_time_format_iso(ofc_time_now_us(), 3, ts, sizeof ts);
        jw_reset(&w->jw);
        jw_object_begin(&w->jw);
        jw_key(&w->jw, "time");
        jw_string(&w->jw, ts);
        jw_key(&w->jw, "kind");
        jw_string(&w->jw, "asset");
        jw_key(&w->jw, "asset");
        jw_string(&w->jw, ofc_asset_uuid(a));
        jw_key(&w->jw, "change");
        jw_string(&w->jw, what);
        jw_key(&w->jw, "value");
        if (value)
            jw_string(&w->jw, value);
        else
            jw_null(&w->jw);
        jw_object_end(&w->jw);
        fwrite(w->jw.buf, 1, w->jw.len, stdout);
        fputc('\n', stdout);
        return;
    }
    put_time(0);
    fputs("  ", stdout);
    cli_put_wire_text(stdout, ofc_asset_uuid(a), false);
    printf("  %s ", what);
    cli_put_wire_text(stdout, value ? value : "(none)", false);
    fputc('\n', stdout);
}

static bool str_differs(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

static void on_batch(void *opaque, const ofc_change_batch *batch)
{
    watch_ctx *w = opaque;
    for (size_t i = 0; i < batch->count; i++) {
        const ofc_change *ch = &batch->changes[i];
        if (ch->kind != OFC_CHANGE_ASSET)
            continue;
        const ofc_asset *a = ch->asset;
        seen_asset *s = strmap_get(&w->seen, ofc_asset_uuid(a), strlen(ofc_asset_uuid(a)));
        if (!s) {
            s = xcalloc(1, sizeof *s);
            s->uuid = xstrdup(ofc_asset_uuid(a));
            strmap_put(&w->seen, s->uuid, strlen(s->uuid), s);
        }
        bool show = printing(w) && wanted(w, a);
        if (show && s->avail != ofc_asset_availability(a))
            print_asset_line(w, a, "availability", ofc_asset_availability_text(a));
        if (show && s->reg != ofc_asset_registration(a))
            print_asset_line(w, a, "registration",
                             ofc_registration_name(ofc_asset_registration(a)));
        if (show && str_differs(s->uns_id, ofc_asset_uns_id(a)))
            print_asset_line(w, a, "uns", ofc_asset_uns_id(a));
        if (show && s->state != ofc_asset_state(a))
            print_asset_line(w, a, "state", ofc_state_name(ofc_asset_state(a)));
        s->avail = ofc_asset_availability(a);
        s->reg = ofc_asset_registration(a);
        s->state = ofc_asset_state(a);
        if (str_differs(s->uns_id, ofc_asset_uns_id(a))) {
            free(s->uns_id);
            s->uns_id = ofc_asset_uns_id(a) ? xstrdup(ofc_asset_uns_id(a)) : NULL;
        }
    }
    fflush(stdout);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: ofc watch -b BROKERS [options]\n\n"
                 "Print plant changes as they happen, one line each, until interrupted. Starts at\n"
                 "the end of ofa_assets (the UNS map and tables are read first, silently) unless\n"
                 "--since is given, in which case the replay is printed too.\n\n"
                 "options:\n"
                 "  --json                 one JSON object per line (NDJSON)\n"
                 "  --uns PREFIX           only assets under this UNS path\n"
                 "  --asset UUID           only this asset\n" CLI_START_HELP CLI_COMMON_HELP);
}

int cmd_watch(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        CLI_START_LONGOPTS,
        {"json", no_argument, NULL, 'j'},
        {"uns", required_argument, NULL, 'u'},
        {"asset", required_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    watch_ctx w;
    cli_ctx ctx;
    char err[256];
    int opt, rc = 1;

    memset(&w, 0, sizeof w);
    if (!cli_ctx_init(&ctx, argc, argv))
        return 1;
    ofc_config_set(ctx.cfg, "start.since", "end", err, sizeof err);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
        int h = cli_handle_common(&ctx, opt, optarg);
        if (h < 0) {
            rc = 2;
            goto out;
        }
        if (opt == 1001 || opt == 1003)
            w.replay = true;
        if (h > 0)
            continue;
        switch (opt) {
        case 'j': w.json = true; break;
        case 'u': w.uns_prefix = optarg; break;
        case 'a': w.asset_filter = optarg; break;
        default:
            usage(stderr);
            rc = 2;
            goto out;
        }
    }
    if ((rc = cli_finish_options(&ctx, argc, argv, "watch", usage)) >= 0)
        goto out;
    rc = 1;
    cli_install_stop_signals();
    if (!plant_session_open(&w.ps, ctx.cfg, "watch"))
        goto out;
    strmap_init(&w.seen);
    jw_init(&w.jw);
    ofc_model_subscribe(w.ps.model, on_each, &w, OFC_SUB_EACH);
    ofc_model_subscribe(w.ps.model, on_batch, &w, 0);
    ofc_loop_run(w.ps.loop);
    fflush(stdout);
    plant_session_close(&w.ps);
    for (size_t i = 0; i < w.seen.cap; i++) {
        seen_asset *s = w.seen.slots[i].hash ? w.seen.slots[i].value : NULL;
        if (s) {
            free(s->uns_id);
            free(s->uuid);
            free(s);
        }
    }
    strmap_fini(&w.seen);
    jw_fini(&w.jw);
    rc = 0;
out:
    cli_ctx_fini(&ctx);
    return rc;
}
