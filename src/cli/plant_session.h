/* plant_session: the model + feed + loop trio that every plant-reading subcommand sets up. */
#ifndef OFC_PLANT_SESSION_H
#define OFC_PLANT_SESSION_H

#include "asset_model.h"
#include "config.h"
#include "event_loop.h"
#include "feed.h"

typedef struct plant_session {
    ofc_model *model;
    ofc_feed *feed;
    ofc_loop *loop;
} plant_session;

/* Build from the config; prints the error and returns false on failure. */
bool plant_session_open(plant_session *ps, const ofc_config *cfg, const char *who);
void plant_session_close(plant_session *ps);

#endif
