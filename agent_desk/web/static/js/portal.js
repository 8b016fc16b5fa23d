// 承办单位: a handler sees its unit's tickets only (the API scopes them), and signs, contacts the
// citizen, replies (responsible person + head sign-off, 001 五(四)), asks an extension or returns.
import { $, api, clear, el, fmtDateTime, Live, requireLogin, showLiveStatus, toast, userBadge } from "./common.js";

const state = { user: null, selected: null, labels: {}, liveOpen: false, reload: null, openSeq: 0 };

// Only while the websocket is down: the live topic tells us of every change otherwise.
const FALLBACK_RELOAD_MS = 60000;

// A short notice per ticket delta (tickets.unit_events: no personal data, so the row is re-read).
function notice(d) {
  if (!d.assigned) return `工单 ${d.ticket_no} 已移出本单位`;
  const text = {
    dispatch: d.role === "assist" ? "新协办工单" : "新工单",
    decide_return: "新工单（改派）",
    send_back: "工单已退回，请重新办理",
    decide_extension: "延期申请已审批",
    supervise: "工单被督办",
    leader_instruction: "工单有领导批示",
    reopen: "工单需重办",
    callback: "工单已回访",
    approve: "答复已审核通过",
    merge: "工单已并单",
    close: "工单已办结",
  }[d.action];
  return text ? `${text}：${d.ticket_no}` : `工单 ${d.ticket_no} ${state.labels[d.action] || "已更新"}`;
}

// Several deltas in a burst cost one REST read of the list.
function scheduleReload() {
  if (state.reload) return;
  state.reload = setTimeout(async () => {
    state.reload = null;
    await loadTickets();
  }, 100);
}

// What the unit itself does: its handler already saw "…成功"; the list is refreshed silently.
const OWN_ACTIONS = new Set(["sign", "first_contact", "reply", "ask_extension", "ask_return", "assist_note"]);

async function onDelta(_topic, op, d) {
  if (op !== "ticket" || !d) return;
  if (!OWN_ACTIONS.has(d.action) || !d.assigned) toast(notice(d), "info");
  scheduleReload();
  if (d.ticket_no !== state.selected) return;
  if (d.assigned) {
    await openTicket(d.ticket_no).catch((exc) => toast(exc.message, "error"));
  } else {
    state.selected = null;
    $("#detail").dataset.ticket = "";
    $("#detail-card").hidden = true;
  }
}

function startLive() {
  const live = new Live({
    onSnapshot: () => {
      // The snapshot holds no tickets (no personal data on the topic): re-read the list via REST.
      scheduleReload();
      document.body.dataset.live = "1";
    },
    onDelta: (topic, op, data) => onDelta(topic, op, data),
    onStatus: (status) => {
      state.liveOpen = status === "open";
      showLiveStatus(status);
    },
  });
  live.subscribe(`unit:${state.user.unit_code}`);
  live.connect();
  setInterval(() => {
    if (!state.liveOpen) loadTickets();
  }, FALLBACK_RELOAD_MS);
}

function daysLeft(n) {
  if (n === null || n === undefined) return el("span", { class: "muted" }, "—");
  if (n < 0) return el("span", { class: "deadline late" }, `已超期 ${-n} 个工作日`);
  if (n === 0) return el("span", { class: "deadline near" }, "今日到期");
  return el("span", { class: `deadline ${n <= 1 ? "near" : "fine"}` }, `剩余 ${n} 个工作日`);
}

async function loadTickets() {
  try {
    const tickets = await api("/api/web/portal/tickets");
    clear(
      $("#tickets"),
      tickets.length
        ? tickets.map((t) =>
            el(
              "tr",
              { class: t.ticket_no === state.selected ? "selected" : "", dataset: { ticket: t.ticket_no }, onclick: () => openTicket(t.ticket_no) },
              el("td", {}, el("button", { class: "link" }, t.ticket_no)),
              el("td", {}, t.type),
              el("td", {}, t.urgency),
              el("td", {}, t.title),
              el("td", { class: "status" }, t.status_label),
              el("td", {}, fmtDateTime(t.created_at)),
              el("td", {}, fmtDateTime(t.complete_due)),
              el("td", { class: "days-left" }, daysLeft(t.working_days_left)),
            ),
          )
        : el("tr", {}, el("td", { colspan: 8, class: "muted" }, "暂无工单")),
    );
  } catch (exc) {
    toast(exc.message, "error");
  }
}

function actionForm(title, id, fields, submit) {
  const form = el("form", { id }, el("h4", {}, title), fields, el("button", { class: "primary" }, title));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await submit(form);
      toast(`${title}成功`, "ok");
      form.reset(); // done: what was typed must not come back as a draft when the detail re-renders
      await Promise.all([loadTickets(), openTicket(state.selected)]);
    } catch (exc) {
      toast(exc.message, "error");
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

const field = (label, input) => el("label", {}, label, input);

// What the handler has typed into the open ticket's forms, and where the cursor is: a live delta
// (the unit's own sign, a supervisor's 督办) re-renders the detail and must not wipe a draft reply.
function takeDrafts(no) {
  const drafts = { no, values: new Map(), focus: null };
  if ($("#detail").dataset.ticket !== no) return drafts;
  for (const input of $("#detail").querySelectorAll("form[id] [name]")) {
    const key = `${input.form.id}/${input.name}`;
    drafts.values.set(key, input.value);
    if (input === document.activeElement) {
      drafts.focus = { key, start: input.selectionStart, end: input.selectionEnd };
    }
  }
  return drafts;
}

function restoreDrafts(drafts) {
  for (const input of $("#detail").querySelectorAll("form[id] [name]")) {
    const key = `${input.form.id}/${input.name}`;
    if (drafts.values.has(key)) input.value = drafts.values.get(key);
    if (drafts.focus && drafts.focus.key === key) {
      input.focus();
      if (drafts.focus.start !== null && typeof input.setSelectionRange === "function") {
        input.setSelectionRange(drafts.focus.start, drafts.focus.end);
      }
    }
  }
}

async function openTicket(no) {
  state.selected = no;
  const seq = ++state.openSeq;
  const [t, events] = await Promise.all([api(`/api/tickets/${no}`), api(`/api/tickets/${no}/events`)]);
  // Two reads in flight (a submit and a delta): only the newest one draws.
  if (seq !== state.openSeq) return;
  const drafts = takeDrafts(no);
  const post = (path, body) => api(`/api/tickets/${no}/${path}`, { method: "POST", body });
  const allowed = new Set(t.allowed_actions);
  const forms = [];
  if (allowed.has("sign")) {
    forms.push(actionForm("签收", "form-sign", [field("备注", el("input", { name: "note" }))], (f) => post("sign", { note: f.note.value })));
  }
  if (allowed.has("first_contact")) {
    forms.push(
      actionForm("首次联系", "form-contact", [field("联系情况", el("input", { name: "note", required: true }))], (f) => post("first-contact", { note: f.note.value })),
    );
  }
  if (allowed.has("reply")) {
    forms.push(
      actionForm(
        "答复",
        "form-reply",
        [
          field("答复内容", el("textarea", { name: "text", rows: 3, required: true, minlength: 2 })),
          field("责任人", el("input", { name: "person", required: true })),
          field("单位负责人签发", el("input", { name: "head", required: true })),
        ],
        (f) => post("reply", { text: f.text.value, responsible_person: f.person.value, head_signoff: f.head.value }),
      ),
    );
  }
  if (allowed.has("ask_extension")) {
    forms.push(
      actionForm(
        "申请延期",
        "form-extension",
        [field("延期工作日", el("input", { name: "days", type: "number", min: 1, max: 30, value: 3, required: true })), field("延期理由", el("input", { name: "reason", required: true, minlength: 2 }))],
        (f) => post("extension", { days: Number(f.days.value), reason: f.reason.value }),
      ),
    );
  }
  if (allowed.has("ask_return")) {
    forms.push(
      actionForm("申请退单", "form-return", [field("退单理由", el("input", { name: "reason", required: true, minlength: 2 }))], (f) => post("return", { reason: f.reason.value })),
    );
  }
  if (allowed.has("assist_note")) {
    forms.push(actionForm("协办意见", "form-assist", [field("意见", el("textarea", { name: "note", rows: 2, required: true }))], (f) => post("assist-note", { note: f.note.value })));
  }
  const row = (label, value) => [el("dt", {}, label), el("dd", {}, value ?? "—")];
  clear(
    $("#detail"),
    el("h2", {}, `工单 ${t.ticket_no}`, el("span", { class: "tag", id: "detail-status" }, t.status_label)),
    el(
      "dl",
      { class: "ivr" },
      row("类型", `${t.type} · ${t.urgency}`),
      row("标题", t.title),
      row("市民", t.identity_hidden ? "（身份信息已保护）" : `${t.citizen_name || ""} ${t.citizen_phone || ""}`),
      row("地点", t.location),
      row("联系期限", fmtDateTime(t.response_due)),
      row("办结期限", fmtDateTime(t.complete_due)),
      row("答复", t.reply_text ? `${t.reply_text}（责任人 ${t.reply_person}，签发 ${t.reply_head}）` : null),
    ),
    el("pre", {}, t.content),
    forms.length ? el("div", { class: "actions" }, forms) : el("p", { class: "muted" }, "当前状态无需本单位操作"),
    el("h3", {}, "流转记录"),
    el(
      "table",
      { class: "table" },
      events.map((e) => el("tr", {}, el("td", {}, fmtDateTime(e.at)), el("td", {}, e.actor), el("td", {}, state.labels[e.action] || e.action), el("td", {}, e.note))),
    ),
  );
  $("#detail").dataset.ticket = no;
  restoreDrafts(drafts);
  $("#detail-card").hidden = false;
  for (const tr of document.querySelectorAll("#tickets tr")) tr.classList.toggle("selected", tr.dataset.ticket === no);
}

async function main() {
  state.user = await requireLogin(["unit_handler"], "承办单位登录");
  clear($("#user-badge"), userBadge(state.user));
  $("#btn-refresh").onclick = loadTickets;
  state.labels = (await api("/api/web/meta")).action_labels;
  await loadTickets();
  startLive();
  document.body.dataset.ready = "1";
}

main().catch((exc) => toast(exc.message, "error"));
