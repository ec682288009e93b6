/* cmd_format: what the console says about commands and the audit, as text plus a colour role.
 *
 * Pure, like cell_format.h: no ncurses, no clock (times are passed in), no globals, so every
 * wording is unit-tested (tests/test_cmd_format.c). Covers a command's state as the commands
 * pane and the message line show it, which attributes a method obviously affects (for the
 * review step), a call's one-line form "SwitchMode(NewMode=MANUAL)", and the audit view's
 * filters (`:audit operator=alice asset=PID-1 since=2h`) and row texts.
 */
#ifndef OFC_TUI_CMD_FORMAT_H
#define OFC_TUI_CMD_FORMAT_H

#include "audit.h"
#include "cell_format.h"
#include "commander.h"
#include "op_key.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- commands ---- */

/* The role of a state: FAILED and REJECTED are faults, TIMEOUT a warning, PENDING dim, the
 * rest normal (ISA-101: colour only for what needs attention; the word is always shown). */
cf_role cmdf_state_role(ofc_cmd_state state);

/* What follows the state word: the executor's reason or the delivery error ("verified",
 * "policy_denied: ...", "Local: Message timed out"), then "partition 3 offset 1842" once
 * delivered (never for FAILED). "" while PENDING. */
void cmdf_state_detail(const ofc_cmd_status *st, char *out, size_t size);

/* The message line after a change: "SwitchMode on TEMP-CTRL-001: EXECUTED (verified)",
 * "...: SENT partition 3 offset 1842", "...: FAILED, never sent (Local: Message timed out)". */
void cmdf_state_message(const ofc_cmd_status *st, char *out, size_t size);

/* text as it is signed and sent: stripped as the receiver strips (command.h, ofc_strip_py). */
void cmdf_stripped(const char *text, char *out, size_t size);

/* "SwitchMode(NewMode=MANUAL, Ramp=5)"; "Calibrate()" without arguments. */
void cmdf_call_text(const char *method, size_t n, const char *const names[],
                    const char *const values[], char *out, size_t size);

/* Does a method obviously change the attribute attr_id? Compared ignoring case and '_': an
 * attribute named like an argument ("NewMode" -> "mode": New/Target/Desired/Set prefixes
 * dropped), like the method without its verb ("SetMode" -> "mode"), or like the method's last
 * word ("SwitchMode" -> "mode"), or ending in "_<that>" ("GenerateCode" -> "last_code").
 * Conservative: when nothing is named so, the review shows only the asset's state. */
bool cmdf_affects(const char *method, size_t n, const char *const arg_names[], const char *attr_id);

/* ---- the audit view ---- */

typedef struct cmdf_audit_filter {
    char operator_id[OFC_OPERATOR_MAX + 1]; /* "" = any */
    char asset[256];                        /* "" = any */
    int64_t since_us, until_us;             /* 0 = open */
} cmdf_audit_filter;

/* Parse `operator=ID asset=UUID since=WHEN until=WHEN` (any order, any subset; op= and target=
 * also accepted). WHEN is a duration ago ("2h", "15m"), an ISO-8601 time, or "beginning".
 * Fails naming the word it could not take. An empty text gives the empty filter. */
bool cmdf_audit_filter_parse(const char *text, int64_t now_us, cmdf_audit_filter *f, char *err,
                             size_t err_size);
bool cmdf_audit_filter_empty(const cmdf_audit_filter *f);
/* "operator=alice asset=PID-1 since=2026-11-24T09:15:02Z"; "" for the empty filter. */
void cmdf_audit_filter_describe(const cmdf_audit_filter *f, char *out, size_t size);

/* The filter and the live `/` text (matched against operator, target, method, arguments,
 * reason, status and verdict). */
bool cmdf_audit_entry_matches(const ofc_audit_entry *e, const cmdf_audit_filter *f,
                              const char *live);

/* The status cell: "valid", "unsigned", "unknown key", or "invalid: <verdict>" (and the policy
 * part for policy_denied: "invalid: policy_denied (method)"); with its role. */
cf_role cmdf_audit_status(const ofc_audit_entry *e, char *out, size_t size);

/* Why, in words: the verdict's description, or the policy's for policy_denied. */
const char *cmdf_audit_why(const ofc_audit_entry *e);

#endif
