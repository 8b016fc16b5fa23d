// 坐席工作台: the seat's line live over the websocket (topic seat:<ext>), the ticket form written
// while talking (DOMAIN.md §2 边接听边记录, js/intake.js), knowledge base, call control and the
// callback list. Keyboard first (js/shortcuts.js); a button is enabled only when it can act.
import {
  $, api, clear, el, fmtDuration, Live, logout, requireLogin, showLiveStatus, since, STATE_LABELS, toast,
} from "./common.js";
import { openHoldStart, trackCall } from "./calltimer.js";
import { COMMANDS } from "./commands.js";
import { installValidation } from "./errors.js";
import { installContext, loadCallerContext } from "./history.js";
import {
  categoryPath, closeAction, dispatchAction, isDone, isUrgent, prefill, refuseAction, resetForm, runAction, setupPickers,
  unitName, watchContent,
} from "./intake.js";
import { installShortcuts, showHelp } from "./shortcuts.js";
import { installSidePanels, loadCallbacks } from "./sidebar.js";

const state = {
  user: null,
  meta: null,
  units: [],
  seat: null,
  call: null, // {linkedid, caller, ivr, answered_at, connected, held, holdSince, ended} of the call on this line
  busy: new Set(), // buttons whose command is under way
  live: null,
};
// What the form's actions need of the call (js/intake.js keeps the ticket number here).
const intake = { call: null, ticketNo: null, onRegistered: attachTicket };

function option(value, label) {
  return el("option", { value }, label);
}

function fillSelect(select, options, { empty } = {}) {
  clear(select, empty ? option("", empty) : null, options.map(([v, l]) => option(v, l)));
}

// "火警 …": the label and number of a service, from /api/web/meta (settings.emergency_numbers).
function emergencyServiceLabel(service) {
  const line = state.meta.emergency_services.find((s) => s.service === service);
  if (!line) return "其他紧急服务";
  return line.label ? `${line.label} ${line.number}` : line.number;
}

// The IVR's HOTLINE_CATEGORY in words: a code of the category tree ("环境保护 / 噪声污染"), or one of
// the IVR's markers (emergency_<service>, not_accepted_<reason>, DOMAIN.md §3). A code no tree
// holds is said to be unrecognised, in Chinese: the seat is not shown program codes.
function ivrCategoryLabel(code) {
  const path = categoryPath(code);
  if (path) return path;
  if (code.startsWith("emergency_")) return `紧急事项（${emergencyServiceLabel(code.slice("emergency_".length))}）`;
  if (code.startsWith("not_accepted_")) {
    const reason = state.meta.not_accepted_reasons[code.slice("not_accepted_".length)];
    return `不予受理事项（${reason || "原因未列明"}）`;
  }
  if (code === "utility_outage") return "水电气暖停供";
  return "未识别的分类（语音导航给出的分类不在分类目录中）";
}

async function loadReferenceData() {
  const [meta, units, pickers] = await Promise.all([api("/api/web/meta"), api("/api/units"), api("/api/pickers")]);
  state.meta = meta;
  state.units = units;
  fillSelect($("#f-type"), meta.ticket_types.map((t) => [t, t]));
  fillSelect($("#f-urgency"), meta.urgencies.map((u) => [u, u]));
  setupPickers(pickers, renderControls);
  const handling = units.filter((u) => u.tier > 1);
  fillSelect($("#f-complained"), handling.map((u) => [u.code, u.name]), { empty: "（无）" });
  fillSelect($("#threeway-unit"), handling.map((u) => [u.code, `${u.name}（${u.duty_phone}）`]));
  fillSelect($("#emergency-target"), Object.entries(meta.emergency));
  fillSelect($("#pause-reason"), meta.pause_reasons.map((r) => [r, r]));
  fillSelect($("#f-refuse-reason"), Object.entries(meta.not_accepted_reasons));
  // The seat's own unit by its name (not its code, e.g. "centre").
  const own = state.user.unit_code ? units.find((u) => u.code === state.user.unit_code) : null;
  clear(
    $("#user-badge"),
    el(
      "span",
      { class: "user" },
      state.user.display_name || state.user.username,
      state.user.extension ? ` · 分机 ${state.user.extension}` : "",
      own ? ` · ${own.name}` : "",
      el("button", { class: "link", type: "button", onclick: logout }, "退出"),
    ),
  );
}

// ---------------------------------------------------------------- seat state and buttons

function renderSeat() {
  const seat = state.seat;
  const name = seat ? seat.state : "logged_out";
  const badge = $("#seat-state");
  badge.className = `state state-${name}`;
  badge.textContent = STATE_LABELS[name] + (seat && seat.reason ? `（${seat.reason}）` : "");
  // Wrap-up counts down to wrapup_until (the queue's wrap-up time), then the seat is ready again.
  const left = seat && seat.state === "wrapup" && seat.wrapup_until ? -since(seat.wrapup_until) : null;
  $("#seat-state-since").textContent =
    left !== null ? `剩余 ${fmtDuration(Math.max(0, left))}` : seat && seat.since ? `已持续 ${fmtDuration(since(seat.since))}` : "";
  const queues = seat ? seat.queues.map((q) => (seat.paused_queues.includes(q) ? `${title(q)}(暂停)` : title(q))) : [];
  $("#seat-queues").textContent = queues.length ? `服务队列：${queues.join("、")}` : "";
}

function title(queue) {
  return (state.meta && state.meta.queues[queue]) || "未命名队列";
}

setInterval(renderSeat, 1000);

// Enabled only when the button can act (issue 14): no call, no call control; signed in, no 签入.
function renderControls() {
  const seatState = state.seat ? state.seat.state : "logged_out";
  const extension = Boolean(state.user && state.user.extension);
  const signedIn = extension && seatState !== "logged_out";
  const live = Boolean(state.call && !state.call.ended && state.call.connected);
  const can = {
    "#btn-login": extension && !signedIn,
    "#btn-logout": signedIn && !live,
    "#btn-ready": signedIn && ["not_ready", "wrapup"].includes(seatState),
    "#btn-notready": signedIn && seatState !== "not_ready",
    "#btn-wrapup": signedIn && seatState !== "wrapup",
    "#btn-hold": live,
    "#btn-hangup": live,
    "#btn-threeway": live,
    "#btn-emergency": live,
    "#btn-dispatch": !isDone(),
    "#btn-close-intake": !isDone(),
    "#btn-refuse": !isDone(),
  };
  for (const [selector, ok] of Object.entries(can)) $(selector).disabled = !ok || state.busy.has(selector);
  for (const selector of ["#threeway-unit", "#emergency-target", "#emergency-mode"]) $(selector).disabled = !live;
}

async function act(selector, work) {
  state.busy.add(selector);
  renderControls();
  try {
    await work();
  } catch (exc) {
    toast(exc.message, "error");
  } finally {
    state.busy.delete(selector);
    renderControls();
  }
}

// ---------------------------------------------------------------- the call on this line

function screenPop(call, connected) {
  const isNew = !state.call || state.call.linkedid !== call.linkedid;
  state.call = { ...(state.call && !isNew ? state.call : {}), ...call, connected };
  intake.call = state.call;
  $("#call-idle").hidden = true;
  $("#call-info").hidden = false;
  $("#caller-number").textContent = call.caller || "未知号码";
  renderCallState();
  renderIvr(call.ivr || {});
  if (isNew) {
    resetForm();
    intake.ticketNo = null;
    $("#ticket-result").textContent = "";
    prefill(call, state.meta);
    loadCallerContext(call.caller);
    // 004 §11 边接听边记录: the cursor waits in the content box, after what the IVR transcribed.
    const content = $("#f-content");
    content.focus();
    content.setSelectionRange(content.value.length, content.value.length);
  }
}

// 保持中 while the citizen hears music on hold (callflow desk delta `hold`, or a held call's snapshot);
// the clocks count from the server's answer and hold times (js/calltimer.js).
function renderCallState() {
  const call = state.call;
  const held = Boolean(call && call.held && !call.ended);
  const button = $("#btn-hold");
  $("#hold-label").textContent = held ? "恢复" : "保持";
  button.dataset.held = held ? "1" : "";
  trackCall(call);
  renderControls();
  if (!call || call.ended) return;
  const name = held ? "held" : call.connected ? "talking" : "ringing";
  const badge = $("#call-state");
  badge.textContent = held ? "保持中" : call.connected ? "通话中" : "振铃中";
  badge.className = `state state-${name}`;
}

function renderIvr(ivr) {
  const rows = [];
  const add = (label, value, cls) => value && rows.push(el("dt", {}, label), el("dd", { class: cls || "" }, value));
  if (ivr.action === "emergency" || ivr.target) {
    const service = ivr.emergency_service ? `（${emergencyServiceLabel(ivr.emergency_service)}）` : "";
    const target = ivr.target || Object.keys(state.meta.emergency).join("/");
    rows.push(el("dt", {}, "紧急提示"), el("dd", { class: "alert" }, `语音导航判断为紧急事项${service}，建议转 ${target}`));
  }
  add("导航分类", ivr.category && ivrCategoryLabel(ivr.category));
  add("诉求类型", ivr.ticket_type);
  add("紧急程度", isUrgent(ivr) && "紧急（优先接听）", "alert");
  add("建议承办", ivr.suggested_unit && unitName(ivr.suggested_unit));
  add("语音转写", ivr.transcript, "transcript");
  add("按键", ivr.dtmf);
  add("在办工单", ivr.ticket_hint);
  add("不予受理提示", ivr.not_accepted_reason && (state.meta.not_accepted_reasons[ivr.not_accepted_reason] || "原因未列明"), "alert");
  clear($("#ivr-info"), rows.length ? rows : [el("dt", {}, "语音导航"), el("dd", { class: "muted" }, "无语音导航结果")]);
}

function callEnded(reason) {
  if (!state.call) return;
  const badge = $("#call-state");
  badge.textContent = reason === "missed" ? "未接（超过三声）" : "已结束";
  badge.className = "state state-ended";
  state.call = { ...state.call, ended: true };
  renderCallState();
}

// The call record carries the ticket number (callflow AttachTicket).
function attachTicket(ticketNo) {
  if (!state.call || !state.call.linkedid || !state.user.extension) return;
  state.live
    .command(COMMANDS.ATTACH_TICKET, { seat: state.user.extension, linkedid: state.call.linkedid, ticket_no: ticketNo })
    .catch((exc) => toast(`关联通话失败：${exc.message}`, "error"));
}

// ---------------------------------------------------------------- live

function onSnapshot(_topic, snap) {
  state.seat = snap.seat;
  renderSeat();
  renderControls();
  if (snap.call && snap.seat && ["ringing", "talking"].includes(snap.seat.state)) {
    const held = snap.call.state === "held";
    screenPop({ ...snap.call, held, holdSince: held ? openHoldStart(snap.call) : null }, snap.seat.state === "talking");
  }
}

function onDelta(_topic, op, data) {
  if (op === "seat") {
    state.seat = data;
    renderSeat();
    renderControls();
  } else if (op === "ring") {
    screenPop(data, false);
  } else if (op === "connect") {
    screenPop(data, true);
    toast(`来电接通：${data.caller}`, "ok");
  } else if (op === "hold") {
    if (state.call && state.call.linkedid === data.linkedid) {
      state.call = { ...state.call, held: data.held, holdSince: data.held ? data.since : null };
      renderCallState();
    }
  } else if (op === "ring_end") {
    if (data.reason !== "answered_elsewhere" || (state.call && state.call.linkedid === data.linkedid)) callEnded(data.reason);
  } else if (op === "hangup") {
    callEnded(data.reason);
    loadCallbacks();
  }
}

function command(selector, name, args = () => ({}), fallback = "已完成") {
  $(selector).onclick = () =>
    act(selector, async () => {
      const result = await state.live.command(name, { seat: state.user.extension, ...args() });
      toast(result.message || fallback, "ok");
    });
}

function callArgs() {
  if (!state.call || state.call.ended) throw new Error("当前没有通话");
  return { linkedid: state.call.linkedid };
}

function wire() {
  command("#btn-login", COMMANDS.SEAT_LOGIN, () => ({ queues: [] }));
  command("#btn-logout", COMMANDS.SEAT_LOGOUT);
  command("#btn-ready", COMMANDS.READY);
  command("#btn-notready", COMMANDS.NOT_READY, () => ({ reason: $("#pause-reason").value }));
  command("#btn-wrapup", COMMANDS.WRAPUP);
  command("#btn-hangup", COMMANDS.HANGUP, callArgs, "已挂断");
  $("#btn-hold").onclick = () =>
    act("#btn-hold", async () => {
      const name = $("#btn-hold").dataset.held ? COMMANDS.RESUME : COMMANDS.HOLD;
      const result = await state.live.command(name, { seat: state.user.extension, ...callArgs() });
      toast(result.message || (name === COMMANDS.HOLD ? "已保持" : "已恢复通话"), "ok");
    });
  $("#btn-threeway").onclick = () =>
    act("#btn-threeway", async () => {
      const unit = state.units.find((u) => u.code === $("#threeway-unit").value);
      if (!unit) throw new Error("请选择单位");
      const result = await state.live.command(COMMANDS.THREEWAY, {
        seat: state.user.extension, ...callArgs(), number: unit.duty_phone, unit_code: unit.code,
      });
      toast(result.message || `正在接通${unit.name}`, "ok");
    });
  $("#btn-emergency").onclick = () =>
    act("#btn-emergency", async () => {
      const target = $("#emergency-target").value;
      if (!confirm(`确认将来电紧急转接至 ${target}？`)) return;
      const result = await state.live.command(COMMANDS.EMERGENCY, {
        seat: state.user.extension, ...callArgs(), target, mode: $("#emergency-mode").value,
        reason: $("#f-content").value.trim().slice(0, 200) || "坐席判断为紧急事项",
      });
      toast(result.message || `已转接 ${target}`, "ok");
    });
  $("#btn-dispatch").onclick = (e) => runAction(intake, e.currentTarget, dispatchAction());
  $("#btn-close-intake").onclick = (e) => runAction(intake, e.currentTarget, closeAction());
  $("#btn-refuse").onclick = (e) => runAction(intake, e.currentTarget, refuseAction());
  $("#btn-new").onclick = () => {
    resetForm();
    intake.ticketNo = null;
    $("#ticket-result").textContent = "";
    if (state.call && !state.call.ended) $("#f-phone").value = state.call.caller || "";
    $("#f-content").focus();
  };
  $("#btn-help").onclick = showHelp;
  $("#ticket-form").addEventListener("submit", (event) => event.preventDefault());
  $("#ticket-form").addEventListener("input", () => ($("#ticket-form").dataset.touched = "1"));
  installSidePanels(() => state);
  installContext();
  installValidation();
  watchContent();
  installShortcuts((message) => toast(message, "error"));
}

async function main() {
  state.user = await requireLogin(["seat", "supervisor"], "坐席登录");
  await loadReferenceData();
  wire();
  renderControls();
  const live = new Live({ onSnapshot, onDelta, onStatus: showLiveStatus });
  state.live = live;
  if (state.user.extension) live.subscribe(`seat:${state.user.extension}`);
  live.connect();
  loadCallbacks();
  document.body.dataset.ready = "1";
}

main().catch((exc) => toast(exc.message, "error"));
