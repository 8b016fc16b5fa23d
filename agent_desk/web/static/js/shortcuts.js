// The desk's keyboard shortcuts (issue 14: every frequent action has one, shown on its button and
// listed on the help overlay that `?` or F1 opens). Alt+letter works inside the text fields too,
// so the seat never leaves the content box to act; Ctrl+Enter dispatches.
import { $, clear, el } from "./common.js";

// act: a button to press (only when enabled) or a field to focus.
export const SHORTCUTS = [
  { keys: "Alt+R", code: "KeyR", press: "#btn-ready", label: "示闲" },
  { keys: "Alt+B", code: "KeyB", press: "#btn-notready", label: "示忙" },
  { keys: "Alt+H", code: "KeyH", press: "#btn-hold", label: "保持 / 恢复通话" },
  { keys: "Alt+E", code: "KeyE", press: "#btn-hangup", label: "挂断" },
  { keys: "Alt+T", code: "KeyT", press: "#btn-threeway", label: "三方通话（选定的单位）" },
  { keys: "Alt+J", code: "KeyJ", press: "#btn-emergency", label: "紧急转接" },
  { keys: "Ctrl+Enter", code: "Enter", ctrl: true, press: "#btn-dispatch", label: "派单" },
  { keys: "Alt+W", code: "KeyW", press: "#btn-close-intake", label: "直接办结" },
  { keys: "Alt+N", code: "KeyN", press: "#btn-new", label: "新建工单（清空表单）" },
  { keys: "Alt+C", code: "KeyC", focus: "#f-content", label: "跳到诉求内容" },
  { keys: "Alt+L", code: "KeyL", focus: "#f-category-input", label: "跳到诉求分类" },
  { keys: "Alt+U", code: "KeyU", focus: "#f-lead-input", label: "跳到主办单位" },
  { keys: "Alt+1", code: "Digit1", press: "#btn-take-ivr", label: "采用语音导航的建议" },
  { keys: "Alt+2", code: "Digit2", press: "#btn-take-model", label: "采用智能分类的建议" },
  { keys: "Alt+K", code: "KeyK", focus: "#kb-q", label: "跳到知识库检索" },
];
const GENERAL = [
  ["↑ / ↓，Enter", "在分类、单位选择框中选择（可输入汉字、全拼或首字母，如 gs → 供水）"],
  ["Esc", "关闭选择列表或对话框"],
  ["? 或 F1", "显示本帮助"],
];

function editable(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function matches(shortcut, event) {
  if (shortcut.ctrl) return (event.ctrlKey || event.metaKey) && !event.altKey && event.code === shortcut.code;
  return event.altKey && !event.ctrlKey && !event.metaKey && event.code === shortcut.code;
}

function showHelp() {
  if ($("#help")) return;
  const before = document.activeElement;
  const rows = [
    ...SHORTCUTS.map((s) => [s.keys, s.label]),
    ...GENERAL,
  ].map(([keys, label]) => el("tr", {}, el("th", { scope: "row" }, el("kbd", {}, keys)), el("td", {}, label)));
  const close = el("button", { type: "button", class: "primary", id: "help-close" }, "关闭");
  const dialog = el(
    "dialog",
    { id: "help", class: "help card", "aria-labelledby": "help-title" },
    el("h2", { id: "help-title" }, "键盘快捷键"),
    el("table", { class: "table" }, el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "按键"), el("th", { scope: "col" }, "操作"))), el("tbody", {}, rows)),
    el("div", { class: "ask-actions" }, close),
  );
  const done = () => {
    dialog.close();
    dialog.remove();
    if (before && before.isConnected && typeof before.focus === "function") before.focus();
  };
  close.onclick = done;
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    done();
  });
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}

/** Puts each shortcut on its button (aria-keyshortcuts, and shown by CSS) and listens for the keys. */
export function installShortcuts(onUnavailable) {
  for (const s of SHORTCUTS) {
    const target = $(s.press || s.focus);
    if (!target) continue;
    target.setAttribute("aria-keyshortcuts", s.keys);
    if (s.press) target.dataset.key = s.keys;
  }
  document.addEventListener("keydown", (event) => {
    if (document.querySelector("dialog[open]")) return; // a question is open: its own keys only
    if (event.key === "F1" || (event.key === "?" && !editable(event.target))) {
      event.preventDefault();
      showHelp();
      return;
    }
    const shortcut = SHORTCUTS.find((s) => matches(s, event));
    if (!shortcut) return;
    event.preventDefault();
    const target = $(shortcut.press || shortcut.focus);
    if (!target || target.disabled || target.hidden) {
      onUnavailable(`${shortcut.label}当前不可用`);
      return;
    }
    if (shortcut.press) target.click();
    else target.focus();
  });
  const hint = $("#help-hint");
  if (hint) clear(hint, "按 ", el("kbd", {}, "?"), " 查看快捷键");
}

export { showHelp };
