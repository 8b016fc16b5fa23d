// The caller's context on the desk (issue 14): how often the number called (today's calls
// included, tickets/callers.py), the caller's past tickets, each opening read-only in a pane, the
// name and address of the latest one offered to the form, and a ticket search by number or phone.
// Personal data comes only through the detail route (GET /api/tickets/{no}): the server audits
// that read (DOMAIN.md §9), the lists show masked names.
import { $, api, clear, el, fmtDateTime, toast } from "./common.js";
import { categoryPath, isDone, unitName } from "./intake.js";

const TICKET_NO = /^\d{5}-\d{8}-\d{6}$/;
let opener = null; // the row or control the pane was opened from: focus goes back there

// "12-02 09:13": the date and time of a ticket in the narrow history column.
function shortTime(iso) {
  const full = fmtDateTime(iso); // "2026/12/2 09:13:00"
  const match = /^\d+\/(\d+)\/(\d+)\s+(\d+:\d+)/.exec(full);
  return match ? `${match[1].padStart(2, "0")}-${match[2].padStart(2, "0")} ${match[3]}` : full;
}

/** A table of ticket summaries whose rows open the ticket (click, or Enter on the row). */
function ticketTable(tickets, id) {
  const rows = tickets.map((t) =>
    el(
      "tr",
      {
        tabindex: "0",
        class: "opens",
        dataset: { ticket: t.ticket_no },
        "aria-label": `工单 ${t.ticket_no}，${t.status_label}，按回车查看`,
        onclick: (event) => openTicket(t.ticket_no, event.currentTarget),
        onkeydown: (event) => {
          if (event.key !== "Enter") return;
          event.preventDefault();
          openTicket(t.ticket_no, event.currentTarget);
        },
      },
      el("td", {}, el("span", { class: "no" }, t.ticket_no), el("span", { class: "when" }, shortTime(t.created_at))),
      el("td", {}, el("span", { class: "status" }, t.status_label), el("span", { class: "title" }, t.title || "（无标题）")),
    ),
  );
  return el(
    "table",
    { class: "table tickets-compact", id },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "工单号 / 受理时间"), el("th", { scope: "col" }, "状态 / 标题"))),
    el("tbody", {}, rows),
  );
}

// ---------------------------------------------------------------- the caller's history

/** Flags, history and the offer of the last name and address, for the number on the line. */
export async function loadCallerContext(phone) {
  const box = $("#caller-history");
  const flags = $("#caller-flags");
  clear(flags);
  clear($("#reuse-offer"));
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
      el("span", { class: "flag info", id: "flag-counts" }, `24小时 ${profile.calls_last_24h} 次 · 30天 ${profile.calls_last_30d} 次`),
    );
    clear(box, tickets.length ? ticketTable(tickets, "history-table") : el("p", { class: "muted" }, "无历史工单"));
    if (profile.open_tickets.length && !$("#ticket-form").dataset.touched && !$("#f-note").value) {
      $("#f-note").value = `来电人另有在办工单：${profile.open_tickets.map((t) => t.ticket_no).join("、")}`;
    }
    // The offer is a convenience: if its read fails the history stays and the seat types the name.
    if (tickets.length) offerLastIdentity(tickets).catch(() => clear($("#reuse-offer")));
  } catch (exc) {
    clear(box, `历史查询失败：${exc.message}`);
  }
}

// The latest ticket's name and address, offered (not filled): the seat confirms with the caller
// and takes them with one click. Read through the detail route, so the read is audited.
async function offerLastIdentity(tickets) {
  const latest = tickets.reduce((a, b) => (new Date(b.created_at) > new Date(a.created_at) ? b : a));
  const detail = await api(`/api/tickets/${encodeURIComponent(latest.ticket_no)}`);
  const name = detail.identity_hidden ? null : detail.citizen_name;
  const address = detail.identity_hidden ? null : detail.citizen_address;
  if (!name && !address) return;
  const text = [name, address].filter(Boolean).join("，");
  clear(
    $("#reuse-offer"),
    el(
      "button",
      {
        type: "button",
        class: "link",
        id: "btn-reuse",
        title: `取自工单 ${latest.ticket_no}`,
        onclick: () => {
          if (isDone()) {
            toast("本工单已提交，请先清空表单（Alt+N）", "error");
            return;
          }
          if (name) $("#f-name").value = name;
          if (address) $("#f-address").value = address;
          $("#ticket-form").dataset.touched = "1";
          $(name ? "#f-name" : "#f-address").focus();
        },
      },
      `沿用上次：${text}`,
    ),
  );
}

// ---------------------------------------------------------------- the read-only pane

function row(label, value) {
  return value === null || value === undefined || value === "" ? null : [el("dt", {}, label), el("dd", {}, String(value))];
}

async function openTicket(no, from) {
  opener = from || document.activeElement;
  try {
    showTicket(await api(`/api/tickets/${encodeURIComponent(no)}`));
  } catch (exc) {
    toast(exc.status === 404 ? `未找到工单 ${no}` : exc.message, "error");
  }
}

function showTicket(t) {
  const pane = $("#ticket-pane");
  const identity = t.identity_hidden ? "（已隐去）" : [t.citizen_name, t.citizen_phone].filter(Boolean).join(" ");
  clear(
    $("#pane-body"),
    el(
      "dl",
      { class: "pane-fields" },
      row("工单号", t.ticket_no),
      row("状态", t.status_label),
      row("类型", `${t.type} · ${t.urgency}`),
      row("受理时间", fmtDateTime(t.created_at)),
      row("诉求分类", t.category_code ? categoryPath(t.category_code) || "（分类已停用）" : "（未分类）"),
      row("主办单位", t.lead_unit_code ? unitName(t.lead_unit_code) : "（未派单）"),
      row("协办单位", t.assist_unit_codes.map(unitName).join("、")),
      row("办结期限", t.complete_due && `${fmtDateTime(t.complete_due)}${t.overdue ? "（已超期）" : ""}`),
      row("市民", identity),
      row("地址", t.identity_hidden ? null : t.citizen_address),
      row("事发地点", t.location),
      row("标题", t.title),
    ),
    el("h3", {}, "诉求内容"),
    el("p", { class: "pane-text" }, t.content),
    t.reply_text ? [el("h3", {}, "答复"), el("p", { class: "pane-text" }, t.reply_text)] : null,
  );
  $("#pane-title").textContent = `工单 ${t.ticket_no}（只读）`;
  // Below the header, whose height depends on the width (it wraps at 1366 px).
  pane.style.top = `${Math.max(12, $("main.desk").getBoundingClientRect().top + 12)}px`;
  pane.hidden = false;
  pane.dataset.ticket = t.ticket_no;
  $("#pane-title").focus();
}

function closePane() {
  const pane = $("#ticket-pane");
  if (pane.hidden) return;
  pane.hidden = true;
  delete pane.dataset.ticket;
  const back = opener && opener.isConnected ? opener : $("#f-content");
  opener = null;
  back.focus();
}

// ---------------------------------------------------------------- ticket search

async function search(event) {
  event.preventDefault();
  const q = $("#ticket-q").value.trim();
  const results = $("#search-results");
  if (!q) return;
  if (TICKET_NO.test(q)) {
    clear(results);
    await openTicket(q, $("#ticket-q"));
    return;
  }
  if (!/^[0-9+\- ]{3,40}$/.test(q)) {
    clear(results, el("p", { class: "muted", role: "status" }, "请输入完整工单号（如 12345-20261202-000001）或来电号码"));
    return;
  }
  try {
    const tickets = await api(`/api/tickets?phone=${encodeURIComponent(q.replace(/[\s-]/g, ""))}&limit=20`);
    clear(results, tickets.length ? ticketTable(tickets, "search-table") : el("p", { class: "muted", role: "status" }, "该号码没有工单"));
  } catch (exc) {
    clear(results, el("p", { class: "muted", role: "status" }, `查询失败：${exc.message}`));
  }
}

export function installContext() {
  $("#pane-close").onclick = closePane;
  $("#ticket-pane").addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    event.stopPropagation();
    closePane();
  });
  $("#ticket-search").addEventListener("submit", search);
}
