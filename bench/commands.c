/* bench/commands: the cost of identity-bound commands on one core, side by side with the peer a
 * user would otherwise run (PyNaCl verifying the same records in Python):
 *   - sign: build, canonicalise and sign a command (ofc_command_sign)
 *   - verify: the full verifier (strict parse, key, binding, signature, window, replay, policy)
 *   - sign and produce: signed commands through librdkafka to `ofc broker`, counted at delivery
 * Target: the verifier sustains at least 20,000 commands/s.
 *
 * usage: commands [--count N]
 */
#include "bench_proc.h"
#include "command.h"
#include "op_key.h"
#include "timeutil.h"
#include "trust_store.h"
#include "verifier.h"

#include <librdkafka/rdkafka.h>
#include <sodium.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static double secs_since(int64_t t0)
{
    return (double)(ofc_time_mono_us() - t0) / 1e6;
}

static long delivered;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    if (!m->err)
        delivered++;
}

int main(int argc, char **argv)
{
    long count = 20000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--count") && i + 1 < argc)
            count = atol(argv[++i]);
        else {
            fprintf(stderr, "usage: commands [--count N]\n");
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    char dir[] = "/tmp/ofc-bench-cmd-XXXXXX", key_path[128], err[512], line[256];
    if (!mkdtemp(dir) || !ofc_crypto_init())
        return 1;
    snprintf(key_path, sizeof key_path, "%s/op.key", dir);
    if (ofc_op_key_generate("bench-operator", key_path, NULL, err, sizeof err) != OFC_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    ofc_op_key *key;
    if (ofc_op_key_load(key_path, NULL, &key, err, sizeof err) != OFC_OK)
        return 1;
    ofc_trust_line(ofc_op_key_public(key), "bench-operator", line, sizeof line);
    strcat(line, " roles=operator methods=* uns=*");
    ofc_trust *trust;
    if (ofc_trust_parse(line, strlen(line), "bench", &trust, err, sizeof err) != OFC_OK)
        return 1;

    const char *names[] = {"NewMode", "Ramp"}, *values[] = {"MANUAL", "5"};
    ofc_signed_command *cmds = calloc((size_t)count, sizeof *cmds);
    int64_t now = ofc_time_now_us();
    int64_t t0 = ofc_time_mono_us();
    for (long i = 0; i < count; i++)
        if (ofc_command_sign(key, "TEMP-CTRL-001", "SwitchMode", 2, names, values, "benchmark", now,
                             &cmds[i], err, sizeof err) != OFC_OK)
            return 1;
    double sign_s = secs_since(t0);

    /* Ed25519 alone, over the same canonical size: libsodium's crypto_sign_verify_detached (what
     * the verifier used before, and what a gateway would call) and ofconsole's ed25519_vkey
     * (what the verifier uses). The three loops take turns, a block of 500 each, so that all see
     * the same machine: on a shared 2-core box the rate moves by a quarter from one second to
     * the next. */
    unsigned char raw_sig[64], raw_msg[400];
    memset(raw_msg, 'x', sizeof raw_msg);
    ofc_op_key_sign(key, raw_msg, sizeof raw_msg, raw_sig);
    const ed25519_vkey *vkey = ofc_trust_entry_vkey(ofc_trust_at(trust, 0));
    ofc_verifier_opts vo = {0, 0, 0, (size_t)count + 1, false};
    ofc_verifier *v = ofc_verifier_new(trust, &vo);
    long raw_ok = 0, vkey_ok = 0, valid = 0;
    double raw_s = 0, vkey_s = 0, verify_s = 0;
    for (long from = 0; from < count; from += 500) {
        long to = from + 500 < count ? from + 500 : count;
        t0 = ofc_time_mono_us();
        for (long i = from; i < to; i++)
            raw_ok += crypto_sign_verify_detached(raw_sig, raw_msg, sizeof raw_msg,
                                                  ofc_op_key_public(key)) == 0;
        raw_s += secs_since(t0);
        t0 = ofc_time_mono_us();
        for (long i = from; i < to; i++)
            vkey_ok += ed25519_vkey_verify(vkey, raw_sig, raw_msg, sizeof raw_msg);
        vkey_s += secs_since(t0);
        t0 = ofc_time_mono_us();
        for (long i = from; i < to; i++)
            valid += ofc_verifier_check(v, cmds[i].target, strlen(cmds[i].target), cmds[i].record,
                                        cmds[i].record_len, "Demofactory/x", now,
                                        NULL) == OFC_VERDICT_VALID;
        verify_s += secs_since(t0);
    }
    ofc_verifier_destroy(v);

    /* The Python peer verifies the very same records. */
    char records[160];
    snprintf(records, sizeof records, "%s/records.ndjson", dir);
    FILE *f = fopen(records, "w");
    char pk64[64];
    sodium_bin2base64(pk64, sizeof pk64, ofc_op_key_public(key), 32,
                      sodium_base64_VARIANT_ORIGINAL);
    for (long i = 0; i < count; i++) {
        json_writer jw;
        jw_init(&jw);
        jw_object_begin(&jw);
        jw_key(&jw, "key");
        jw_string(&jw, cmds[i].target);
        jw_key(&jw, "record");
        jw_string_n(&jw, cmds[i].record, cmds[i].record_len);
        jw_key(&jw, "public");
        jw_string(&jw, pk64);
        jw_object_end(&jw);
        fprintf(f, "%s\n", jw.buf);
        jw_fini(&jw);
    }
    fclose(f);
    int fds[2];
    if (pipe(fds))
        return 1;
    char *py_argv[] = {"/usr/bin/python3", OFC_TESTS_DIR "/signing_vectors.py", "bench", records,
                       NULL};
    pid_t py = bench_spawn(py_argv, fds[1]);
    close(fds[1]);
    /* Read to the end: one read() may return part of the line. */
    char out[128] = "";
    size_t got = 0;
    for (ssize_t n; got < sizeof out - 1 && (n = read(fds[0], out + got, sizeof out - 1 - got));) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        got += (size_t)n;
    }
    out[got] = '\0';
    close(fds[0]);
    int st;
    waitpid(py, &st, 0);
    long py_n = 0;
    double py_s = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || sscanf(out, "%ld %lf", &py_n, &py_s) != 2 ||
        py_n <= 0 || py_s <= 0) {
        fprintf(stderr, "commands: the PyNaCl peer failed (exit status %d, output \"%s\")\n",
                WIFEXITED(st) ? WEXITSTATUS(st) : -1, out);
        py_n = 0;
    }

    /* Sign and produce to a real broker process, counting deliveries. */
    if (pipe(fds))
        return 1;
    char *broker_argv[] = {OFC_BINARY, "broker", NULL};
    pid_t broker = bench_spawn(broker_argv, fds[1]);
    close(fds[1]);
    char boot[256] = "";
    size_t bl = 0;
    while (bl < sizeof boot - 1 && read(fds[0], boot + bl, 1) == 1 && boot[bl] != '\n')
        bl++;
    boot[bl] = '\0';
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", boot, err, sizeof err);
    rd_kafka_conf_set(conf, "partitioner", "murmur2_random", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    for (long i = 0; i < count; i++)
        ofc_signed_command_fini(&cmds[i]);
    t0 = ofc_time_mono_us();
    for (long i = 0; i < count; i++) {
        ofc_signed_command c;
        if (ofc_command_sign(key, "TEMP-CTRL-001", "SwitchMode", 2, names, values, "benchmark",
                             ofc_time_now_us(), &c, err, sizeof err) != OFC_OK)
            return 1;
        while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("ofa_assets"),
                                 RD_KAFKA_V_KEY(c.target, strlen(c.target)),
                                 RD_KAFKA_V_VALUE(c.record, c.record_len),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 10);
        rd_kafka_poll(rk, 0);
        ofc_signed_command_fini(&c);
    }
    rd_kafka_flush(rk, 30000);
    double produce_s = secs_since(t0);
    rd_kafka_destroy(rk);
    kill(broker, SIGTERM);
    waitpid(broker, &st, 0);

    printf("identity-bound commands, %ld each, one core\n", count);
    printf("  %-46s %10s %12s\n", "operation", "seconds", "commands/s");
    printf("  %-46s %10.3f %12.0f\n", "sign (build + canonical + Ed25519)", sign_s, count / sign_s);
    printf("  %-46s %10.3f %12.0f   (%ld valid)\n", "verify, ofconsole (C, full checks)", verify_s,
           count / verify_s, valid);
    if (py_n)
        printf("  %-46s %10.3f %12.0f\n", "verify, PyNaCl peer (signature + key id only)", py_s,
               py_n / py_s);
    else
        printf("  %-46s %10s\n", "verify, PyNaCl peer (signature + key id only)", "FAILED");
    printf("  %-46s %10.3f %12.0f   (%ld ok)\n", "Ed25519 alone, libsodium", raw_s, count / raw_s,
           raw_ok);
    printf("  %-46s %10.3f %12.0f   (%ld ok)\n", "Ed25519 alone, ofconsole (ed25519_vkey)", vkey_s,
           count / vkey_s, vkey_ok);
    printf("  %-46s %10.3f %12.0f   (%ld delivered)\n", "sign and produce to ofc broker", produce_s,
           count / produce_s, delivered);
    if (py_n)
        printf("  ratio verify ofconsole / PyNaCl = %.2f\n", (count / verify_s) / (py_n / py_s));
    printf("  ratio verify ofconsole / libsodium's Ed25519 alone = %.2f\n", raw_s / verify_s);
    printf("  ratio ed25519_vkey / libsodium (Ed25519 alone) = %.2f\n", raw_s / vkey_s);
    printf("  verifier: %s the target of 20,000 commands/s\n",
           count / verify_s >= 20000 ? "meets" : "MISSES");
    ofc_op_key_destroy(key);
    ofc_trust_destroy(trust);
    free(cmds);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    bool removed = system(cmd) == 0;
    return removed && py_n && valid == count && raw_ok == count && vkey_ok == count
               ? 0
               : 1; /* no comparison, no pass */
}
