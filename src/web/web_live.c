/* web_live: the ofc-live.v1 WebSocket: one web_client per connection, client messages
 * assembled, bounded, rate limited and parsed strictly, frames written only from
 * LWS_CALLBACK_SERVER_WRITEABLE, one lws_write each. */
#include "web_internal.h"

#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_RATE   10.0 /* client messages per second, sustained */
#define MSG_BURST  20.0
#define MAX_PIECES 64 /* frames/callbacks one message may arrive in */

/* Close codes beyond RFC 6455's (4000-4999 are the application's; docs/protocol.md). */
#define CLOSE_MALFORMED 4400
#define CLOSE_REVOKED   4401

static const char *const close_labels[] = {
#define WEB_CLOSE_LABEL(name, label) label,
    WEB_CLOSE_LIST(WEB_CLOSE_LABEL)
#undef WEB_CLOSE_LABEL
};

static web_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* Close for something the client sent. Not at once: returning -1 from RECEIVE would leave the
 * rest of lws's read buffer unparsed, and the peer could miss the close frame. The connection
 * ignores whatever else arrives and closes at its next writable. */
static int close_soon(web_server *srv, web_live_pss *pss, struct lws *wsi, int code, web_close why,
                      const char *reason)
{
    if (pss->close_code)
        return 0;
    srv->counters.closed[why]++;
    ofc_log_info("web: closing %s's connection: %d %s (%s)", pss->user, code, reason,
                 close_labels[why]);
    pss->close_code = code;
    snprintf(pss->close_reason, sizeof pss->close_reason, "%s", reason);
    OFC_FREE(pss->rx);
    lws_callback_on_writable(wsi);
    return 0;
}

/* Close from outside: at the next writable, or at once if the peer stopped reading. */
static void close_later(web_server *srv, web_live_pss *pss, int code, web_close why,
                        const char *reason, bool kill)
{
    if (pss->close_code)
        return;
    srv->counters.closed[why]++;
    pss->close_code = code;
    snprintf(pss->close_reason, sizeof pss->close_reason, "%s", reason);
    if (kill)
        lws_set_timeout(pss->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    else
        lws_callback_on_writable(pss->wsi);
}

void web_live__notify(void *opaque)
{
    web_server *srv = opaque;
    for (web_live_pss *p = srv->live; p; p = p->next)
        if (p->client && web_client_has_output(p->client))
            lws_callback_on_writable(p->wsi);
}

void web_live__tick(web_server *srv, int64_t mono_us)
{
    for (web_live_pss *p = srv->live; p; p = p->next) {
        if (p->close_code)
            continue;
        if (web_client_stalled(p->client, mono_us, srv->opts.stall_timeout_us)) {
            close_later(srv, p, LWS_CLOSE_STATUS_POLICY_VIOLATION, WEB_CLOSE_STALLED,
                        "client does not read", true);
            continue;
        }
        if (!p->authed)
            continue;
        const web_user *u = web_users_find(&srv->users, p->user);
        if (!u || sodium_memcmp(u->hash, p->token_hash, sizeof p->token_hash) != 0)
            close_later(srv, p, CLOSE_REVOKED, WEB_CLOSE_REVOKED, "credential revoked", false);
    }
}

void web_live__shutdown(web_server *srv)
{
    for (web_live_pss *p = srv->live; p; p = p->next)
        close_later(srv, p, LWS_CLOSE_STATUS_GOINGAWAY, WEB_CLOSE_SHUTDOWN, "server shutting down",
                    false);
}

static bool rate_ok(web_live_pss *pss)
{
    int64_t now = ofc_time_mono_us();
    pss->tokens += (double)(now - pss->tokens_us) / 1e6 * MSG_RATE;
    if (pss->tokens > MSG_BURST)
        pss->tokens = MSG_BURST;
    pss->tokens_us = now;
    if (pss->tokens < 1)
        return false;
    pss->tokens -= 1;
    return true;
}

static int process(web_server *srv, web_live_pss *pss, struct lws *wsi, const char *data,
                   size_t len)
{
    web_msg msg;
    char why[100], reason[123];
    srv->counters.client_messages++;
    if (!rate_ok(pss))
        return close_soon(srv, pss, wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, WEB_CLOSE_RATE,
                          "rate limit: at most 10 messages a second");
    if (!web_msg_parse(srv->parser, data, len, &msg, why, sizeof why)) {
        snprintf(reason, sizeof reason, "malformed message: %s", why);
        /* lws checks UTF-8 first (1007); this keeps the code right should a frame slip by */
        int code = strstr(why, "UTF-8") ? LWS_CLOSE_STATUS_INVALID_PAYLOAD : CLOSE_MALFORMED;
        return close_soon(srv, pss, wsi, code, WEB_CLOSE_MALFORMED, reason);
    }
    if (msg.type == WEB_MSG_COMMAND) {
        web_command__handle(srv, pss, &msg);
        return 0;
    }
    if (msg.type == WEB_MSG_POLICY) {
        web_command__policy(srv, pss, &msg);
        return 0;
    }
    if (!web_client_handle(pss->client, &msg, why, sizeof why))
        return close_soon(srv, pss, wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, WEB_CLOSE_REPLIES, why);
    lws_callback_on_writable(wsi);
    return 0;
}

static int on_receive(web_server *srv, web_live_pss *pss, struct lws *wsi, const char *in,
                      size_t len)
{
    if (pss->close_code)
        return 0; /* closing: nothing more is read */
    if (lws_frame_is_binary(wsi))
        return close_soon(srv, pss, wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, WEB_CLOSE_BINARY,
                          "binary messages are not part of " WEB_PROTOCOL);
    bool final = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
    if (!pss->rx && final) {
        if (len > WEB_MSG_MAX)
            return close_soon(srv, pss, wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, WEB_CLOSE_TOO_BIG,
                              "message larger than 4096 bytes");
        return process(srv, pss, wsi, in, len);
    }
    if (!pss->rx) {
        pss->rx = xmalloc(WEB_MSG_MAX);
        pss->rx_len = 0;
        pss->rx_pieces = 0;
    }
    if (len > WEB_MSG_MAX - pss->rx_len)
        return close_soon(srv, pss, wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, WEB_CLOSE_TOO_BIG,
                          "message larger than 4096 bytes");
    if (++pss->rx_pieces > MAX_PIECES)
        return close_soon(srv, pss, wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, WEB_CLOSE_TOO_BIG,
                          "message in too many fragments");
    memcpy(pss->rx + pss->rx_len, in, len);
    pss->rx_len += len;
    if (!final)
        return 0;
    int rc = process(srv, pss, wsi, pss->rx, pss->rx_len);
    OFC_FREE(pss->rx);
    return rc;
}

static int on_writeable(web_server *srv, web_live_pss *pss, struct lws *wsi)
{
    if (pss->close_code) {
        lws_close_reason(wsi, (enum lws_close_status)pss->close_code,
                         (unsigned char *)pss->close_reason, strlen(pss->close_reason));
        return -1;
    }
    unsigned flags;
    unsigned char *buf = srv->frame + LWS_PRE;
    size_t n = web_client_next_frame(pss->client, buf, WEB_FRAME_MAX, &flags, ofc_time_mono_us());
    if (!n)
        return 0;
    int wflags = (flags & WEB_FRAME_FIRST) ? LWS_WRITE_TEXT : LWS_WRITE_CONTINUATION;
    if (!(flags & WEB_FRAME_FIN))
        wflags |= LWS_WRITE_NO_FIN;
    if (lws_write(wsi, buf, n, (enum lws_write_protocol)wflags) < (int)n)
        return -1;
    if (web_client_has_output(pss->client))
        lws_callback_on_writable(wsi);
    return 0;
}

int web_live__callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
    web_server *srv = server_of(wsi);
    web_live_pss *pss = user;
    const char *why;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* Checked with an HTTP answer at HTTP_CONFIRM_UPGRADE already; again here, where the
         * identity is kept, so no path can skip it. */
        if (!web_http__origin_ok(srv, wsi) || srv->stopping ||
            !web_http__identify(srv, wsi, pss->user, &pss->role, &why))
            return -1;
        if (!srv->opts.no_auth) {
            const web_user *u = web_users_find(&srv->users, pss->user);
            if (!u)
                return -1;
            memcpy(pss->token_hash, u->hash, sizeof pss->token_hash);
            pss->authed = true;
        }
        return 0;
    case LWS_CALLBACK_ESTABLISHED: {
        /* /live?uns=PREFIX subscribes from the start (lws has URL-decoded the argument). */
        char arg[WEB_UNS_MAX + 8], prefix[WEB_UNS_MAX + 1] = "";
        const char *uns = lws_get_urlarg_by_name(wsi, "uns=", arg, (int)sizeof arg);
        size_t ulen = uns ? strlen(uns) : 0;
        while (ulen && uns[ulen - 1] == '/')
            ulen--;
        if (uns && web_msg_uns_valid(uns, ulen)) {
            memcpy(prefix, uns, ulen);
            prefix[ulen] = '\0';
        }
        pss->wsi = wsi;
        pss->serial = ++srv->next_serial;
        pss->client = web_client_new(srv->hub, pss->user, web_role_name(pss->role),
                                     !srv->opts.no_auth, prefix);
        pss->tokens = MSG_BURST;
        pss->tokens_us = ofc_time_mono_us();
        pss->next = srv->live;
        if (srv->live)
            srv->live->prev = pss;
        srv->live = pss;
        srv->live_count++;
        srv->counters.ws_accepted++;
        ofc_log_info("web: %s connected (%zu clients)", pss->user, srv->live_count);
        lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_RECEIVE:
        if (!pss->client)
            return -1;
        return on_receive(srv, pss, wsi, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (!pss->client)
            return 0;
        return on_writeable(srv, pss, wsi);
    case LWS_CALLBACK_CLOSED:
        if (!pss->client)
            return 0;
        if (pss->prev)
            pss->prev->next = pss->next;
        else
            srv->live = pss->next;
        if (pss->next)
            pss->next->prev = pss->prev;
        srv->live_count--;
        web_client_destroy(pss->client);
        pss->client = NULL;
        OFC_FREE(pss->rx);
        return 0;
    default: return 0;
    }
}
