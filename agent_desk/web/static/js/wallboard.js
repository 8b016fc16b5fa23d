// 监控大屏: queues, seats, calls and alerts live over the websocket (topic "wallboard"); overdue
// tickets by unit and the day's charts from the REST API.
import { $, api, clear, el, fmtDateTime, fmtDuration, fmtPercent, fmtTime, Live, requireLogin, showLiveStatus, since, STATE_LABELS, toast, userBadge } from "./common.js";
import { horizontalBars, stackedColumns } from "./charts.js";
import { COMMANDS } from "./commands.js";

const state = {
  queues: new Map(),
  seats: new Map(),
  calls: new Map(),
  stats: new Map(),
  titles: {},
  alerts: [],
  level24h: new Map(),
  live: null,
  slSeconds: 15,
  supervises: false,
};

const ALERT_TEXT = {
  three_ring_miss: (a) => `坐席 ${a.seat} 三声未接（${(a.ring_ms / 1000).toFixed(0)} 秒）${a.paused ? "，已置示忙" : ""}`,
  queue_wait_limit: (a) => `${title(a.queue)} 来电 ${a.caller} 等待已 ${Math.round(a.wait_s)} 秒`,
  emergency: (a) => `紧急转接 ${a.target}：来电 ${a.caller}（${a.source === "ivr" ? "IVR 自动" : "坐席 " + (a.seat || "")}）`,
  watch_caller: (a) => `重点关注号码来电 ${a.caller}（${title(a.queue)}）`,
};

function title(queue) {
  return state.titles[queue] || queue || "";
}

function ratio(a, b) {
  return b ? a / b : null;
}

// Rates from the counters, so the snapshot (raw counters) and the deltas agree.
function figures(s) {
  if (!s) return {};
  return {
    offered: s.offered, answered: s.answered, abandoned: s.abandoned,
    answerRate: ratio(s.answered, s.offered),
    serviceLevel: ratio(s.answered_within_sl, s.offered),
    threeRing: ratio(s.rings_answered_in_time, s.rings_answered_in_time + s.rings_missed),
    asa: s.answered ? s.wait_answered_total_s / s.answered : null,
    aht: s.talk_count ? s.talk_total_s / s.talk_count : null,
  };
}

function renderQueues() {
  const names = new Set([...state.queues.keys(), ...state.stats.keys()]);
  const cards = [...names].sort().map((name) => {
    const q = state.queues.get(name) || { waiting: [], ready: 0, talking: 0, members: [] };
    const f = figures(state.stats.get(name));
    const longest = q.waiting.length ? Math.max(...q.waiting.map((w) => since(w.joined_at))) : 0;
    const level24 = state.level24h.get(name);
    const metric = (label, value) => el("div", {}, label, el("b", {}, value));
    return el(
      "article",
      { class: "card queue-card", dataset: { queue: name } },
      el("h3", {}, title(name), el("span", { class: "muted" }, `示闲 ${q.ready} · 通话 ${q.talking} · 签入 ${q.members.length}`)),
      el("div", {}, el("span", { class: `big ${q.waiting.length ? "warn" : ""}`, dataset: { field: "waiting" } }, String(q.waiting.length)), " 位排队  最长等待 ", fmtDuration(longest)),
      el(
        "div",
        { class: "metrics" },
        metric("呼入", f.offered ?? 0),
        metric("接通", f.answered ?? 0),
        metric("放弃", f.abandoned ?? 0),
        metric("接通率", fmtPercent(f.answerRate)),
        metric("15秒接通率", fmtPercent(f.threeRing)),
        metric(`服务水平(今日)`, fmtPercent(f.serviceLevel)),
        metric("服务水平(24小时)", level24 ? fmtPercent(level24.rate) : "—"),
        metric("平均应答", fmtDuration(f.asa)),
        metric("平均通话", fmtDuration(f.aht)),
      ),
    );
  });
  clear($("#queues"), cards.length ? cards : el("p", { class: "muted" }, "暂无队列数据"));
}

function spy(seat, mode) {
  const supervisor = $("#sup-ext").value.trim();
  if (!supervisor) {
    toast("请先填写值班长话机分机号", "error");
    $("#sup-ext").focus();
    return;
  }
  localStorage.setItem("hotline.supExt", supervisor);
  state.live
    .command(COMMANDS.SPY, { supervisor, seat, mode })
    .then((r) => toast(r.message || "已发起", "ok"))
    .catch((exc) => toast(exc.message, "error"));
}

// The 持续 cell: how long the seat has been in its state, or in wrap-up the seconds left until the
// queue's wrap-up time ends (wrapup_until, from the queue's setting): the server then makes it 示闲.
function stateTime(s) {
  if (s.state === "wrapup" && s.wrapup_until) {
    return el("span", { dataset: { field: "wrapup-left" } }, `剩余 ${fmtDuration(Math.max(0, -since(s.wrapup_until)))}`);
  }
  return fmtDuration(since(s.since));
}

function renderSeats() {
  const rows = [...state.seats.values()].sort((a, b) => a.ext.localeCompare(b.ext)).map((s) => {
    const talking = s.state === "talking";
    return el(
      "tr",
      { dataset: { seat: s.ext } },
      el("td", {}, s.ext),
      el("td", {}, s.name),
      el("td", {}, el("span", { class: `state state-${s.state}` }, STATE_LABELS[s.state] || s.state)),
      el("td", {}, stateTime(s)),
      el("td", {}, s.reason || ""),
      el("td", {}, String(s.calls_today)),
      el("td", { class: s.misses_today ? "warn" : "" }, String(s.misses_today)),
      el("td", {}, s.caller || ""),
      el(
        "td",
        {},
        ["listen", "whisper", "barge"].map((mode) =>
          // Only supervisors act on live calls (the server refuses others and closes the socket).
          el("button", { class: "small", disabled: !talking || !state.supervises, onclick: () => spy(s.ext, mode) }, { listen: "监听", whisper: "耳语", barge: "强插" }[mode]),
        ),
      ),
    );
  });
  clear($("#seats"), rows.length ? rows : el("tr", {}, el("td", { colspan: 9, class: "muted" }, "暂无坐席签入")));
}

function addAlert(alert) {
  state.alerts.unshift(alert);
  state.alerts.length = Math.min(state.alerts.length, 100);
  renderAlerts();
}

function renderAlerts() {
  clear(
    $("#alerts"),
    state.alerts.length
      ? state.alerts.map((a) => el("li", { class: a.kind }, el("span", { class: "muted" }, fmtTime(a.at)), " ", (ALERT_TEXT[a.kind] || ((x) => x.kind))(a)))
      : el("li", { class: "muted" }, "暂无告警"),
  );
}

function onSnapshot(_topic, snap) {
  state.titles = snap.queue_titles || {};
  state.slSeconds = snap.service_level_s || 15;
  state.queues = new Map(snap.queues.map((q) => [q.name, q]));
  state.seats = new Map(snap.seats.map((s) => [s.ext, s]));
  state.calls = new Map(snap.calls.map((c) => [c.linkedid, c]));
  state.stats = new Map(snap.stats.map((s) => [s.queue, s]));
  state.alerts = (snap.ring_misses || [])
    .map((m) => ({ kind: "three_ring_miss", at: m.at, seat: m.seat, ring_ms: m.ring_ms, paused: m.paused }))
    .reverse();
  renderQueues();
  renderSeats();
  renderAlerts();
}

function onDelta(_topic, op, data) {
  if (op === "queue") {
    state.queues.set(data.name, data);
    renderQueues();
  } else if (op === "seat") {
    state.seats.set(data.ext, data);
    renderSeats();
  } else if (op === "stats") {
    state.stats.set(data.queue, data);
    renderQueues();
  } else if (op === "call") {
    state.calls.set(data.linkedid, data);
  } else if (op === "call_end") {
    state.calls.delete(data.linkedid);
    scheduleCharts();
  } else if (op === "alert") {
    addAlert(data);
  }
}

async function loadOverdue() {
  try {
    const board = await api("/api/supervision/board");
    const units = board.filter((u) => u.overdue.length || u.due_soon.length);
    clear(
      $("#overdue"),
      units.length
        ? el(
            "table",
            { class: "table" },
            el("tr", {}, el("th", {}, "承办单位"), el("th", {}, "超期"), el("th", {}, "24小时内到期"), el("th", {}, "工单")),
            units.map((u) =>
              el(
                "tr",
                { dataset: { unit: u.unit_code } },
                el("td", {}, u.unit_name),
                el("td", { class: "count" }, String(u.overdue.length)),
                el("td", { class: "soon" }, String(u.due_soon.length)),
                el(
                  "td",
                  {},
                  [...u.overdue, ...u.due_soon].slice(0, 6).map((t) =>
                    el(
                      "div",
                      {},
                      `${t.ticket_no} ${t.title} · 期限 ${fmtDateTime(t.due)} `,
                      t.supervision_level ? el("span", { class: "tag" }, `督办${t.supervision_level}级`) : "",
                      el("button", { class: "small", onclick: (e) => supervise(e.target, t.ticket_no) }, "督办"),
                    ),
                  ),
                ),
              ),
            ),
          )
        : el("p", { class: "muted" }, "暂无超期或临期工单"),
    );
  } catch (exc) {
    clear($("#overdue"), el("p", { class: "muted" }, exc.message));
  }
}

async function supervise(button, ticketNo) {
  const note = prompt(`督办工单 ${ticketNo}，请填写督办意见：`, "请按期办结并及时答复群众");
  if (!note) return;
  button.disabled = true;
  try {
    await api(`/api/tickets/${ticketNo}/supervise`, { method: "POST", body: { note, key: false } });
    toast(`已督办 ${ticketNo}`, "ok");
    loadOverdue();
  } catch (exc) {
    toast(exc.message, "error");
  } finally {
    button.disabled = false;
  }
}

let chartTimer = null;
function scheduleCharts() {
  clearTimeout(chartTimer);
  chartTimer = setTimeout(loadCharts, 2000);
}

async function loadCharts() {
  try {
    const charts = await api("/api/web/charts");
    state.level24h = new Map(charts.service_level_24h.map((l) => [l.queue, l]));
    const rows = charts.hours.map((h) => ({ label: String(h.hour), answered: h.answered, abandoned: h.abandoned, other: h.other }));
    clear(
      $("#chart-hours"),
      stackedColumns(rows, [
        { key: "answered", label: "接通", color: "#22c55e" },
        { key: "abandoned", label: "放弃", color: "#f97316" },
        { key: "other", label: "其他", color: "#64748b" },
      ], { title: "今日分时来电" }),
    );
    clear($("#chart-categories"), horizontalBars(charts.categories.map((c) => ({ label: c.name, value: c.count })), { title: "今日热点分类", color: "#60a5fa" }));
    renderQueues();
  } catch (exc) {
    toast(`图表加载失败：${exc.message}`, "error");
  }
}

async function main() {
  const user = await requireLogin(["supervisor", "admin"], "值班长登录");
  clear($("#user-badge"), userBadge(user));
  state.supervises = user.role === "supervisor";
  $("#sup-ext").value = localStorage.getItem("hotline.supExt") || "";
  const live = new Live({
    onSnapshot,
    onDelta,
    onStatus: showLiveStatus,
  });
  state.live = live;
  live.subscribe("wallboard");
  live.connect();
  loadOverdue();
  loadCharts();
  setInterval(loadOverdue, 60000);
  setInterval(loadCharts, 60000);
  // Times in state and waits tick every second without a delta.
  setInterval(() => {
    $("#clock").textContent = new Date().toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
    renderQueues();
    renderSeats();
  }, 1000);
  document.body.dataset.ready = "1";
}

main().catch((exc) => toast(exc.message, "error"));
