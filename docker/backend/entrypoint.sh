#!/bin/sh
# Runs `hotline <args>` after putting the build-time artefacts where the settings point.
set -eu
# Prompts live in a volume shared with Asterisk (STREAM FILE takes their absolute path): fill it
# from the image without overwriting prompts a city recorded itself.
if [ -d /opt/hotline/prompts-image ] && [ -n "${HOTLINE_PROMPTS_DIR:-}" ]; then
    mkdir -p "$HOTLINE_PROMPTS_DIR"
    for prompt in /opt/hotline/prompts-image/*.wav; do
        [ -e "$prompt" ] || continue
        target="$HOTLINE_PROMPTS_DIR/$(basename "$prompt")"
        [ -e "$target" ] || cp "$prompt" "$target"
    done
fi
# The model checksum computed at build time from the verified download, unless one is pinned.
if [ -z "${HOTLINE_VOSK_MODEL_SHA256:-}" ] && [ -f /opt/vosk/MODEL_SHA256 ]; then
    HOTLINE_VOSK_MODEL_SHA256=$(cat /opt/vosk/MODEL_SHA256)
    export HOTLINE_VOSK_MODEL_SHA256
fi
exec hotline "$@"
