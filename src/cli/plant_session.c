/* plant_session: wiring shared by snapshot, watch and the front ends' CLI entry points. */
#include "plant_session.h"

#include "cli_common.h"

#include <stdio.h>
#include <string.h>

static bool stop_check(void *opaque)
{
    return cli_stop_requested();
}

bool plant_session_open(plant_session *ps, const ofc_config *cfg, const char *who)
{
    char err[512];
    memset(ps, 0, sizeof *ps);
    ofc_model_limits limits = {
        (size_t)ofc_config_get_int(cfg, "history.points"),
        (size_t)ofc_config_get_int(cfg, "limit.assets"),
        (size_t)ofc_config_get_int(cfg, "limit.attributes"),
    };
    ps->model = ofc_model_new(&limits);
    ps->feed = ofc_feed_new(cfg, ps->model, err, sizeof err);
    if (!ps->feed) {
        fprintf(stderr, "ofc %s: %s\n", who, err);
        ofc_model_destroy(ps->model);
        ps->model = NULL;
        return false;
    }
    ps->loop = ofc_loop_new();
    ofc_feed_attach(ps->feed, ps->loop, 8192);
    ofc_loop_set_stop_check(ps->loop, stop_check, NULL);
    return true;
}

void plant_session_close(plant_session *ps)
{
    ofc_feed_destroy(ps->feed);
    ofc_loop_destroy(ps->loop);
    ofc_model_destroy(ps->model);
    memset(ps, 0, sizeof *ps);
}
