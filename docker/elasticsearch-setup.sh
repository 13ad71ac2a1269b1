#!/usr/bin/env bash
# One-shot, after Elasticsearch is healthy and before Kibana starts (compose orders it, as
# Elastic's own compose example does): with security on, sets the password of kibana_system,
# the user Kibana logs in with. Kibana cannot become healthy without it, so this step must
# never wait for Kibana. Safe to run again. With security off there is nothing to do.
set -euo pipefail

if [ "${ELASTIC_SECURITY:-false}" != "true" ]; then
  echo "Elasticsearch security is off: no password to set"
  exit 0
fi
if [ -z "${ELASTIC_PASSWORD:-}" ] || [ -z "${KIBANA_PASSWORD:-}" ]; then
  echo "error: with ELASTIC_SECURITY=true, set ELASTIC_PASSWORD and KIBANA_PASSWORD in .env" >&2
  exit 1
fi

# Elasticsearch is healthy already; a few retries cover the security index still starting.
for attempt in $(seq 1 30); do
  answer=$(curl -s -u "elastic:${ELASTIC_PASSWORD}" -X POST -H "Content-Type: application/json" \
    "http://elasticsearch:9200/_security/user/kibana_system/_password" \
    -d "{\"password\":\"${KIBANA_PASSWORD}\"}" || true)
  if [ "${answer}" = "{}" ]; then
    echo "kibana_system password set"
    exit 0
  fi
  echo "waiting for Elasticsearch to accept the kibana_system password (${attempt}/30): ${answer}"
  sleep 5
done
echo "error: Elasticsearch did not accept the kibana_system password: ${answer}" >&2
exit 1
