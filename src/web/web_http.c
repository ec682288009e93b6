/* web_http: the HTTP side of `ofc web`: who a request is, which WebSocket upgrades are
 * allowed, and the small routes (/login, /logout, /session, /healthz, /metrics, /audit). Static
 * files are served by lws from the "/" mount; every response, theirs and ours, carries the vhost's
 * security headers (web_server.c). */
#include "web_internal.h"

#include "json_writer.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOGIN_RATE  10.0 /* login attempts per second, all clients together */
#define LOGIN_BURST 20.0
#define HEADER_MAX  4096

typedef struct http_pss {
    char *body;
    size_t body_len, body_expected;
    char *resp;
    size_t resp_len, resp_off;
} http_pss;

size_t web_http__pss_size(void)
{
    return sizeof(http_pss);
}

static web_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* A header's value into buf (NUL-terminated); false if absent or longer than size - 1. */
static bool header(struct lws *wsi, enum lws_token_indexes token, char *buf, size_t size,
                   size_t *len)
{
    int total = lws_hdr_total_length(wsi, token);
    if (total <= 0 || (size_t)total >= size)
        return false;
    int n = lws_hdr_copy(wsi, buf, (int)size, token);
    if (n < 0)
        return false;
    *len = (size_t)n;
    return true;
}

bool web_http__identify(web_server *srv, struct lws *wsi, char *user, web_role *role,
                        const char **why)
{
    char buf[HEADER_MAX];
    size_t len;
    if (srv->opts.no_auth) {
        snprintf(user, WEB_USER_NAME_MAX + 1, "local");
        *role = WEB_ROLE_VIEWER;
        return true;
    }
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0) {
        const char *token;
        size_t tlen;
        const web_user *u = NULL;
        if (header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, buf, sizeof buf, &len) &&
            web_bearer_find(buf, len, &token, &tlen))
            u = web_users_by_token(&srv->users, token, tlen);
        sodium_memzero(buf, sizeof buf);
        if (!u) {
            *why = "unknown bearer token";
            return false;
        }
        snprintf(user, WEB_USER_NAME_MAX + 1, "%s", u->name);
        *role = u->role;
        return true;
    }
    const char *value;
    size_t vlen;
    if (!header(wsi, WSI_TOKEN_HTTP_COOKIE, buf, sizeof buf, &len) ||
        !web_cookie_find(buf, len, srv->cookie_name, &value, &vlen)) {
        *why = "not logged in";
        return false;
    }
    const web_user *u =
        web_session_verify(&srv->key, &srv->users, value, vlen, ofc_time_now_us() / 1000000, why);
    if (!u)
        return false;
    snprintf(user, WEB_USER_NAME_MAX + 1, "%s", u->name);
    *role = u->role;
    return true;
}

bool web_http__origin_ok(web_server *srv, struct lws *wsi)
{
    char origin[512], host[256];
    size_t olen, hlen;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
        return true; /* not a browser: browsers always send Origin where it matters */
    if (!header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin, &olen) ||
        !header(wsi, WSI_TOKEN_HOST, host, sizeof host, &hlen))
        return false;
    return web_origin_ok(origin, olen, host, hlen, srv->tls, srv->opts.allow_origins,
                         srv->opts.allow_origin_count);
}

static bool host_ok(web_server *srv, struct lws *wsi)
{
    char host[256];
    size_t hlen;
    if (!srv->opts.no_auth)
        return true;
    return header(wsi, WSI_TOKEN_HOST, host, sizeof host, &hlen) &&
           web_host_is_loopback(host, hlen);
}

static int refuse(web_server *srv, struct lws *wsi, web_refuse why, unsigned status,
                  const char *text)
{
    char peer[64];
    srv->counters.refused[why]++;
    lws_get_peer_simple(wsi, peer, sizeof peer);
    ofc_log_info("web: refused %s: %u %s", peer, status, text);
    if (lws_return_http_status(wsi, status, text))
        return -1;
    return 1;
}

/* Whether a comma-separated Sec-WebSocket-Protocol list names ours. */
static bool offers_protocol(const char *list)
{
    size_t n = strlen(WEB_PROTOCOL);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ')
            e++;
        if ((size_t)(e - p) == n && memcmp(p, WEB_PROTOCOL, n) == 0)
            return true;
        p = e;
    }
    return false;
}

static int confirm_upgrade(web_server *srv, struct lws *wsi, const char *upgrade)
{
    char buf[256], user[WEB_USER_NAME_MAX + 1];
    size_t len;
    web_role role;
    const char *why;
    if (!upgrade || strcmp(upgrade, "websocket") != 0)
        return refuse(srv, wsi, WEB_REFUSE_PROTOCOL, 400, "only WebSocket upgrades");
    if (!header(wsi, WSI_TOKEN_GET_URI, buf, sizeof buf, &len) || strcmp(buf, "/live") != 0)
        return refuse(srv, wsi, WEB_REFUSE_PATH, 404, "the WebSocket is at /live");
    if (!header(wsi, WSI_TOKEN_PROTOCOL, buf, sizeof buf, &len) || !offers_protocol(buf))
        return refuse(srv, wsi, WEB_REFUSE_PROTOCOL, 400,
                      "Sec-WebSocket-Protocol must offer " WEB_PROTOCOL);
    if (!web_http__origin_ok(srv, wsi))
        return refuse(srv, wsi, WEB_REFUSE_ORIGIN, 403, "foreign Origin");
    if (!host_ok(srv, wsi))
        return refuse(srv, wsi, WEB_REFUSE_HOST, 403, "Host is not a loopback address");
    if (!web_http__identify(srv, wsi, user, &role, &why))
        return refuse(srv, wsi, WEB_REFUSE_AUTH, 401, why);
    if (srv->stopping || srv->live_count >= srv->opts.max_clients)
        return refuse(srv, wsi, WEB_REFUSE_LIMIT, 503, "too many clients");
    return 0;
}

/* ---- responses: headers now, the body when writable ---- */

static void pss_free(http_pss *pss)
{
    if (pss->body)
        sodium_memzero(pss->body, pss->body_len);
    OFC_FREE(pss->body);
    OFC_FREE(pss->resp);
    pss->body_len = pss->body_expected = pss->resp_len = pss->resp_off = 0;
}

/* body is malloc'd and taken; cookie is a whole Set-Cookie value or NULL. */
static int respond(struct lws *wsi, http_pss *pss, unsigned status, const char *type,
                   const char *cookie, char *body, size_t len)
{
    uint8_t buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    pss_free(pss);
    if (lws_add_http_common_headers(wsi, status, type, len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        (cookie && lws_add_http_header_by_name(
                       wsi, (const unsigned char *)"set-cookie:", (const unsigned char *)cookie,
                       (int)strlen(cookie), &p, end)) ||
        lws_finalize_write_http_header(wsi, start, &p, end)) {
        free(body);
        return -1;
    }
    if (!len) {
        free(body);
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    pss->resp = body;
    pss->resp_len = len;
    pss->resp_off = 0;
    lws_callback_on_writable(wsi);
    return 0;
}

static int respond_json(struct lws *wsi, http_pss *pss, unsigned status, const char *cookie,
                        json_writer *jw)
{
    size_t len;
    jw_append(jw, "\n", 1);
    char *body = jw_take(jw, &len);
    jw_fini(jw);
    return respond(wsi, pss, status, "application/json", cookie, body, len);
}

static int respond_error(struct lws *wsi, http_pss *pss, unsigned status, const char *message)
{
    json_writer jw;
    jw_init(&jw);
    jw_object_begin(&jw);
    jw_key(&jw, "error");
    jw_string(&jw, message);
    jw_object_end(&jw);
    return respond_json(wsi, pss, status, NULL, &jw);
}

static int write_body(struct lws *wsi, http_pss *pss)
{
    static const size_t chunk = 8192;
    uint8_t buf[LWS_PRE + 8192];
    if (!pss->resp)
        return 0;
    size_t n = pss->resp_len - pss->resp_off;
    if (n > chunk)
        n = chunk;
    bool last = pss->resp_off + n == pss->resp_len;
    memcpy(buf + LWS_PRE, pss->resp + pss->resp_off, n);
    if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return -1;
    pss->resp_off += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    pss_free(pss);
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---- routes ---- */

static int route_session(web_server *srv, struct lws *wsi, http_pss *pss)
{
    char user[WEB_USER_NAME_MAX + 1];
    web_role role;
    const char *why;
    if (!web_http__identify(srv, wsi, user, &role, &why))
        return respond_error(wsi, pss, 401, why);
    json_writer jw;
    jw_init(&jw);
    jw_object_begin(&jw);
    jw_key(&jw, "user");
    jw_string(&jw, user);
    jw_key(&jw, "role");
    jw_string(&jw, web_role_name(role));
    jw_key(&jw, "auth");
    jw_bool(&jw, !srv->opts.no_auth);
    jw_key(&jw, "protocol");
    jw_string(&jw, WEB_PROTOCOL);
    jw_key(&jw, "commands");
    jw_bool(&jw, web_command__trusted(srv));
    jw_object_end(&jw);
    return respond_json(wsi, pss, 200, NULL, &jw);
}

static int route_healthz(web_server *srv, struct lws *wsi, http_pss *pss)
{
    const ofc_feed_status *st = ofc_feed_get_status(srv->feed);
    json_writer jw;
    jw_init(&jw);
    jw_object_begin(&jw);
    jw_key(&jw, "status");
    jw_string(&jw, "ok");
    jw_key(&jw, "connected");
    jw_bool(&jw, st->connected);
    jw_key(&jw, "caught_up");
    jw_bool(&jw, st->caught_up);
    jw_key(&jw, "lag");
    jw_int(&jw, st->lag);
    jw_key(&jw, "clients");
    jw_int(&jw, (int64_t)srv->live_count);
    jw_object_end(&jw);
    return respond_json(wsi, pss, 200, NULL, &jw);
}

static int route_metrics(web_server *srv, struct lws *wsi, http_pss *pss)
{
    size_t len;
    char *text = web_metrics__render(srv, &len);
    return respond(wsi, pss, 200, "text/plain; version=0.0.4; charset=utf-8", NULL, text, len);
}

/* A filter argument of /audit (URL-decoded by lws) into buf; NULL if absent or empty. */
static const char *urlarg(struct lws *wsi, const char *name, char *buf, size_t size)
{
    const char *v = lws_get_urlarg_by_name(wsi, name, buf, (int)size);
    return v && *v ? v : NULL;
}

/* A time filter: ISO-8601, or a duration ago ("2h"). */
static bool audit_time(const char *s, int64_t *us)
{
    int64_t d;
    if (ofc_duration_parse(s, &d)) {
        *us = ofc_time_now_us() - d;
        return true;
    }
    return ofc_time_parse(s, strlen(s), us);
}

/* GET /audit[?operator=&asset=&since=&until=&limit=&format=ndjson]: every command record read
 * from the log, with its verification status; any signed-in user may read it. */
static int route_audit(web_server *srv, struct lws *wsi, http_pss *pss)
{
    char user[WEB_USER_NAME_MAX + 1];
    web_role role;
    const char *why;
    char op[WEB_USER_NAME_MAX + 16], asset[WEB_ASSET_MAX + 16], since[64], until[64], limit[32],
        format[16];
    if (!web_http__identify(srv, wsi, user, &role, &why))
        return respond_error(wsi, pss, 401, why);
    web_audit_query q;
    memset(&q, 0, sizeof q);
    q.operator_id = urlarg(wsi, "operator=", op, sizeof op);
    q.asset = urlarg(wsi, "asset=", asset, sizeof asset);
    const char *s = urlarg(wsi, "since=", since, sizeof since);
    const char *u = urlarg(wsi, "until=", until, sizeof until);
    const char *l = urlarg(wsi, "limit=", limit, sizeof limit);
    const char *f = urlarg(wsi, "format=", format, sizeof format);
    if ((s && !audit_time(s, &q.since_us)) || (u && !audit_time(u, &q.until_us)))
        return respond_error(wsi, pss, 400, "since/until: an ISO-8601 time or a duration (2h)");
    if (l) {
        char *end;
        long n = strtol(l, &end, 10);
        if (*end || n < 1 || n > 100000)
            return respond_error(wsi, pss, 400, "limit: 1 to 100000");
        q.limit = (size_t)n;
    }
    bool ndjson = f && strcmp(f, "ndjson") == 0;
    if (f && !ndjson && strcmp(f, "json") != 0)
        return respond_error(wsi, pss, 400, "format: json or ndjson");
    size_t len;
    char *body = web_command__audit(srv, &q, ndjson, &len);
    return respond(wsi, pss, 200, ndjson ? "application/x-ndjson" : "application/json", NULL, body,
                   len);
}

static void cookie_value(web_server *srv, const char *value, int64_t max_age, char *out,
                         size_t size)
{
    snprintf(out, size, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
             srv->cookie_name, value, (long long)max_age, srv->tls ? "; Secure" : "");
}

static int route_logout(web_server *srv, struct lws *wsi, http_pss *pss)
{
    char cookie[256];
    json_writer jw;
    cookie_value(srv, "", 0, cookie, sizeof cookie);
    jw_init(&jw);
    jw_object_begin(&jw);
    jw_key(&jw, "logged_out");
    jw_bool(&jw, true);
    jw_object_end(&jw);
    return respond_json(wsi, pss, 200, cookie, &jw);
}

static bool login_allowed(web_server *srv)
{
    int64_t now = ofc_time_mono_us();
    srv->login_tokens += (double)(now - srv->login_tokens_us) / 1e6 * LOGIN_RATE;
    if (srv->login_tokens > LOGIN_BURST)
        srv->login_tokens = LOGIN_BURST;
    srv->login_tokens_us = now;
    if (srv->login_tokens < 1)
        return false;
    srv->login_tokens -= 1;
    return true;
}

static int finish_login(web_server *srv, struct lws *wsi, http_pss *pss)
{
    char token[WEB_TOKEN_SIZE], session[WEB_SESSION_MAX], cookie[WEB_SESSION_MAX + 128];
    char peer[64];
    const char *why;
    lws_get_peer_simple(wsi, peer, sizeof peer);
    if (!login_allowed(srv)) {
        srv->counters.refused[WEB_REFUSE_RATE]++;
        return respond_error(wsi, pss, 429, "too many login attempts; wait a second");
    }
    bool parsed = web_login_parse(pss->body ? pss->body : "", pss->body_len, token, &why);
    if (!parsed) {
        srv->counters.logins_failed++;
        return respond_error(wsi, pss, 400, why);
    }
    const web_user *u = web_users_by_token(&srv->users, token, strlen(token));
    sodium_memzero(token, sizeof token);
    if (!u) {
        srv->counters.logins_failed++;
        ofc_log_warn("web: failed login from %s (unknown token)", peer);
        return respond_error(wsi, pss, 401, "unknown token");
    }
    int64_t now = ofc_time_now_us() / 1000000;
    if (!web_session_issue(&srv->key, u, now, srv->opts.session_ttl_s, session, sizeof session))
        return respond_error(wsi, pss, 500, "cannot issue a session");
    cookie_value(srv, session, srv->opts.session_ttl_s, cookie, sizeof cookie);
    sodium_memzero(session, sizeof session);
    srv->counters.logins_ok++;
    ofc_log_info("web: %s logged in from %s", u->name, peer);
    json_writer jw;
    jw_init(&jw);
    jw_object_begin(&jw);
    jw_key(&jw, "user");
    jw_string(&jw, u->name);
    jw_key(&jw, "role");
    jw_string(&jw, web_role_name(u->role));
    jw_key(&jw, "expires_in");
    jw_int(&jw, srv->opts.session_ttl_s);
    jw_object_end(&jw);
    int rc = respond_json(wsi, pss, 200, cookie, &jw);
    sodium_memzero(cookie, sizeof cookie);
    return rc;
}

/* Checks made before a login body is read. Returns 0 to read the body, else the callback's
 * return value after refusing. */
static int start_login(web_server *srv, struct lws *wsi, http_pss *pss)
{
    char buf[128];
    size_t len;
    if (srv->opts.no_auth)
        return route_session(srv, wsi, pss);
    if (!header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, buf, sizeof buf, &len) ||
        strncmp(buf, "application/json", 16) != 0 || (buf[16] && buf[16] != ';')) {
        refuse(srv, wsi, WEB_REFUSE_PROTOCOL, 415, "login takes application/json");
        return -1; /* the body, if any, is never read: close */
    }
    if (!header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, buf, sizeof buf, &len)) {
        refuse(srv, wsi, WEB_REFUSE_PROTOCOL, 411, "Content-Length required");
        return -1;
    }
    char *end;
    unsigned long long n = strtoull(buf, &end, 10);
    if (*end || !len || buf[0] < '0' || buf[0] > '9' || n == 0 || n > WEB_LOGIN_BODY_MAX) {
        refuse(srv, wsi, WEB_REFUSE_PROTOCOL, 413, "login body too large");
        return -1;
    }
    pss->body_expected = (size_t)n;
    pss->body = xmalloc(WEB_LOGIN_BODY_MAX + 1);
    pss->body_len = 0;
    return 0;
}

static int on_http(web_server *srv, struct lws *wsi, http_pss *pss, bool metrics_vhost)
{
    char *uri;
    int ulen;
    srv->counters.http_requests++;
    int method = lws_http_get_uri_and_method(wsi, &uri, &ulen);
    char path[32] = "";
    if (ulen > 0 && (size_t)ulen < sizeof path) {
        memcpy(path, uri, (size_t)ulen);
        path[ulen] = '\0';
    }
    bool get = method == LWSHUMETH_GET, post = method == LWSHUMETH_POST;
    if (strcmp(path, "/healthz") == 0 && get)
        return route_healthz(srv, wsi, pss);
    if (strcmp(path, "/metrics") == 0 && get) {
        char user[WEB_USER_NAME_MAX + 1];
        web_role role;
        const char *why;
        if (!metrics_vhost && !web_http__identify(srv, wsi, user, &role, &why))
            return respond_error(wsi, pss, 401, why);
        /* Without authentication the dashboard's own /metrics is as private as /audit: a page
         * elsewhere must not read it through a rebinding name (the metrics listener is an
         * unrouted port for Prometheus, named by whatever host it scrapes). */
        if (!metrics_vhost && !host_ok(srv, wsi)) {
            refuse(srv, wsi, WEB_REFUSE_HOST, 403, "Host is not a loopback address");
            return -1;
        }
        return route_metrics(srv, wsi, pss);
    }
    if (metrics_vhost)
        return respond_error(wsi, pss, 404, "only /metrics and /healthz here");
    bool known = strcmp(path, "/session") == 0 || strcmp(path, "/login") == 0 ||
                 strcmp(path, "/logout") == 0 || strcmp(path, "/audit") == 0;
    if (!known)
        return respond_error(wsi, pss, 404, "not found");
    if (!get && !post) {
        refuse(srv, wsi, WEB_REFUSE_PROTOCOL, 405, "method not allowed");
        return -1;
    }
    if (!web_http__origin_ok(srv, wsi)) {
        refuse(srv, wsi, WEB_REFUSE_ORIGIN, 403, "foreign Origin");
        return -1;
    }
    if (!host_ok(srv, wsi)) {
        refuse(srv, wsi, WEB_REFUSE_HOST, 403, "Host is not a loopback address");
        return -1;
    }
    if (strcmp(path, "/session") == 0 && get)
        return route_session(srv, wsi, pss);
    if (strcmp(path, "/audit") == 0 && get)
        return route_audit(srv, wsi, pss);
    if (strcmp(path, "/login") == 0 && post)
        return start_login(srv, wsi, pss);
    if (strcmp(path, "/logout") == 0 && post)
        return route_logout(srv, wsi, pss);
    refuse(srv, wsi, WEB_REFUSE_PROTOCOL, 405, "method not allowed");
    return -1;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len, bool metrics_vhost)
{
    web_server *srv = server_of(wsi);
    http_pss *pss = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        if (metrics_vhost)
            return refuse(srv, wsi, WEB_REFUSE_PATH, 404, "no WebSocket here");
        return confirm_upgrade(srv, wsi, in);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: return -1; /* only ofc-live.v1 is a WebSocket */
    case LWS_CALLBACK_HTTP: return on_http(srv, wsi, pss, metrics_vhost);
    case LWS_CALLBACK_HTTP_BODY:
        if (!pss->body || pss->body_len + len > pss->body_expected)
            return -1; /* more than announced, or a body nobody asked for */
        memcpy(pss->body + pss->body_len, in, len);
        pss->body_len += len;
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (!pss->body)
            return -1;
        return finish_login(srv, wsi, pss);
    case LWS_CALLBACK_HTTP_WRITEABLE: return write_body(wsi, pss);
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss)
            pss_free(pss);
        break;
    default: break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

int web_http__callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
    return callback(wsi, reason, user, in, len, false);
}

int web_http__metrics_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                               void *in, size_t len)
{
    return callback(wsi, reason, user, in, len, true);
}
