// 坐席工作台: the seat's line live over the websocket (topic seat:<ext>), the ticket form written
// while talking (DOMAIN.md §2 边接听边记录), knowledge base, call control and the callback list.
import {
  $, api, clear, el, fmtDateTime, fmtDuration, Live, requireLogin, showLiveStatus, since, STATE_LABELS, toast, userBadge,
} from "./common.js";
import { COMMANDS } from "./commands.js";

const state = {
  user: null,
  meta: null,
  units: [],
  categories: new Map(), // code -> {name, default_unit_code}
  seat: null,
  call: null, // {linkedid, caller, ivr, ...} of the call on this line
  ticketNo: null,
  ticketLinkedid: null,
  live: null,
};

function option(value, label, selected = false) {
  return el("option", { value, selected }, label);
}

function fillSelect(select, options, { empty } = {}) {
  clear(select, empty ? option("", empty) : null, options.map(([v, l]) => option(v, l)));
}

function flattenCategories(nodes, depth = 0, out = [], parent = null) {
  for (const node of nodes) {
    out.push([node.code, `${"　".repeat(depth)}${node.name}`]);
    state.categories.set(node.code, { ...node, parent });
    flattenCategories(node.children || [], depth + 1, out, node);
  }
  return out;
}

// HOTLINE_PRIORITY the IVR gives an urgent call (hotline.dialplan.PRIORITY_URGENT, 003 §10).
const PRIORITY_URGENT = 10;

// "火警 …": the label and number of a service, from /api/web/meta (settings.emergency_numbers).
function emergencyServiceLabel(service) {
  const line = state.meta.emergency_services.find((s) => s.service === service);
  if (!line) return service;
  return line.label ? `${line.label} ${line.number}` : line.number;
}

// The IVR's HOTLINE_CATEGORY in words: a code of the category tree ("环境保护 / 噪声污染"), or one of
// the IVR's markers (emergency_<service>, not_accepted_<reason>, DOMAIN.md §3); anything else is
// shown as unrecognised rather than as a bare code.
function ivrCategoryLabel(code) {
  const node = state.categories.get(code);
  if (node) return node.parent ? `${node.parent.name} / ${node.name}` : node.name;
  if (code.startsWith("emergency_")) {
    const service = code.slice("emergency_".length);
    return `紧急事项（${emergencyServiceLabel(service)}）`;
  }
  if (code.startsWith("not_accepted_")) {
    const reason = code.slice("not_accepted_".length);
    return `不予受理事项（${state.meta.not_accepted_reasons[reason] || reason}）`;
  }
  if (code === "utility_outage") return "水电气暖停供";
  return `未识别的分类（${code}）`;
}

function isUrgent(ivr) {
  return typeof ivr.priority === "number" && ivr.priority >= PRIORITY_URGENT;
}

async function loadReferenceData() {
  const [meta, units, categories] = await Promise.all([api("/api/web/meta"), api("/api/units"), api("/api/categories")]);
  state.meta = meta;
  state.units = units;
  fillSelect($("#f-type"), meta.ticket_types.map((t) => [t, t]));
  fillSelect($("#f-urgency"), meta.urgencies.map((u) => [u, u]));
  fillSelect($("#f-category"), flattenCategories(categories), { empty: "（请选择）" });
  const handling = units.filter((u) => u.tier > 1).map((u) => [u.code, u.name]);
  fillSelect($("#f-lead"), handling, { empty: "（请选择主办单位）" });
  fillSelect($("#f-assist"), handling);
  fillSelect($("#f-complained"), handling, { empty: "（无）" });
  fillSelect($("#threeway-unit"), units.filter((u) => u.tier > 1).map((u) => [u.code, `${u.name}（${u.duty_phone}）`]));
  fillSelect($("#emergency-target"), Object.entries(meta.emergency));
  fillSelect($("#pause-reason"), meta.pause_reasons.map((r) => [r, r]));
  fillSelect($("#f-refuse-reason"), Object.entries(meta.not_accepted_reasons));
}

// ---------------------------------------------------------------- seat state

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
  return (state.meta && state.meta.queues[queue]) || queue;
}

setInterval(renderSeat, 1000);

// ---------------------------------------------------------------- the call on this line

async function screenPop(call, connected) {
  const isNew = !state.call || state.call.linkedid !== call.linkedid;
  state.call = { ...(state.call && !isNew ? state.call : {}), ...call, connected };
  $("#call-idle").hidden = true;
  $("#call-info").hidden = false;
  $("#caller-number").textContent = call.caller || "未知号码";
  renderCallState();
  renderIvr(call.ivr || {});
  if (isNew) {
    resetForm();
    prefillForm(call);
    loadCallerHistory(call.caller);
  }
}

// 保持中 while the citizen hears music on hold (callflow desk delta `hold`, or a held call's snapshot).
function renderCallState() {
  const call = state.call;
  const held = Boolean(call && call.held && !call.ended);
  const button = $("#btn-hold");
  button.textContent = held ? "恢复" : "保持";
  button.dataset.held = held ? "1" : "";
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
    rows.push(el("dt", {}, "紧急提示"), el("dd", { class: "alert" }, `IVR 判断为紧急事项${service}，建议转 ${target}`));
  }
  add("IVR 分类", ivr.category && ivrCategoryLabel(ivr.category));
  add("诉求类型", ivr.ticket_type);
  add("紧急程度", isUrgent(ivr) && "紧急（优先接听）", "alert");
  add("建议承办", ivr.suggested_unit && unitName(ivr.suggested_unit));
  add("语音转写", ivr.transcript, "transcript");
  add("按键", ivr.dtmf);
  add("在办工单", ivr.ticket_hint);
  add("不予受理提示", ivr.not_accepted_reason && (state.meta.not_accepted_reasons[ivr.not_accepted_reason] || ivr.not_accepted_reason), "alert");
  clear($("#ivr-info"), rows.length ? rows : [el("dt", {}, "IVR"), el("dd", { class: "muted" }, "无 IVR 结果")]);
}

function unitName(code) {
  const unit = state.units.find((u) => u.code === code);
  return unit ? unit.name : code;
}

async function loadCallerHistory(phone) {
  const box = $("#caller-history");
  const flags = $("#caller-flags");
  clear(flags);
  if (!phone) {
    clear(box, "无号码");
    return;
  }
  try {
    const [profile, tickets] = await Promise.all([
      api(`/api/callers/${encodeURIComponent(phone)}/profile`),
      api(`/api/tickets?phone=${encodeURIComponent(phone)}&limit=10`),
    ]);
    clear(
      flags,
      profile.repeat_caller ? el("span", { class: "flag repeat", id: "flag-repeat" }, "重复来电") : null,
      profile.watch_listed ? el("span", { class: "flag watch", id: "flag-watch" }, `重点关注${profile.watch_reason ? "：" + profile.watch_reason : ""}`) : null,
      el("span", { class: "flag info" }, `24小时 ${profile.calls_last_24h} 次 · 30天 ${profile.calls_last_30d} 次`),
    );
    clear(
      box,
      tickets.length
        ? el(
            "table",
            { class: "table" },
            el("tr", {}, el("th", {}, "工单号"), el("th", {}, "受理时间"), el("th", {}, "类型"), el("th", {}, "标题"), el("th", {}, "状态")),
            tickets.map((t) =>
              el("tr", {}, el("td", {}, t.ticket_no), el("td", {}, fmtDateTime(t.created_at)), el("td", {}, t.type), el("td", {}, t.title), el("td", {}, t.status_label)),
            ),
          )
        : el("p", { class: "muted" }, "无历史工单"),
    );
    const form = $("#ticket-form");
    if (profile.open_tickets.length && !form.dataset.touched) {
      $("#f-note").value = `来电人另有在办工单：${profile.open_tickets.map((t) => t.ticket_no).join("、")}`;
    }
  } catch (exc) {
    clear(box, `历史查询失败：${exc.message}`);
  }
}

function prefillForm(call) {
  const ivr = call.ivr || {};
  $("#f-phone").value = call.caller || "";
  if (ivr.ticket_type && state.meta.ticket_types.includes(ivr.ticket_type)) $("#f-type").value = ivr.ticket_type;
  // 003 §10: what the IVR queued as urgent is registered as 紧急 unless the seat decides otherwise.
  if (isUrgent(ivr) && state.meta.urgencies.includes("紧急")) $("#f-urgency").value = "紧急";
  if (ivr.category && state.categories.has(ivr.category)) {
    $("#f-category").value = ivr.category;
    suggestLeadUnit();
  }
  // Only pre-selected: the seat dispatches (the IVR's unit is a suggestion).
  if (ivr.suggested_unit && state.units.some((u) => u.code === ivr.suggested_unit)) $("#f-lead").value = ivr.suggested_unit;
  if (ivr.not_accepted_reason && ivr.not_accepted_reason in state.meta.not_accepted_reasons) {
    $("#f-refuse-reason").value = ivr.not_accepted_reason;
  }
  if (ivr.transcript) $("#f-content").value = ivr.transcript;
  if (ivr.ticket_hint) $("#f-note").value = `来电人在办工单：${ivr.ticket_hint}`;
}

function suggestLeadUnit() {
  const node = state.categories.get($("#f-category").value);
  if (node && node.default_unit_code && !$("#f-lead").value) $("#f-lead").value = node.default_unit_code;
}

function callEnded(reason) {
  if (!state.call) return;
  const badge = $("#call-state");
  badge.textContent = reason === "missed" ? "未接（超过三声）" : "已结束";
  badge.className = "state state-ended";
  state.call = { ...state.call, ended: true };
  renderCallState();
}

function resetForm() {
  $("#ticket-form").reset();
  delete $("#ticket-form").dataset.touched;
  state.ticketNo = null;
  state.ticketLinkedid = null;
  $("#ticket-result").textContent = "";
}

// ---------------------------------------------------------------- ticket actions

function intakeBody() {
  const content = $("#f-content").value.trim();
  if (!content) throw new Error("请填写诉求内容");
  const val = (id) => $(id).value.trim() || null;
  return {
    channel: "phone",
    type: $("#f-type").value,
    urgency: $("#f-urgency").value,
    category_code: val("#f-category"),
    title: $("#f-title").value.trim() || content.slice(0, 30),
    content,
    location: val("#f-location"),
    citizen_name: val("#f-name"),
    citizen_phone: val("#f-phone"),
    citizen_address: val("#f-address"),
    consent_disclosure: $("#f-consent").checked,
    complained_unit_code: val("#f-complained"),
    linkedid: state.call ? state.call.linkedid : null,
  };
}

// The ticket is registered once; dispatch / close / refuse then act on it.
async function ensureTicket() {
  if (state.ticketNo) return state.ticketNo;
  const ticket = await api("/api/tickets", { method: "POST", body: intakeBody() });
  state.ticketNo = ticket.ticket_no;
  $("#ticket-result").textContent = ticket.ticket_no;
  if (state.call && state.call.linkedid && state.user.extension) {
    state.ticketLinkedid = state.call.linkedid;
    // The call record carries the ticket number (callflow AttachTicket).
    state.live
      .command(COMMANDS.ATTACH_TICKET, { seat: state.user.extension, linkedid: state.call.linkedid, ticket_no: ticket.ticket_no })
      .catch((exc) => toast(`关联通话失败：${exc.message}`, "error"));
  }
  return ticket.ticket_no;
}

async function act(button, work) {
  button.disabled = true;
  try {
    await work();
  } catch (exc) {
    toast(exc.message, "error");
  } finally {
    button.disabled = false;
  }
}

async function dispatch() {
  const lead = $("#f-lead").value;
  if (!lead) throw new Error("请选择主办单位");
  const assists = [...$("#f-assist").selectedOptions].map((o) => o.value).filter((c) => c !== lead);
  const no = await ensureTicket();
  const result = await api(`/api/tickets/${no}/dispatch`, {
    method: "POST",
    body: { lead_unit_code: lead, assist_unit_codes: assists, note: $("#f-note").value.trim() },
  });
  $("#ticket-result").textContent = `${no} · ${result.status_label}`;
  toast(`工单 ${no} 已派至 ${unitName(lead)}`, "ok");
}

async function closeAtIntake() {
  const answer = $("#f-answer").value.trim();
  if (!answer) throw new Error("请填写答复内容（可从知识库选用）");
  const no = await ensureTicket();
  const result = await api(`/api/tickets/${no}/close-at-intake`, { method: "POST", body: { answer } });
  $("#ticket-result").textContent = `${no} · ${result.status_label}`;
  toast(`工单 ${no} 已直接办结`, "ok");
}

async function refuse() {
  const no = await ensureTicket();
  const result = await api(`/api/tickets/${no}/refuse`, {
    method: "POST",
    body: { reason_code: $("#f-refuse-reason").value, note: $("#f-note").value.trim() },
  });
  $("#ticket-result").textContent = `${no} · ${result.status_label}`;
  toast(`工单 ${no} 不予受理`, "ok");
}

// ---------------------------------------------------------------- knowledge base

async function searchKb(event) {
  event.preventDefault();
  const q = $("#kb-q").value.trim();
  if (!q) return;
  try {
    const hits = await api(`/api/kb/search?q=${encodeURIComponent(q)}`);
    clear(
      $("#kb-results"),
      hits.length
        ? hits.map((hit) =>
            el(
              "li",
              {},
              el("strong", {}, hit.question),
              el("p", {}, hit.answer),
              el("button", { class: "link use-answer", onclick: () => useAnswer(hit) }, "直接答复"),
            ),
          )
        : el("li", { class: "muted" }, "未找到相关知识"),
    );
  } catch (exc) {
    toast(exc.message, "error");
  }
}

function useAnswer(hit) {
  $("#f-answer").value = hit.answer;
  if (!$("#f-content").value.trim()) $("#f-content").value = hit.question;
  if (hit.category_code && state.categories.has(hit.category_code)) $("#f-category").value = hit.category_code;
  $("#f-type").value = "咨询";
  $("#f-answer").focus();
}

// ---------------------------------------------------------------- callbacks

async function loadCallbacks() {
  try {
    const tasks = await api("/api/callback-tasks");
    clear(
      $("#callbacks"),
      tasks.length
        ? tasks.map((task) =>
            el(
              "li",
              { class: task.overdue ? "overdue" : "" },
              el("span", { class: "tag" }, task.kind === "survey" ? "回访" : "漏接回拨"),
              ` ${task.phone} `,
              task.ticket_no ? el("span", { class: "muted" }, task.ticket_no) : "",
              el("span", { class: "muted" }, ` 截止 ${fmtDateTime(task.due_at)}`),
              el("button", { class: "small", onclick: (e) => act(e.target, () => dial(task)) }, "拨打"),
            ),
          )
        : el("li", { class: "muted" }, "暂无待办"),
    );
  } catch (exc) {
    clear($("#callbacks"), el("li", { class: "muted" }, exc.message));
  }
}

async function dial(task) {
  const seat = state.user.extension;
  const result =
    task.kind === "survey"
      ? await state.live.command(COMMANDS.SURVEY_CALLBACK, { seat, ticket_no: task.ticket_no, phone: task.phone })
      : await state.live.command(COMMANDS.MISSED_CALLBACK, { seat, phone: task.phone });
  toast(result.message || "已发起呼叫", "ok");
}

// ---------------------------------------------------------------- live

function onSnapshot(_topic, snap) {
  state.seat = snap.seat;
  renderSeat();
  if (snap.call && snap.seat && ["ringing", "talking"].includes(snap.seat.state)) {
    screenPop({ ...snap.call, held: snap.call.state === "held" }, snap.seat.state === "talking");
  }
}

function onDelta(_topic, op, data) {
  if (op === "seat") {
    state.seat = data;
    renderSeat();
  } else if (op === "ring") {
    screenPop(data, false);
  } else if (op === "connect") {
    screenPop(data, true);
    toast(`来电接通：${data.caller}`, "ok");
  } else if (op === "hold") {
    if (state.call && state.call.linkedid === data.linkedid) {
      state.call = { ...state.call, held: data.held };
      renderCallState();
    }
  } else if (op === "ring_end") {
    if (data.reason !== "answered_elsewhere" || (state.call && state.call.linkedid === data.linkedid)) callEnded(data.reason);
  } else if (op === "hangup") {
    callEnded(data.reason);
    loadCallbacks();
  }
}

async function seatCommand(button, name, args = {}) {
  await act(button, async () => {
    const result = await state.live.command(name, { seat: state.user.extension, ...args });
    toast(result.message || "已完成", "ok");
  });
}

function callArgs() {
  if (!state.call || state.call.ended) throw new Error("当前没有通话");
  return { linkedid: state.call.linkedid };
}

function wire() {
  $("#btn-login").onclick = (e) => seatCommand(e.target, COMMANDS.SEAT_LOGIN, { queues: [] });
  $("#btn-logout").onclick = (e) => seatCommand(e.target, COMMANDS.SEAT_LOGOUT);
  $("#btn-ready").onclick = (e) => seatCommand(e.target, COMMANDS.READY);
  $("#btn-notready").onclick = (e) => seatCommand(e.target, COMMANDS.NOT_READY, { reason: $("#pause-reason").value });
  $("#btn-wrapup").onclick = (e) => seatCommand(e.target, COMMANDS.WRAPUP);
  $("#btn-hangup").onclick = (e) => act(e.target, async () => {
    const result = await state.live.command(COMMANDS.HANGUP, { seat: state.user.extension, ...callArgs() });
    toast(result.message || "已挂断", "ok");
  });
  $("#btn-hold").onclick = (e) => act(e.target, async () => {
    const name = e.target.dataset.held ? COMMANDS.RESUME : COMMANDS.HOLD;
    const result = await state.live.command(name, { seat: state.user.extension, ...callArgs() });
    toast(result.message || (name === COMMANDS.HOLD ? "已保持" : "已恢复通话"), "ok");
  });
  $("#btn-threeway").onclick = (e) => act(e.target, async () => {
    const unit = state.units.find((u) => u.code === $("#threeway-unit").value);
    if (!unit) throw new Error("请选择单位");
    const result = await state.live.command(COMMANDS.THREEWAY, {
      seat: state.user.extension, ...callArgs(), number: unit.duty_phone, unit_code: unit.code,
    });
    toast(result.message || `正在接通${unit.name}`, "ok");
  });
  $("#btn-emergency").onclick = (e) => act(e.target, async () => {
    const target = $("#emergency-target").value;
    if (!confirm(`确认将来电紧急转接至 ${target}？`)) return;
    const result = await state.live.command(COMMANDS.EMERGENCY, {
      seat: state.user.extension, ...callArgs(), target, mode: $("#emergency-mode").value,
      reason: $("#f-content").value.trim().slice(0, 200) || "坐席判断为紧急事项",
    });
    toast(result.message || `已转接 ${target}`, "ok");
  });
  $("#btn-dispatch").onclick = (e) => act(e.target, dispatch);
  $("#btn-close-intake").onclick = (e) => act(e.target, closeAtIntake);
  $("#btn-refuse").onclick = (e) => act(e.target, refuse);
  $("#btn-new").onclick = () => resetForm();
  $("#f-category").onchange = suggestLeadUnit;
  $("#ticket-form").addEventListener("input", () => ($("#ticket-form").dataset.touched = "1"));
  $("#kb-form").addEventListener("submit", searchKb);
  $("#btn-refresh-callbacks").onclick = loadCallbacks;
}

async function main() {
  state.user = await requireLogin(["seat", "supervisor"], "坐席登录");
  clear($("#user-badge"), userBadge(state.user));
  wire();
  await loadReferenceData();
  const live = new Live({
    onSnapshot,
    onDelta,
    onStatus: showLiveStatus,
  });
  state.live = live;
  if (state.user.extension) live.subscribe(`seat:${state.user.extension}`);
  live.connect();
  loadCallbacks();
  document.body.dataset.ready = "1";
}

main().catch((exc) => toast(exc.message, "error"));

