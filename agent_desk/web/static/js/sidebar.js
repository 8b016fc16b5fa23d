// The desk's side panels: the knowledge base (a consultation answered on the spot, 000 §17) and
// the seat's call-back list (回访 and 漏接回拨).
import { $, api, clear, el, fmtDateTime, toast } from "./common.js";
import { COMMANDS } from "./commands.js";
import { isDone, useCategory } from "./intake.js";

let desk = () => ({}); // the desk's state: its user and live connection, for dialling

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
              el("button", { type: "button", class: "link use-answer", onclick: () => useAnswer(hit) }, "直接答复"),
            ),
          )
        : el("li", { class: "muted" }, "未找到相关知识"),
    );
  } catch (exc) {
    toast(exc.message, "error");
  }
}

function useAnswer(hit) {
  if (isDone()) {
    toast("本工单已提交，请先清空表单（Alt+N）", "error");
    return;
  }
  $("#f-answer").value = hit.answer;
  if (!$("#f-content").value.trim()) $("#f-content").value = hit.question;
  if (hit.category_code) useCategory(hit.category_code);
  $("#f-type").value = "咨询";
  $("#f-answer").focus();
}

// ---------------------------------------------------------------- callbacks

export async function loadCallbacks() {
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
              el("button", { type: "button", class: "small", onclick: (e) => dialTask(e.target, task, desk()) }, "拨打"),
            ),
          )
        : el("li", { class: "muted" }, "暂无待办"),
    );
  } catch (exc) {
    clear($("#callbacks"), el("li", { class: "muted" }, exc.message));
  }
}

async function dialTask(button, task, state) {
  button.disabled = true;
  try {
    const seat = state.user.extension;
    const result =
      task.kind === "survey"
        ? await state.live.command(COMMANDS.SURVEY_CALLBACK, { seat, ticket_no: task.ticket_no, phone: task.phone })
        : await state.live.command(COMMANDS.MISSED_CALLBACK, { seat, phone: task.phone });
    toast(result.message || "已发起呼叫", "ok");
  } catch (exc) {
    toast(exc.message, "error");
  } finally {
    button.disabled = false;
  }
}

export function installSidePanels(getState) {
  desk = getState;
  $("#kb-form").addEventListener("submit", searchKb);
  $("#btn-refresh-callbacks").onclick = loadCallbacks;
}
