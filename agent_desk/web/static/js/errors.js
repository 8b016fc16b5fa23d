// Errors where they belong (issue 14): the offending field is marked (aria-invalid), focused and
// explained in Chinese beside it; the browser's own constraint checks speak Chinese too; the
// API's 422 `errors` and its refusals (409, or a 422 of the engine) land on their fields.
import { $, el } from "./common.js";

// The API's body fields → the form's inputs.
const FIELD_OF = {
  content: "#f-content",
  title: "#f-title",
  type: "#f-type",
  urgency: "#f-urgency",
  category_code: "#f-category-input",
  citizen_name: "#f-name",
  citizen_phone: "#f-phone",
  citizen_address: "#f-address",
  location: "#f-location",
  complained_unit_code: "#f-complained",
  lead_unit_code: "#f-lead-input",
  assist_unit_codes: "#f-assist-input",
  note: "#f-note",
  answer: "#f-answer",
  reason_code: "#f-refuse-reason",
};
// The engine's 422 reasons name no field: the words of the reason tell which (tickets.actions).
const FIELD_OF_REASON = [
  [/分类/, "#f-category-input"],
  [/热线中心不能作为|单位不存在/, "#f-lead-input"],
  [/不予受理原因/, "#f-refuse-reason"],
  [/答复/, "#f-answer"],
];
// pydantic's error types, in words.
const TYPE_WORDS = {
  missing: "不能为空",
  string_too_short: "不能为空",
  string_too_long: "内容过长",
  string_pattern_mismatch: "格式不正确",
  enum: "取值无效",
  literal_error: "取值无效",
  too_long: "选择过多",
};

function labelOf(field) {
  const label = field.labels && field.labels[0] ? field.labels[0].textContent : field.getAttribute("aria-label") || "";
  return label.replace(/[*＊]|（.*?）/g, "").trim();
}

// The constraint API's verdict in Chinese (the browser would otherwise speak its own language).
function constraintMessage(field) {
  const v = field.validity;
  const label = labelOf(field);
  if (v.valueMissing) return `请填写${label}`;
  if (v.tooLong) return `${label}不能超过 ${field.maxLength} 字`;
  if (v.patternMismatch) return field.id === "f-phone" ? "联系电话只能包含数字、空格、“+”和“-”" : `${label}格式不正确`;
  if (v.typeMismatch || v.badInput) return `${label}格式不正确`;
  return `${label}无效`;
}

export function clearErrors(only) {
  const fields = only ? [$(only)] : document.querySelectorAll('#ticket-form [aria-invalid="true"]');
  for (const field of fields) {
    if (!field) continue;
    field.removeAttribute("aria-invalid");
    const note = document.getElementById(`${field.id}-error`);
    if (note) note.remove();
    const described = (field.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== `${field.id}-error`);
    if (described.length) field.setAttribute("aria-describedby", described.join(" "));
    else field.removeAttribute("aria-describedby");
  }
  if (!only) $("#form-error").textContent = "";
}

/** Marks `selector`'s field with `message`, next to it, and puts the cursor there. */
export function fieldError(selector, message, focus = true) {
  const field = $(selector);
  clearErrors(selector);
  field.setAttribute("aria-invalid", "true");
  const id = `${field.id}-error`;
  const note = el("span", { id, class: "field-error", role: "alert" }, message);
  (field.closest(".field") || field.parentElement).append(note);
  field.setAttribute("aria-describedby", [field.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
  if (focus) field.focus();
}

/** The browser's checks of every field, in Chinese; the first failing field gets the focus. */
export function validateFields() {
  let first = true;
  for (const field of document.querySelectorAll("#ticket-form input, #ticket-form textarea, #ticket-form select")) {
    if (!field.willValidate || field.checkValidity()) continue;
    fieldError(`#${field.id}`, constraintMessage(field), first);
    first = false;
  }
  return first;
}

/** Installs the Chinese messages on the browser's own validation (its `invalid` events). */
export function installValidation() {
  const box = $("#ticket-form");
  box.addEventListener(
    "invalid",
    (event) => {
      event.preventDefault(); // no browser bubble: our message sits next to the field
      fieldError(`#${event.target.id}`, constraintMessage(event.target), false);
    },
    true,
  );
  box.addEventListener("input", (event) => {
    if (event.target.getAttribute("aria-invalid") === "true") clearErrors(`#${event.target.id}`);
  });
}

/** Puts an API error on its field(s) and answers true; false when it names none (the caller
 * says it beside the action: 409, the ticket's state refuses it, and the rest). */
export function showApiError(exc) {
  const errors = exc.errors || [];
  let placed = 0;
  for (const e of errors) {
    const name = (e.loc || []).filter((p) => typeof p === "string" && p !== "body")[0];
    const selector = FIELD_OF[name];
    if (!selector || !$(selector)) continue;
    fieldError(selector, `${labelOf($(selector))}${TYPE_WORDS[e.type] || "输入无效"}`, placed === 0);
    placed += 1;
  }
  if (placed) return true;
  if (exc.status === 422) {
    const hit = FIELD_OF_REASON.find(([pattern]) => pattern.test(exc.message));
    if (hit) {
      fieldError(hit[1], exc.message);
      return true;
    }
  }
  $("#form-error").textContent = exc.status === 409 ? `操作未执行：${exc.message}` : exc.message;
  return false;
}
