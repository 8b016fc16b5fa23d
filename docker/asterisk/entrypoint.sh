#!/bin/sh
# Starts Asterisk on the configuration rendered by `hotline asterisk-config` (the asterisk-config
# service of docker/compose.yaml writes it into the shared /etc/asterisk volume first).
set -eu
conf=/etc/asterisk/asterisk.conf
if [ ! -f "$conf" ]; then
    echo "hotline-asterisk: $conf is missing: run \`hotline asterisk-config --out /etc/asterisk\` first" >&2
    exit 1
fi
mkdir -p /var/spool/asterisk/monitor /var/run/asterisk
chown -R asterisk:asterisk /var/spool/asterisk /var/run/asterisk /var/lib/asterisk /var/log/asterisk
# -f: foreground (the container's main process), -U/-G: drop root, -g: core dumps on crash.
exec asterisk -f -n -g -U asterisk -G asterisk -C "$conf" "$@"
