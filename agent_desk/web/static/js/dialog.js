// In-page questions (a modal <dialog>, not window.confirm): focus starts on the first choice, so
// Enter takes it and Escape takes the last ("cancel") one; focus returns where it was.
import { el } from "./common.js";

/**
 * Resolves with the value of the choice taken. choices: [{label, value, kind?, key?}], the first
 * is the default (Enter), the last is what Escape means.
 */
export function ask({ title, body, choices, id = "ask" }) {
  const before = document.activeElement;
  return new Promise((resolve) => {
    const dialog = el("dialog", { class: "ask card", id, "aria-labelledby": `${id}-title`, "aria-describedby": `${id}-body` });
    const finish = (value) => {
      dialog.close();
      dialog.remove();
      if (before && before.isConnected && typeof before.focus === "function") before.focus();
      resolve(value);
    };
    const buttons = choices.map((choice, i) =>
      el(
        "button",
        { type: "button", class: choice.kind || (i === 0 ? "primary" : ""), dataset: { choice: String(i) }, onclick: () => finish(choice.value) },
        choice.label,
      ),
    );
    dialog.append(
      el("h2", { id: `${id}-title` }, title),
      el("div", { id: `${id}-body`, class: "ask-body" }, body),
      el("div", { class: "ask-actions" }, buttons),
    );
    // Escape: the browser fires `cancel`; the last choice is the safe one.
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(choices[choices.length - 1].value);
    });
    document.body.append(dialog);
    dialog.showModal();
    buttons[0].focus();
  });
}
