// The call's clocks on the desk (issue 14): talk time since the call was answered, and on hold the
// time since the hold began. Both count from the server's timestamps (the call view's
// `answered_at` and its open hold's `start`, the `connect` and `hold` deltas' `answered_at` and
// `since`), never from when the page got a frame: a reload shows the same time as before it.
import { $ } from "./common.js";

/** "mm:ss", "h:mm:ss" past an hour; a clock never shows less than zero. */
export function clockText(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600);
  const rest = `${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  return h ? `${h}:${rest}` : rest;
}

function secondsSince(iso, until) {
  return (until - new Date(iso).getTime()) / 1000;
}

// The hold that is still open, from a snapshot's call view (callflow HoldPeriod: start, end).
export function openHoldStart(call) {
  const holds = (call && call.holds) || [];
  const last = holds[holds.length - 1];
  return last && !last.end ? last.start : null;
}

const clock = {
  answeredAt: null, // ISO time the seat answered (server)
  holdSince: null, // ISO time the open hold began (server), null when not held
  stoppedAt: null, // ms: the call ended, the clock stands still at that moment
};

/** Follows the call on the line: {answered_at, holdSince, ended}; null clears the clocks. */
export function trackCall(call) {
  if (!call) {
    Object.assign(clock, { answeredAt: null, holdSince: null, stoppedAt: null });
  } else {
    clock.answeredAt = call.answered_at || null;
    clock.holdSince = call.held && !call.ended ? call.holdSince || null : null;
    if (call.ended && clock.stoppedAt === null) clock.stoppedAt = Date.now();
    if (!call.ended) clock.stoppedAt = null;
  }
  render();
}

function render() {
  const now = clock.stoppedAt ?? Date.now();
  const timer = $("#call-timer");
  if (timer) {
    timer.hidden = !clock.answeredAt;
    timer.dataset.since = clock.answeredAt || "";
    timer.textContent = clock.answeredAt ? `通话 ${clockText(secondsSince(clock.answeredAt, now))}` : "";
  }
  const elapsed = $("#hold-elapsed");
  if (elapsed) {
    elapsed.hidden = !clock.holdSince;
    elapsed.dataset.since = clock.holdSince || "";
    elapsed.textContent = clock.holdSince ? `保持中 ${clockText(secondsSince(clock.holdSince, now))}` : "";
  }
}

setInterval(render, 1000);
