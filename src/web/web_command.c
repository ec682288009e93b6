/* web_command: signed commands from the browser, and the command audit, for `ofc web`.
 *
 * The browser holds the operator's key and signs the record itself (static/signing.js); the
 * server never sees a private key. What arrives in a "command" message is the whole ofa_assets
 * record, exactly as the operator reviewed it. Before producing it the server checks, and
 * refuses with a named reason sent back to that page alone:
 *   - that it has a trust store at all (without one it is read-only: "read_only"),
 *   - that the web user has the role operator ("not_operator"),
 *   - everything the core's verifier checks: strict envelope, trusted key bound to the sender,
 *     signature over the canonical bytes, time window, replay, policy for method and asset
 *     (the verdict's name: "bad_signature", "policy_denied", ...).
 * An executor checks again (defence in depth): the server's check keeps forged and stale
 * records off the bus and tells the operator why at once.
 *
 * A valid record is produced byte for byte by the core's commander (the envelope `ofc send` and
 * the TUI produce), whose state changes (SENT with partition and offset, or FAILED; ECHOED;
 * EXECUTED or REJECTED from the executor's ofc_command_outcome; TIMEOUT) are relayed to the page
 * that sent the command, if it is still connected. The trust store is read again when its file
 * changes, so a key enrolled in a browser works once the admin appends its line.
 *
 * The audit (the core's audit.h over the feed's ofa_assets tap, from the start of the log) is
 * served at GET /audit (web_http.c) as JSON for the page's audit view, or NDJSON for export.
 */
#include "web_internal.h"

#include "audit.h"
#include "commander.h"
#include "log.h"
#include "timeutil.h"
#include "trust_store.h"
#include "verifier.h"
#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Commands followed for their pages; older ones are forgotten (their page gets no more news). */
#define TRACK_MAX 256

static const char *const refuse_names[] = {
#define WEB_CMD_REFUSE_NAME(name, label, desc) label,
    WEB_CMD_REFUSE_LIST(WEB_CMD_REFUSE_NAME)
#undef WEB_CMD_REFUSE_NAME
};
static const char *const refuse_descs[] = {
#define WEB_CMD_REFUSE_DESC(name, label, desc) desc,
    WEB_CMD_REFUSE_LIST(WEB_CMD_REFUSE_DESC)
#undef WEB_CMD_REFUSE_DESC
};

const char *web_cmd_refuse_name(web_cmd_refuse r)
{
    return (unsigned)r < WEB_CMD_REFUSE__COUNT ? refuse_names[r] : "unknown";
}

const char *web_cmd_refuse_str(web_cmd_refuse r)
{
    return (unsigned)r < WEB_CMD_REFUSE__COUNT ? refuse_descs[r] : "unknown";
}

typedef struct cmd_track {
    char cid[37];
    uint64_t client; /* web_live_pss.serial of the page that sent it */
    int64_t id;      /* the page's own number for it */
} cmd_track;

struct web_cmd {
    const char *trust_path; /* NULL: read-only */
    ofc_trust *trust;
    ofc_trust_stamp stamp;
    bool trust_broken; /* the file is missing or does not parse: refusals say so */
    ofc_verifier *verifier;
    ofc_commander *commander;
    ofc_audit *audit;
    struct lws *wake_wsi;
    cmd_track track[TRACK_MAX];
    size_t track_next;
    json_writer jw;
    uint64_t accepted;
    uint64_t refused[WEB_CMD_REFUSE__COUNT];
    uint64_t refused_verdict[OFC_VERDICT__COUNT];
    uint64_t states[OFC_CMD_TIMEOUT + 1];
};

static web_live_pss *client_by_serial(web_server *srv, uint64_t serial)
{
    for (web_live_pss *p = srv->live; p; p = p->next)
        if (p->serial == serial)
            return p;
    return NULL;
}

static void send_to(web_server *srv, web_live_pss *pss, json_writer *jw)
{
    char why[100];
    size_t len;
    if (!pss->client || pss->close_code)
        return;
    char *text = jw_take(jw, &len);
    if (!web_client_reply(pss->client, web_buf_wrap(text, len), why, sizeof why)) {
        ofc_log_warn("web: %s's replies pile up unread: closing", pss->user);
        pss->close_code = LWS_CLOSE_STATUS_POLICY_VIOLATION;
        snprintf(pss->close_reason, sizeof pss->close_reason, "%s", why);
        srv->counters.closed[WEB_CLOSE_REPLIES]++;
    }
    lws_callback_on_writable(pss->wsi);
}

/* The commander says a command moved: tell the page that sent it. */
static void on_state(void *opaque, const ofc_cmd_status *st)
{
    web_server *srv = opaque;
    web_cmd *wc = srv->cmd;
    if ((unsigned)st->state <= OFC_CMD_TIMEOUT)
        wc->states[st->state]++;
    for (size_t i = 0; i < TRACK_MAX; i++) {
        cmd_track *t = &wc->track[i];
        if (!t->cid[0] || strcmp(t->cid, st->correlation_id) != 0)
            continue;
        web_live_pss *pss = client_by_serial(srv, t->client);
        if (!pss)
            return;
        web_json_command_state(&wc->jw, t->id, st, ofc_time_now_us());
        send_to(srv, pss, &wc->jw);
        return;
    }
}

static int wake_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    web_server *srv = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        if (srv->cmd && srv->cmd->commander)
            ofc_commander_service(srv->cmd->commander);
        return 0;
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        if (srv->cmd)
            srv->cmd->wake_wsi = NULL;
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return -1; /* never a WebSocket */
    default: return 0;
    }
}

struct lws_protocols web_command__protocol(void)
{
    return (struct lws_protocols){"ofc-cmd-wake", wake_callback, 0, 0, 0, NULL, 0};
}

static void reload_trust(web_server *srv, bool first)
{
    web_cmd *wc = srv->cmd;
    ofc_trust *next;
    char err[512];
    if (!wc->trust_path)
        return;
    if (ofc_trust_reload(wc->trust_path, &wc->stamp, &next, err, sizeof err) != OFC_OK) {
        /* Fail closed: nobody is trusted until the file is back and parses. */
        ofc_log_error("web: trust store %s: every command is refused until it is fixed", err);
        next = ofc_trust_empty();
        wc->trust_broken = true;
    } else if (next) {
        wc->trust_broken = false;
    }
    if (!next)
        return;
    if (!first)
        ofc_log_info("web: trust store %s read again: %zu keys", wc->trust_path,
                     ofc_trust_count(next));
    if (wc->verifier)
        ofc_verifier_set_trust(wc->verifier, next);
    else
        wc->verifier = ofc_verifier_new(next, NULL);
    ofc_audit_set_trust(wc->audit, next);
    ofc_trust_destroy(wc->trust);
    wc->trust = next;
}

/* Replicas share nothing but Kafka: a genuine command another replica (or any signer) put on
 * the log is remembered here too, so a replay of it to this replica is refused by the server,
 * not only by the executor. The audit reads every command record from the log. */
static void note_command_seen(void *opaque, const ofc_audit_entry *e)
{
    web_cmd *wc = opaque;
    bool genuine = e->verdict == OFC_VERDICT_VALID || e->verdict == OFC_VERDICT_POLICY_DENIED ||
                   e->verdict == OFC_VERDICT_REPLAYED;
    int64_t ts_us;
    if (!wc->verifier || !genuine || !e->timestamp ||
        !ofc_time_parse(e->timestamp, strlen(e->timestamp), &ts_us))
        return;
    ofc_verifier_note_seen(wc->verifier, e->correlation_id, ts_us, ofc_time_now_us());
}

bool web_command__init(web_server *srv, char *errstr, size_t errstr_size)
{
    web_cmd *wc = xcalloc(1, sizeof *wc);
    srv->cmd = wc;
    jw_init(&wc->jw);
    wc->trust_path = srv->opts.trust_path && *srv->opts.trust_path ? srv->opts.trust_path : NULL;
    /* Every command record from the start of the log, read by the feed (before it is first
     * serviced, so none is missed). */
    wc->audit = ofc_audit_new(NULL, srv->model, 0);
    ofc_audit_attach(wc->audit, srv->feed);
    if (!wc->trust_path) {
        web_hub_set_commands(srv->hub, false);
        ofc_log_info("web: no trust store (--trust): read-only, commands are refused");
        return true;
    }
    /* A missing or broken trust store at start is an error: the operator asked for commands. */
    if (ofc_trust_reload(wc->trust_path, &wc->stamp, &wc->trust, errstr, errstr_size) != OFC_OK)
        return false;
    wc->verifier = ofc_verifier_new(wc->trust, NULL);
    ofc_audit_set_trust(wc->audit, wc->trust);
    ofc_audit_on_entry(wc->audit, note_command_seen, wc);
    wc->commander = ofc_commander_new(srv->cfg, srv->model, 0, errstr, errstr_size);
    if (!wc->commander)
        return false;
    ofc_commander_on_change(wc->commander, on_state, srv);
    lws_sock_file_fd_type fd;
    fd.filefd = fcntl(ofc_commander_wake_fd(wc->commander), F_DUPFD_CLOEXEC, 0);
    if (fd.filefd < 0) {
        snprintf(errstr, errstr_size, "dup: %s", strerror(errno));
        return false;
    }
    wc->wake_wsi =
        lws_adopt_descriptor_vhost(srv->vhost, LWS_ADOPT_RAW_FILE_DESC, fd, "ofc-cmd-wake", NULL);
    if (!wc->wake_wsi) {
        close(fd.filefd);
        snprintf(errstr, errstr_size, "libwebsockets: cannot adopt the commander's wake fd");
        return false;
    }
    web_hub_set_commands(srv->hub, true);
    ofc_log_info("web: signed commands verified against %s (%zu keys; read again when it "
                 "changes)",
                 wc->trust_path, ofc_trust_count(wc->trust));
    return true;
}

void web_command__destroy(web_server *srv)
{
    web_cmd *wc = srv->cmd;
    if (!wc)
        return;
    ofc_commander_destroy(wc->commander);
    ofc_verifier_destroy(wc->verifier);
    ofc_audit_destroy(wc->audit);
    ofc_trust_destroy(wc->trust);
    jw_fini(&wc->jw);
    free(wc);
    srv->cmd = NULL;
}

void web_command__tick(web_server *srv)
{
    web_cmd *wc = srv->cmd;
    if (!wc)
        return;
    reload_trust(srv, false);
    if (wc->commander)
        ofc_commander_service(wc->commander); /* timeouts */
}

static void refuse(web_server *srv, web_live_pss *pss, const web_msg *msg, web_cmd_refuse why,
                   const ofc_command_info *info, ofc_verdict verdict)
{
    web_cmd *wc = srv->cmd;
    char message[256];
    const char *reason = web_cmd_refuse_name(why);
    wc->refused[why]++;
    if (why == WEB_CMD_REFUSE_VERDICT) {
        wc->refused_verdict[verdict]++;
        reason = ofc_verdict_name(verdict);
        if (verdict == OFC_VERDICT_POLICY_DENIED && info) /* which rule: role, method, scope */
            snprintf(message, sizeof message, "%s", ofc_policy_str(info->policy));
        else
            snprintf(message, sizeof message, "%s", ofc_verdict_str(verdict));
    } else {
        snprintf(message, sizeof message, "%s", web_cmd_refuse_str(why));
    }
    ofc_log_warn("web: refused a command from %s to %s: %s (%s)", pss->user, msg->asset, reason,
                 message);
    web_json_command_refused(&wc->jw, msg->id,
                             info && info->correlation_id ? info->correlation_id : NULL, reason,
                             message);
    send_to(srv, pss, &wc->jw);
}

void web_command__handle(web_server *srv, web_live_pss *pss, const web_msg *msg)
{
    web_cmd *wc = srv->cmd;
    if (!wc || !wc->trust_path || !wc->verifier || !wc->commander) {
        refuse(srv, pss, msg, WEB_CMD_REFUSE_READ_ONLY, NULL, OFC_VERDICT_VALID);
        return;
    }
    if (pss->role != WEB_ROLE_OPERATOR) {
        refuse(srv, pss, msg, WEB_CMD_REFUSE_NOT_OPERATOR, NULL, OFC_VERDICT_VALID);
        return;
    }
    if (wc->trust_broken) {
        /* Not "unknown_key": the operator's key is fine, the server's file is not. */
        refuse(srv, pss, msg, WEB_CMD_REFUSE_TRUST_UNAVAILABLE, NULL, OFC_VERDICT_VALID);
        return;
    }
    const ofc_asset *asset = ofc_model_find_asset(srv->model, msg->asset);
    const char *uns = asset ? ofc_asset_uns_id(asset) : NULL;
    ofc_command_info info;
    ofc_verdict v = ofc_verifier_check(wc->verifier, msg->asset, strlen(msg->asset), msg->record,
                                       msg->record_len, uns, ofc_time_now_us(), &info);
    if (v != OFC_VERDICT_VALID) {
        refuse(srv, pss, msg, WEB_CMD_REFUSE_VERDICT, &info, v);
        return;
    }
    /* Valid: produce the very bytes that were signed and reviewed. */
    ofc_signed_command cmd;
    memset(&cmd, 0, sizeof cmd);
    snprintf(cmd.correlation_id, sizeof cmd.correlation_id, "%s", info.correlation_id);
    snprintf(cmd.timestamp, sizeof cmd.timestamp, "%s", info.timestamp ? info.timestamp : "");
    cmd.target = (char *)msg->asset;
    cmd.record = (char *)msg->record;
    cmd.record_len = msg->record_len;
    ofc_log_info("web: %s sends %s to %s signed by operator %s (key %s), correlation id %s",
                 pss->user, info.method, msg->asset, info.sender, info.key_id, info.correlation_id);
    cmd_track *t = &wc->track[wc->track_next++ % TRACK_MAX];
    snprintf(t->cid, sizeof t->cid, "%s", info.correlation_id);
    t->client = pss->serial;
    t->id = msg->id;
    wc->accepted++;
    char err[256];
    /* A refusal by librdkafka is reported as FAILED through on_state. */
    if (ofc_commander_send(wc->commander, &cmd, err, sizeof err) != OFC_OK)
        ofc_log_warn("web: command %s not produced: %s", info.correlation_id, err);
}

/* ---- what the trust store says, before anything is signed ---- */

void web_command__policy(web_server *srv, web_live_pss *pss, const web_msg *msg)
{
    web_cmd *wc = srv->cmd;
    if (!wc)
        return;
    bool ask = msg->asset[0] && msg->method[0];
    const ofc_trust_entry *e = NULL;
    const char *why;
    bool allowed = false;
    char buf[256];
    if (!wc->trust) {
        why = web_cmd_refuse_str(WEB_CMD_REFUSE_READ_ONLY);
    } else if (pss->role != WEB_ROLE_OPERATOR) {
        why = web_cmd_refuse_str(WEB_CMD_REFUSE_NOT_OPERATOR);
    } else if (!(e = ofc_trust_find(wc->trust, msg->key_id))) {
        why = "the key is not in the server's trust store (yet): give the admin its line";
    } else if (!ask) {
        snprintf(buf, sizeof buf, "trusted as %s", ofc_trust_entry_operator(e));
        why = buf;
    } else {
        const ofc_asset *asset = ofc_model_find_asset(srv->model, msg->asset);
        ofc_policy p = ofc_trust_entry_allows(e, msg->method, msg->asset,
                                              asset ? ofc_asset_uns_id(asset) : NULL);
        allowed = p == OFC_POLICY_ALLOW;
        why = allowed ? "allowed by the trust store" : ofc_policy_str(p);
    }
    /* Only an operator learns what the trust store holds. */
    bool tell = e && pss->role == WEB_ROLE_OPERATOR;
    web_json_policy(&wc->jw, msg->key_id, msg->asset, msg->method, tell,
                    tell ? ofc_trust_entry_operator(e) : NULL, allowed, why);
    send_to(srv, pss, &wc->jw);
}

/* ---- audit ---- */

bool web_command__trusted(const web_server *srv)
{
    return srv->cmd && srv->cmd->trust;
}

char *web_command__audit(web_server *srv, const web_audit_query *q, bool ndjson, size_t *len)
{
    web_cmd *wc = srv->cmd;
    json_writer jw;
    jw_init(&jw);
    size_t total = wc ? ofc_audit_count(wc->audit) : 0, matched = 0;
    size_t limit = q->limit ? q->limit : 500;
    if (ndjson) {
        /* Oldest first, every match, one object a line, signed records included. Each line
         * is its own document: a writer of its own (one writer would put commas between). */
        json_writer one;
        jw_init(&one);
        for (size_t i = 0; i < total; i++) {
            const ofc_audit_entry *e = ofc_audit_at(wc->audit, i);
            if (!ofc_audit_matches(e, q->operator_id, q->asset, q->since_us, q->until_us))
                continue;
            jw_reset(&one);
            ofc_audit_write_json(e, &one);
            jw_append(&jw, one.buf, one.len);
            jw_append(&jw, "\n", 1);
        }
        jw_fini(&one);
        char *text = jw_take(&jw, len);
        jw_fini(&jw);
        return text;
    }
    jw_object_begin(&jw);
    jw_key(&jw, "trusted");
    jw_bool(&jw, wc && wc->trust);
    jw_key(&jw, "total");
    jw_int(&jw, (int64_t)total);
    jw_key(&jw, "entries");
    jw_array_begin(&jw);
    for (size_t i = total; i-- > 0;) {
        const ofc_audit_entry *e = ofc_audit_at(wc->audit, i);
        if (!ofc_audit_matches(e, q->operator_id, q->asset, q->since_us, q->until_us))
            continue;
        if (matched++ < limit)
            ofc_audit_write_json(e, &jw);
    }
    jw_array_end(&jw);
    jw_key(&jw, "matched");
    jw_int(&jw, (int64_t)matched);
    jw_key(&jw, "truncated");
    jw_bool(&jw, matched > limit);
    jw_object_end(&jw);
    jw_append(&jw, "\n", 1);
    char *text = jw_take(&jw, len);
    jw_fini(&jw);
    return text;
}

void web_command__metrics(web_server *srv, FILE *f)
{
    web_cmd *wc = srv->cmd;
    if (!wc)
        return;
    fprintf(f, "# HELP ofc_web_commands_accepted_total signed commands verified and handed to "
               "the producer\n# TYPE ofc_web_commands_accepted_total counter\n");
    fprintf(f, "ofc_web_commands_accepted_total %llu\n", (unsigned long long)wc->accepted);
    fprintf(f, "# HELP ofc_web_commands_refused_total commands refused by the server, by "
               "reason\n# TYPE ofc_web_commands_refused_total counter\n");
    for (int r = 0; r < WEB_CMD_REFUSE__COUNT; r++)
        if (r != WEB_CMD_REFUSE_VERDICT)
            fprintf(f, "ofc_web_commands_refused_total{reason=\"%s\"} %llu\n",
                    web_cmd_refuse_name((web_cmd_refuse)r), (unsigned long long)wc->refused[r]);
    for (int v = 1; v < OFC_VERDICT__COUNT; v++)
        fprintf(f, "ofc_web_commands_refused_total{reason=\"%s\"} %llu\n",
                ofc_verdict_name((ofc_verdict)v), (unsigned long long)wc->refused_verdict[v]);
    fprintf(f, "# HELP ofc_web_command_states_total state changes of commands sent from the "
               "web\n# TYPE ofc_web_command_states_total counter\n");
    for (int s = OFC_CMD_SENT; s <= OFC_CMD_TIMEOUT; s++)
        fprintf(f, "ofc_web_command_states_total{state=\"%s\"} %llu\n",
                ofc_cmd_state_name((ofc_cmd_state)s), (unsigned long long)wc->states[s]);
    fprintf(f,
            "# HELP ofc_web_audit_entries command records in the audit\n"
            "# TYPE ofc_web_audit_entries gauge\nofc_web_audit_entries %zu\n",
            ofc_audit_count(wc->audit));
}
