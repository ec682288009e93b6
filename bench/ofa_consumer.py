#!/usr/bin/python3
"""The peer a user would otherwise write: a consumer in OpenFactory's own style.

confluent-kafka (librdkafka underneath), a poll() loop, json.loads on every value, field names
folded case-insensitively as the SDK's CaseInsensitiveDict does, and a dict of attributes per
asset. Reads ofa_assets from the beginning to the end (partition EOF) and prints
"<records> <seconds>" on stdout for bench/ingest.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, TopicPartition


def main():
    brokers, topic = sys.argv[1], sys.argv[2]
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": "ofa-python-bench-%d" % time.time_ns(),
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "earliest",
    })
    meta = consumer.list_topics(topic, timeout=10)
    partitions = list(meta.topics[topic].partitions)
    start = time.monotonic()
    consumer.assign([TopicPartition(topic, p, -2) for p in partitions])  # -2 = beginning
    assets = {}
    records = 0
    eof = set()
    while len(eof) < len(partitions):
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                eof.add(msg.partition())
            continue
        records += 1
        value = json.loads(msg.value())
        fields = {k.lower(): v for k, v in value.items()}
        asset = assets.setdefault(msg.key().decode(), {})
        asset[fields.get("id")] = {
            "value": fields.get("value"),
            "type": fields.get("type"),
            "tag": fields.get("tag"),
            "timestamp": (fields.get("attributes") or {}).get("timestamp"),
        }
    elapsed = time.monotonic() - start
    consumer.close()
    print(records, "%.3f" % elapsed, len(assets))


if __name__ == "__main__":
    main()
