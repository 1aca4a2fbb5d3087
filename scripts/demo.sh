#!/usr/bin/env bash
# The main job: deploy the three-region YAML example into a local AWS emulator with the real Pulumi
# CLI.   scripts/demo.sh up      start moto (left running) and `pulumi up` the example
#        scripts/demo.sh destroy `pulumi destroy` it and stop moto
# Everything lives under $TAP_CACHE/demo: moto's pid and port, the stack state, the program copy.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${TAP_CACHE:-$HOME/.cache/tap}"
demo="$cache/demo"
target="${CARGO_TARGET_DIR:-$cache/target}"
mkdir -p "$demo/home" "$demo/state"

export PATH="$root/bin:$PATH"
export PULUMI_HOME="$demo/home" PULUMI_BACKEND_URL="file://$demo/state" PULUMI_CONFIG_PASSPHRASE="tap-demo"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ENDPOINT_URL

moto_running() { [ -f "$demo/moto.pid" ] && kill -0 "$(cat "$demo/moto.pid")" 2>/dev/null; }

start_moto() {
  if moto_running; then return; fi
  python="$(bash "$root/scripts/ensure-moto.sh")"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_EC2_LOAD_DEFAULT_AMIS=false AWS_DEFAULT_REGION=us-east-1 \
    nohup "$python" -m moto.server -H 127.0.0.1 -p "$port" >"$demo/moto.log" 2>&1 &
  echo $! >"$demo/moto.pid"
  echo "$port" >"$demo/moto.port"
  for _ in $(seq 1 100); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
      return
    fi
    sleep 0.2
  done
  echo "moto did not start; see $demo/moto.log" >&2
  exit 1
}

case "${1:-up}" in
  up)
    start_moto
    port="$(cat "$demo/moto.port")"
    rm -rf "$demo/program"
    cp -r "$root/examples/yaml" "$demo/program"
    # The plugin named in the program (not found on PATH, which the CLI warns about on every load).
    printf 'plugins:\n  providers:\n    - name: tap\n      path: %s\n' "$target/debug" >>"$demo/program/Pulumi.yaml"
    cd "$demo/program"
    pulumi stack select demo --create --non-interactive >/dev/null
    pulumi config set tap:region us-east-1
    pulumi config set tap:endpoint "http://127.0.0.1:$port"
    pulumi up --yes --skip-preview --non-interactive
    echo
    for region in east west central; do
      echo "== $region"
      pulumi stack output "$region" --json
    done
    cat <<TXT

The three regions run in moto at http://127.0.0.1:$port (pid $(cat "$demo/moto.pid")).
Inspect them with any AWS client pointed there, e.g.
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_ENDPOINT_URL=http://127.0.0.1:$port \\
    $(bash "$root/scripts/ensure-moto.sh") -c "import boto3; print(boto3.client('ec2', region_name='eu-central-1').describe_vpcs()['Vpcs'])"
and the stack with: PULUMI_HOME=$demo/home PULUMI_BACKEND_URL=file://$demo/state PULUMI_CONFIG_PASSPHRASE=tap-demo \\
    $root/bin/pulumi -C $demo/program stack --show-urns
Tear it all down with: make demo-destroy
TXT
    ;;
  destroy)
    if [ -d "$demo/program" ] && moto_running; then
      cd "$demo/program"
      pulumi destroy --yes --non-interactive --stack demo
      pulumi stack rm demo --yes --non-interactive
    fi
    if moto_running; then
      kill "$(cat "$demo/moto.pid")"
    fi
    rm -rf "$demo"
    echo "demo destroyed; moto stopped"
    ;;
  *)
    echo "usage: $0 up|destroy" >&2
    exit 2
    ;;
esac
