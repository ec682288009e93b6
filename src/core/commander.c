/* commander: one producer whose delivery reports come back on the loop thread (rd_kafka_poll on
 * the wake fd), and a model observer that spots echoes and outcomes. */
#include "commander.h"

#include "event_loop.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HISTORY_MAX 1000

struct ofc_commander {
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt; /* held so the topic's metadata is fetched at start, not at first send */
    rd_kafka_queue_t *main_queue;
    int wake[2];
    char *topic;
    ofc_model *model; /* borrowed */
    int subscription;
    int64_t outcome_timeout_us;
    ofc_cmd_status *history; /* ring of HISTORY_MAX */
    size_t head, count;
    ofc_commander_fn on_change;
    void *on_change_opaque;
};

const char *ofc_cmd_state_name(ofc_cmd_state s)
{
    static const char *const names[] = {"PENDING",  "SENT",     "FAILED", "ECHOED",
                                        "EXECUTED", "REJECTED", "TIMEOUT"};
    return (unsigned)s <= OFC_CMD_TIMEOUT ? names[s] : "UNKNOWN";
}

bool ofc_cmd_state_final(ofc_cmd_state s)
{
    return s == OFC_CMD_FAILED || s == OFC_CMD_EXECUTED || s == OFC_CMD_REJECTED;
}

static ofc_cmd_status *slot(ofc_commander *c, size_t i)
{
    return &c->history[(c->head + i) % HISTORY_MAX];
}

size_t ofc_commander_count(const ofc_commander *c)
{
    return c->count;
}

const ofc_cmd_status *ofc_commander_at(const ofc_commander *c, size_t i)
{
    return i < c->count ? &c->history[(c->head + i) % HISTORY_MAX] : NULL;
}

static ofc_cmd_status *find(ofc_commander *c, const char *cid)
{
    for (size_t i = c->count; i-- > 0;)
        if (strcmp(slot(c, i)->correlation_id, cid) == 0)
            return slot(c, i);
    return NULL;
}

const ofc_cmd_status *ofc_commander_find(const ofc_commander *c, const char *cid)
{
    return find((ofc_commander *)c, cid);
}

static void set_state(ofc_commander *c, ofc_cmd_status *st, ofc_cmd_state state, const char *detail)
{
    /* States only move forward, except that a late outcome overrides TIMEOUT. */
    if (ofc_cmd_state_final(st->state) || (state <= st->state && st->state != OFC_CMD_TIMEOUT))
        return;
    st->state = state;
    int64_t now = ofc_time_now_us();
    /* The echo (read back from ofa_assets) can beat the delivery report: the record is in the
     * log either way, and the outcome's timeout runs from then. */
    if (state >= OFC_CMD_SENT && !st->sent_us)
        st->sent_us = now;
    if (state == OFC_CMD_ECHOED)
        st->echoed_us = now;
    else if (state >= OFC_CMD_EXECUTED)
        st->outcome_us = now;
    if (detail)
        snprintf(st->detail, sizeof st->detail, "%s", detail);
    if (c->on_change)
        c->on_change(c->on_change_opaque, st);
}

/* librdkafka's own lines go to the front end's sink (never straight to a curses screen). */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    ofc_log(level <= 4 ? OFC_LOG_INFO : OFC_LOG_DEBUG, "librdkafka %s: %s", fac, buf);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    ofc_commander *c = opaque;
    char *cid = m->_private;
    ofc_cmd_status *st = cid ? find(c, cid) : NULL;
    if (st) {
        if (m->err) {
            set_state(c, st, OFC_CMD_FAILED, rd_kafka_err2str(m->err));
        } else {
            st->partition = m->partition;
            st->offset = m->offset;
            set_state(c, st, OFC_CMD_SENT, NULL);
        }
    }
    free(cid);
}

/* Echoes and outcomes, seen as the feed applies records. */
static void on_model_change(void *opaque, const ofc_change_batch *batch)
{
    ofc_commander *c = opaque;
    for (size_t i = 0; i < batch->count; i++) {
        const ofc_change *ch = &batch->changes[i];
        if (ch->kind != OFC_CHANGE_ATTR)
            continue;
        const char *id = ofc_attr_id(ch->attr);
        size_t n = strlen(id);
        const char *value = ofc_attr_value(ch->attr);
        if (n > 4 && strcmp(id + n - 4, "_CMD") == 0) {
            for (size_t k = 0; k < c->count; k++) {
                ofc_cmd_status *st = slot(c, k);
                if (st->state < OFC_CMD_ECHOED && strstr(value, st->correlation_id))
                    set_state(c, st, OFC_CMD_ECHOED, NULL);
            }
        } else if (strcmp(id, OFC_OUTCOME_ATTR) == 0) {
            json_t *o = json_loads(value, 0, NULL);
            const char *cid = json_string_value(json_object_get(o, "correlation_id"));
            const char *outcome = json_string_value(json_object_get(o, "outcome"));
            const char *reason = json_string_value(json_object_get(o, "reason"));
            ofc_cmd_status *st = cid ? find(c, cid) : NULL;
            if (st && outcome) {
                if (st->state < OFC_CMD_ECHOED)
                    set_state(c, st, OFC_CMD_ECHOED, NULL);
                set_state(c, st,
                          strcmp(outcome, "executed") == 0 ? OFC_CMD_EXECUTED : OFC_CMD_REJECTED,
                          reason ? reason : "");
            }
            json_decref(o);
        }
    }
}

ofc_commander *ofc_commander_new(const ofc_config *cfg, ofc_model *model,
                                 int64_t outcome_timeout_us, char *errstr, size_t errstr_size)
{
    ofc_commander *c = xcalloc(1, sizeof *c);
    char rderr[512];
    c->wake[0] = c->wake[1] = -1;
    c->model = model;
    c->subscription = -1;
    c->outcome_timeout_us = outcome_timeout_us > 0 ? outcome_timeout_us : 15 * 1000000LL;
    c->history = xcalloc(HISTORY_MAX, sizeof *c->history);
    c->topic = xstrdup(ofc_config_get(cfg, "topic.assets"));
    if (pipe(c->wake) != 0) {
        snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
        goto fail;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(c->wake[i], F_SETFL, fcntl(c->wake[i], F_GETFL) | O_NONBLOCK);
        fcntl(c->wake[i], F_SETFD, FD_CLOEXEC);
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    static const char *const defaults[][2] = {
        {"partitioner", "murmur2_random"}, /* wire §2: same partition as Java/ksqlDB writers */
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {"linger.ms", "0"},              /* a command is one record: send it now */
        {"message.timeout.ms", "10000"}, /* a command not delivered in 10 s is FAILED */
        {"log.queue", "true"},
    };
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
        if (rd_kafka_conf_set(conf, defaults[i][0], defaults[i][1], rderr, sizeof rderr)) {
            snprintf(errstr, errstr_size, "%s", rderr);
            rd_kafka_conf_destroy(conf);
            goto fail;
        }
    }
    if (ofc_config_apply_kafka(cfg, conf, errstr, errstr_size) != OFC_OK) {
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    rd_kafka_conf_set_opaque(conf, c);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_log_cb(conf, on_log);
    c->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, rderr, sizeof rderr);
    if (!c->rk) {
        rd_kafka_conf_destroy(conf);
        snprintf(errstr, errstr_size, "kafka producer: %s", rderr);
        goto fail;
    }
    rd_kafka_set_log_queue(c->rk, NULL);
    /* Without this the first command waits for the topic's metadata and leader connection
     * (~0.2 s measured from the web page); with it that happens while nobody waits. */
    c->rkt = rd_kafka_topic_new(c->rk, c->topic, NULL);
    c->main_queue = rd_kafka_queue_get_main(c->rk);
    rd_kafka_queue_io_event_enable(c->main_queue, c->wake[1], "c", 1);
    c->subscription = ofc_model_subscribe(model, on_model_change, c, OFC_SUB_EACH);
    return c;
fail:
    ofc_commander_destroy(c);
    return NULL;
}

void ofc_commander_destroy(ofc_commander *c)
{
    if (!c)
        return;
    if (c->subscription >= 0)
        ofc_model_unsubscribe(c->model, c->subscription);
    if (c->main_queue) {
        rd_kafka_queue_io_event_enable(c->main_queue, -1, NULL, 0);
        rd_kafka_queue_destroy(c->main_queue);
    }
    if (c->rkt)
        rd_kafka_topic_destroy(c->rkt);
    if (c->rk) {
        rd_kafka_flush(c->rk, 2000);
        rd_kafka_destroy(c->rk);
    }
    for (int i = 0; i < 2; i++)
        if (c->wake[i] >= 0)
            close(c->wake[i]);
    free(c->history);
    free(c->topic);
    free(c);
}

ofc_err ofc_commander_send(ofc_commander *c, const ofc_signed_command *cmd, char *errstr,
                           size_t errstr_size)
{
    if (c->count == HISTORY_MAX) {
        c->head = (c->head + 1) % HISTORY_MAX;
        c->count--;
    }
    ofc_cmd_status *st = slot(c, c->count);
    memset(st, 0, sizeof *st);
    snprintf(st->correlation_id, sizeof st->correlation_id, "%s", cmd->correlation_id);
    snprintf(st->target, sizeof st->target, "%s", cmd->target);
    json_t *rec = json_loadb(cmd->record, cmd->record_len, 0, NULL);
    const char *id = json_string_value(json_object_get(rec, "ID"));
    snprintf(st->method, sizeof st->method, "%.*s", id ? (int)strlen(id) - 4 : 0, id ? id : "");
    json_decref(rec);
    st->partition = -1;
    st->offset = -1;
    st->created_us = ofc_time_now_us();
    st->state = OFC_CMD_PENDING;

    char *cid = xstrdup(cmd->correlation_id);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        c->rk, RD_KAFKA_V_TOPIC(c->topic), RD_KAFKA_V_KEY(cmd->target, strlen(cmd->target)),
        RD_KAFKA_V_VALUE(cmd->record, cmd->record_len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(cid), RD_KAFKA_V_END);
    if (err) {
        free(cid);
        snprintf(errstr, errstr_size, "%s", rd_kafka_err2str(err));
        c->count++;
        set_state(c, st, OFC_CMD_FAILED, rd_kafka_err2str(err));
        return OFC_ERR_KAFKA;
    }
    c->count++;
    if (c->on_change)
        c->on_change(c->on_change_opaque, st);
    return OFC_OK;
}

int ofc_commander_wake_fd(const ofc_commander *c)
{
    return c->wake[0];
}

void ofc_commander_service(ofc_commander *c)
{
    char buf[64];
    while (read(c->wake[0], buf, sizeof buf) > 0)
        ;
    rd_kafka_poll(c->rk, 0);
    int64_t now = ofc_time_now_us();
    for (size_t i = 0; i < c->count; i++) {
        ofc_cmd_status *st = slot(c, i);
        if ((st->state == OFC_CMD_SENT || st->state == OFC_CMD_ECHOED) &&
            now - st->sent_us > c->outcome_timeout_us)
            set_state(c, st, OFC_CMD_TIMEOUT, "no executor reported an outcome in time");
    }
}

void ofc_commander_on_change(ofc_commander *c, ofc_commander_fn fn, void *opaque)
{
    c->on_change = fn;
    c->on_change_opaque = opaque;
}

static void commander_readable(ofc_loop *loop, int fd, short revents, void *opaque)
{
    ofc_commander_service(opaque);
}

static void commander_tick(ofc_loop *loop, void *opaque)
{
    ofc_commander_service(opaque);
}

void ofc_commander_attach(ofc_commander *c, ofc_loop *loop)
{
    ofc_loop_add_fd(loop, c->wake[0], POLLIN, commander_readable, c);
    ofc_loop_add_timer(loop, 500, commander_tick, c);
}
