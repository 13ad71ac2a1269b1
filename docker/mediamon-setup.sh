#!/usr/bin/env bash
# One-shot set-up of the compose stack; safe to run again.
#  - with Elasticsearch security on, sets the kibana_system password Kibana logs in with;
#  - applies the index template and write alias, imports Kibana's saved objects.
set -euo pipefail

if [ -n "${ELASTIC_PASSWORD:-}" ] && [ -n "${KIBANA_PASSWORD:-}" ]; then
  until curl -s -u "elastic:${ELASTIC_PASSWORD}" -X POST -H "Content-Type: application/json" \
      "http://elasticsearch:9200/_security/user/kibana_system/_password" \
      -d "{\"password\":\"${KIBANA_PASSWORD}\"}" | grep -q "^{}"; do
    echo "waiting for Elasticsearch to accept the kibana_system password"; sleep 5
  done
fi
until curl -s -o /dev/null -w "%{http_code}" ${MEDIAMON_KIBANA_PASSWORD:+-u "elastic:${MEDIAMON_KIBANA_PASSWORD}"} \
    "${MEDIAMON_KIBANA_URL}/api/status" | grep -q 200; do
  echo "waiting for Kibana"; sleep 5
done
mediamon search setup
