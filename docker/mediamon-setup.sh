#!/usr/bin/env bash
# One-shot, once Kibana is healthy (compose orders it): applies the index template and the
# write alias, and imports Kibana's saved objects. Safe to run again. Passwords are set
# earlier, by the elasticsearch-setup service, because Kibana needs them to become healthy.
# `mediamon index setup` prints one `error: ...` line per saved object Kibana refuses, with
# Kibana's reason, and exits 2.
set -euo pipefail
exec mediamon index setup
