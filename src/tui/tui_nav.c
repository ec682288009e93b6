/* tui_nav: keys, the filter and command lines, focus, navigation and its history (`-`), and
 * the effects of `:` commands. Part of tui_app (tui_app_internal.h). */
#include "tui_app_internal.h"

#include "actions.h"
#include "export.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- focus ---- */

int tui_app__visible(const tui_app *app, int out[PANE__COUNT])
{
    if (app->audit_open) {
        out[0] = PANE_AUDIT;
        out[1] = PANE_RECORD;
        return 2;
    }
    out[0] = PANE_TREE;
    out[1] = PANE_DETAIL;
    out[2] = app->bottom;
    return 3;
}

void tui_app__set_focus(tui_app *app, int pane)
{
    if (pane == app->focus)
        return;
    tui_panel_set_focus(app->panes[app->focus], false);
    app->focus = pane;
    tui_panel_set_focus(app->panes[pane], true);
    app->legend_dirty = true;
}

static void set_focus(tui_app *app, int pane)
{
    tui_app__set_focus(app, pane);
}

unsigned tui_app_focus_step(tui_app *app, int dir)
{
    int vis[PANE__COUNT], n = tui_app__visible(app, vis), at = 0;
    for (int i = 0; i < n; i++)
        if (vis[i] == app->focus)
            at = i;
    set_focus(app, vis[(at + n + dir) % n]);
    return TUI_HANDLED;
}

unsigned tui_app_focus_alarms(tui_app *app)
{
    if (app->audit_open)
        tui_app__audit_show(app, false);
    if (app->bottom != PANE_ALARMS) {
        app->bottom = PANE_ALARMS;
        tui_app__touch_all(app);
    }
    set_focus(app, PANE_ALARMS);
    return TUI_HANDLED;
}

unsigned tui_app_follow_alarms(tui_app *app)
{
    alarm_panel_follow(app->alarms);
    return TUI_HANDLED;
}

/* ---- the detail pane follows the tree's cursor ---- */

static void tree_key(tui_app *app, char *buf, size_t size)
{
    const ofc_asset *a = uns_tree_panel_selected_asset(app->tree);
    const ofc_uns_node *n = uns_tree_panel_selected_node(app->tree);
    if (a)
        snprintf(buf, size, "a:%s", ofc_asset_uuid(a));
    else if (n)
        snprintf(buf, size, "n:%s", ofc_uns_node_path(n));
    else
        buf[0] = '\0';
}

/* Only a change of the tree's cursor moves the detail pane, so an asset opened by other means
 * (a helper, which the tree does not list) stays shown while the plant changes. */
void tui_app__follow_tree(tui_app *app)
{
    char key[sizeof app->followed];
    tree_key(app, key, sizeof key);
    if (strcmp(key, app->followed) == 0)
        return;
    memcpy(app->followed, key, sizeof key);
    const ofc_asset *a = uns_tree_panel_selected_asset(app->tree);
    const ofc_uns_node *n = uns_tree_panel_selected_node(app->tree);
    if (a)
        asset_panel_show_asset(app->detail, a);
    else if (n)
        asset_panel_show_node(app->detail, ofc_uns_node_path(n));
}

/* ---- navigation history ---- */

static void nav_free(nav_entry *e)
{
    free(e->asset_uuid);
    free(e->uns_path);
    memset(e, 0, sizeof *e);
}

void tui_app__nav_clear(tui_app *app)
{
    for (int i = 0; i < app->nav_count; i++)
        nav_free(&app->nav[i]);
    app->nav_count = 0;
}

static void nav_push(tui_app *app)
{
    nav_entry e = {NULL, NULL, app->focus};
    const ofc_asset *a = asset_panel_asset(app->detail);
    const ofc_uns_node *n = uns_tree_panel_selected_node(app->tree);
    if (a)
        e.asset_uuid = xstrdup(ofc_asset_uuid(a));
    else if (n)
        e.uns_path = xstrdup(ofc_uns_node_path(n));
    if (app->nav_count == NAV_DEPTH) {
        nav_free(&app->nav[0]);
        memmove(app->nav, app->nav + 1, (NAV_DEPTH - 1) * sizeof *app->nav);
        app->nav_count--;
    }
    app->nav[app->nav_count++] = e;
}

/* Show an asset in the detail pane and put the tree's cursor on it when the tree lists it. */
static void show_asset(tui_app *app, const ofc_asset *a)
{
    uns_tree_panel_select_asset(app->tree, a);
    tree_key(app, app->followed, sizeof app->followed);
    asset_panel_show_asset(app->detail, a);
}

static bool show_path(tui_app *app, const char *path)
{
    if (!uns_tree_panel_select_path(app->tree, path))
        return false;
    app->followed[0] = '\0';
    tui_app__follow_tree(app);
    return true;
}

unsigned tui_app_back(tui_app *app)
{
    if (app->audit_open) {
        tui_app__audit_show(app, false);
        return TUI_HANDLED;
    }
    if (app->nav_count == 0) {
        tui_app_message(app, false, "nothing to go back to");
        return TUI_HANDLED;
    }
    nav_entry e = app->nav[--app->nav_count];
    if ((e.focus == PANE_ALARMS || e.focus == PANE_COMMANDS) && e.focus != app->bottom) {
        app->bottom = e.focus;
        tui_app__touch_all(app);
    }
    const ofc_asset *a = e.asset_uuid ? ofc_model_find_asset(app->model, e.asset_uuid) : NULL;
    if (a)
        show_asset(app, a);
    else if (e.uns_path)
        show_path(app, e.uns_path);
    set_focus(app, e.focus);
    nav_free(&e);
    return TUI_HANDLED;
}

static const ofc_asset *find_asset(const tui_app *app, const char *id)
{
    const ofc_asset *a = ofc_model_find_asset(app->model, id);
    for (size_t i = 0; !a && i < ofc_model_asset_count(app->model); i++) {
        const ofc_asset *c = ofc_model_asset_at(app->model, i);
        if (strcasecmp(ofc_asset_uuid(c), id) == 0)
            a = c;
    }
    return a;
}

bool tui_app_goto_asset(tui_app *app, const char *id)
{
    const ofc_asset *a = find_asset(app, id);
    if (!a || ofc_asset_registration(a) == OFC_REG_REMOVED) {
        tui_app_message(app, true, "no asset %s", id);
        return false;
    }
    tui_app__audit_show(app, false);
    nav_push(app);
    show_asset(app, a);
    set_focus(app, PANE_DETAIL);
    return true;
}

bool tui_app_goto_uns(tui_app *app, const char *path)
{
    char p[1024];
    snprintf(p, sizeof p, "%s", path);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    if (!ofc_model_find_uns(app->model, p)) {
        tui_app_message(app, true, "no UNS node %s", p);
        return false;
    }
    tui_app__audit_show(app, false);
    nav_push(app);
    if (!show_path(app, p)) {
        asset_panel_show_node(app->detail, p);
        tui_app_message(app, false, "%s is hidden by the filter in the tree", p);
    }
    set_focus(app, PANE_TREE);
    return true;
}

/* ---- save ---- */

bool tui_app_save(tui_app *app, const char *path, bool force)
{
    char msg[512];
    if (app->audit_open) {
        bool ok = audit_panel_save(app->audit_pane, path, force, msg, sizeof msg);
        tui_app_message(app, !ok, "%s", msg);
        return ok;
    }
    /* The tree has nothing tabular of its own: saving from it saves the asset it shows. */
    tui_panel *pane = app->panes[app->focus]->ops->export_table ? app->panes[app->focus]
                                                                : app->panes[PANE_DETAIL];
    char why[256] = "nothing to save in this pane";
    tui_table t;
    memset(&t, 0, sizeof t);
    asset_panel_sync(app->detail);
    alarm_panel_sync(app->alarms);
    if (!pane->ops->export_table || !pane->ops->export_table(pane, &t, why, sizeof why)) {
        tui_table_fini(&t);
        tui_app_message(app, true, "%s", why);
        return false;
    }
    bool ok = tui_export_save(&t, path, force, msg, sizeof msg);
    tui_table_fini(&t);
    tui_app_message(app, !ok, "%s", msg);
    return ok;
}

/* ---- filter and command lines ---- */

void tui_app__filter_changed(tui_app *app)
{
    uns_tree_panel_on_filter(app->tree);
    asset_panel_on_filter(app->detail);
    alarm_panel_on_filter(app->alarms);
    audit_panel_refresh(app->audit_pane);
    uns_tree_panel_sync(app->tree);
    tui_app__follow_tree(app);
    tui_app__touch_all(app);
}

unsigned tui_app_start_filter(tui_app *app)
{
    app->input = INPUT_FILTER;
    command_line_begin(app->filter_cl, app->filter);
    app->msg[0] = '\0';
    app->msg_dirty = app->legend_dirty = true;
    return TUI_HANDLED;
}

unsigned tui_app_clear_filter(tui_app *app)
{
    if (!app->filter[0])
        return TUI_HANDLED;
    app->filter[0] = '\0';
    tui_app__filter_changed(app);
    return TUI_HANDLED;
}

unsigned tui_app_start_command(tui_app *app)
{
    app->input = INPUT_COMMAND;
    command_line_begin(app->command_cl, NULL);
    app->msg[0] = '\0';
    app->msg_dirty = app->legend_dirty = true;
    return TUI_HANDLED;
}

static void filter_key(tui_app *app, const tui_key *key)
{
    cl_result r = command_line_key(app->filter_cl, key);
    if (r == CL_EDITED) {
        snprintf(app->filter, sizeof app->filter, "%s", command_line_text(app->filter_cl));
        tui_app__filter_changed(app);
    } else if (r == CL_ACCEPTED) {
        command_line_remember(app->filter_cl, app->filter);
        app->input = INPUT_NONE;
    } else if (r == CL_CANCELLED) {
        app->input = INPUT_NONE;
        app->filter[0] = '\0';
        tui_app__filter_changed(app);
    }
    app->msg_dirty = app->legend_dirty = true;
}

static void command_key(tui_app *app, const tui_key *key)
{
    cl_result r = command_line_key(app->command_cl, key);
    if (r == CL_ACCEPTED) {
        char line[1024];
        snprintf(line, sizeof line, "%s", command_line_text(app->command_cl));
        command_line_remember(app->command_cl, line);
        app->input = INPUT_NONE;
        app->legend_dirty = true;
        actions_run_command(app, line);
    } else if (r == CL_CANCELLED) {
        app->input = INPUT_NONE;
        app->legend_dirty = true;
    } else if (r == CL_FULL) {
        tui_app_message(app, true, "the command line is full (%d bytes)", COMMAND_LINE_MAX);
    }
    app->msg_dirty = true;
}

/* ---- keys ---- */

static void apply(tui_app *app, int pane, unsigned r)
{
    if (r & TUI_REDRAW)
        tui_panel_touch(app->panes[pane]);
    if (pane == PANE_TREE && (r & TUI_SELECT))
        tui_app__follow_tree(app);
    if (pane == PANE_AUDIT && (r & TUI_SELECT))
        tui_app__audit_follow(app);
    if (r & TUI_LEAVE)
        set_focus(app, PANE_TREE);
    if (r & TUI_INVOKE)
        tui_app_invoke(app);
    if (!(r & TUI_OPEN))
        return;
    if (pane == PANE_TREE) {
        tui_app__follow_tree(app);
        nav_push(app);
        set_focus(app, PANE_DETAIL);
    } else if (pane == PANE_DETAIL) {
        const ofc_asset *a;
        const char *path;
        if (asset_panel_link(app->detail, &a, &path)) {
            char p[1024];
            snprintf(p, sizeof p, "%s", path ? path : "");
            if (a)
                tui_app_goto_asset(app, ofc_asset_uuid(a));
            else
                tui_app_goto_uns(app, p);
        }
    } else if (pane == PANE_ALARMS) {
        const ofc_attr *at = alarm_panel_selected(app->alarms);
        if (at)
            tui_app_goto_asset(app, ofc_asset_uuid(ofc_attr_asset(at)));
    } else if (pane == PANE_COMMANDS) {
        const char *target = command_panel_selected_target(app->commands);
        char uuid[256];
        snprintf(uuid, sizeof uuid, "%s", target ? target : "");
        if (target)
            tui_app_goto_asset(app, uuid);
    }
}

void tui_app__handle_key(tui_app *app, const tui_key *key)
{
    if (key->code == TUI_KEY_NONE)
        return;
    app->urgent = true;
    if (key->code == TUI_KEY_RESIZE) {
        tui_crt_resize(app->crt);
        tui_app__layout(app);
        return;
    }
    /* Rows may be behind the model by a batch; keys act on what is current. */
    asset_panel_sync(app->detail);
    alarm_panel_sync(app->alarms);
    audit_panel_sync(app->audit_pane);
    if (app->help_open) {
        app->help_open = false;
        tui_app__touch_all(app);
        return;
    }
    if (app->dialog) {
        tui_app__dialog_key(app, key);
        return;
    }
    if (app->input == INPUT_FILTER) {
        filter_key(app, key);
        return;
    }
    if (app->input == INPUT_COMMAND) {
        command_key(app, key);
        return;
    }
    if (app->msg[0]) {
        app->msg[0] = '\0';
        app->msg_dirty = true;
    }
    if (app->audit_open && key->code == TUI_KEY_ESC && !app->filter[0]) {
        tui_app__audit_show(app, false); /* with a live filter, Esc clears that first */
        return;
    }
    int pane = app->focus;
    unsigned r = tui_panel_on_key(app->panes[pane], key);
    if (!(r & TUI_HANDLED)) {
        const tui_action *a = actions_find(key);
        if (a)
            r = a->fn(app);
    }
    apply(app, pane, r);
    app->legend_dirty = true;
}
