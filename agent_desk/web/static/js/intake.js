// The ticket form written while talking (DOMAIN.md §2 边接听边记录, issue 14): searchable pickers,
// the lead unit following the category until the seat picks one by hand, the IVR's and the
// classifier's suggestions with their confidence, errors on their fields, read-only once sent.
import { $, api, clear, el, toast } from "./common.js";
import { Combobox } from "./combobox.js";
import { ask } from "./dialog.js";
import { fieldError, clearErrors, showApiError, validateFields } from "./errors.js";

const form = {
  categories: new Map(), // code -> picker entry (path, default_unit_code, parent_code)
  units: new Map(),
  leadByHand: false,
  ivrSuggestion: null, // {category_code, unit_code}
  modelSuggestion: null, // /api/pickers/suggest
  ivrMinConfidence: 0.5,
  suggestTimer: null,
  done: false, // dispatched, closed or refused: the form is read-only
};
let category;
let lead;
let assist;

// A unit by its Chinese name; a code the directory does not hold is not shown as such.
export function unitName(code) {
  const unit = form.units.get(code);
  return unit ? unit.name : "目录中没有的单位";
}

export function categoryPath(code) {
  const node = form.categories.get(code);
  return node ? node.path : null;
}

// A category's usual unit; a sub-category without one takes its parent's. Only a unit that can
// lead counts: DOMAIN.md §7, the centre (tier 1) dispatches and never handles its own tickets.
function defaultUnit(code) {
  const node = form.categories.get(code);
  if (!node) return "";
  const unit = form.units.get(node.default_unit_code);
  if (unit && unit.tier > 1) return unit.code;
  return node.parent_code ? defaultUnit(node.parent_code) : "";
}

export function setupPickers(pickers, onChangeState) {
  form.ivrMinConfidence = pickers.ivr_min_confidence;
  for (const c of pickers.categories) form.categories.set(c.code, c);
  for (const u of pickers.units) form.units.set(u.code, u);
  const handling = pickers.units.filter((u) => u.tier > 1);
  const unitItems = handling.map((u) => ({ value: u.code, label: u.name, pinyin: u.pinyin, initials: u.initials, hint: u.kind_label }));
  category = new Combobox($("#f-category-input"), { hidden: $("#f-category"), onChange: categoryChanged });
  lead = new Combobox($("#f-lead-input"), { hidden: $("#f-lead"), onChange: leadChanged });
  assist = new Combobox($("#f-assist-input"), { hidden: $("#f-assist"), multiple: true, chips: $("#f-assist-chips") });
  category.setItems(
    pickers.categories.map((c) => ({
      value: c.code,
      label: c.path,
      name: c.name, // ranks by its own name: `gs` is 供水 before every path under 城乡建设
      pinyin: c.pinyin,
      initials: c.initials,
      depth: c.parent_code ? 1 : 0,
      hint: defaultUnit(c.code) ? unitName(defaultUnit(c.code)) : "",
    })),
  );
  lead.setItems(unitItems);
  assist.setItems(unitItems);
  form.onChangeState = onChangeState;
  renderLeadSource();
}

// ---------------------------------------------------------------- the lead unit follows the category

async function categoryChanged(code) {
  const unit = defaultUnit(code);
  if (!form.leadByHand) {
    lead.setValue(unit, false);
    renderLeadSource();
    return;
  }
  if (!unit || unit === lead.value) return;
  // The seat chose the lead unit by hand: a new category asks before replacing it.
  const take = await ask({
    id: "ask-lead",
    title: "是否更换主办单位？",
    body: [
      el("p", {}, `诉求分类已改为「${categoryPath(code)}」，该分类的主办单位是「${unitName(unit)}」。`),
      el("p", {}, `当前主办单位「${unitName(lead.value) || "未选择"}」是您手动选择的。`),
    ],
    choices: [
      { label: `改为 ${unitName(unit)}`, value: true },
      { label: `保留 ${unitName(lead.value)}`, value: false, kind: "" },
    ],
  });
  if (take) {
    form.leadByHand = false;
    lead.setValue(unit, false);
  }
  renderLeadSource();
}

function leadChanged(_code, byHand) {
  if (byHand) form.leadByHand = Boolean(lead.value);
  renderLeadSource();
  clearErrors("#f-lead-input");
}

function renderLeadSource() {
  const box = $("#lead-source");
  if (!lead.value) box.textContent = "";
  else if (form.leadByHand) box.textContent = "（手动选择）";
  else if (category.value && defaultUnit(category.value) === lead.value) box.textContent = "（随分类带出）";
  else box.textContent = "（系统建议）";
}

// ---------------------------------------------------------------- suggestions (IVR, classifier)

function pct(p) {
  return `${Math.round(p * 100)}%`;
}

function renderSuggestions() {
  const rows = [];
  const row = (id, source, s, confidence, key) =>
    rows.push(
      el(
        "div",
        { class: "suggestion", id: `suggest-${id}` },
        el("span", { class: "tag" }, source),
        ` ${categoryPath(s.category_code) || "（无分类）"} → ${s.unit_code ? unitName(s.unit_code) : "（无建议单位）"}`,
        el("span", { class: "confidence" }, confidence),
        // Out of the Tab order (Alt+1 / Alt+2 take it): Tab goes from the content to the category.
        el("button", { type: "button", class: "small", id: `btn-take-${id}`, tabindex: "-1", disabled: form.done, dataset: { key }, "aria-keyshortcuts": key, onclick: () => takeSuggestion(s) }, "采用"),
      ),
    );
  const ivr = form.ivrSuggestion;
  if (ivr) row("ivr", "语音导航建议", ivr, `置信度 ≥ ${pct(form.ivrMinConfidence)}`, "Alt+1");
  const model = form.modelSuggestion;
  if (model && model.category_code) {
    const confidence = model.source === "keyword" ? "关键词命中（停供）" : `置信度 ${pct(model.confidence)}`;
    row("model", "智能分类建议", model, confidence, "Alt+2");
  }
  clear($("#suggestions"), rows);
}

function takeSuggestion(s) {
  if (form.done) return;
  form.leadByHand = false;
  category.setValue(s.category_code, false, false);
  lead.setValue(s.unit_code || defaultUnit(s.category_code), false);
  renderLeadSource();
  $("#f-category-input").focus();
}

export function setIvrSuggestion(ivr) {
  const known = ivr.category && form.categories.has(ivr.category);
  const unit = ivr.suggested_unit && form.units.has(ivr.suggested_unit) ? ivr.suggested_unit : null;
  form.ivrSuggestion = known || unit ? { category_code: known ? ivr.category : null, unit_code: unit } : null;
  renderSuggestions();
}

async function askClassifier() {
  const text = $("#f-content").value.trim();
  if (text.length < 4 || form.done) return;
  try {
    form.modelSuggestion = await api("/api/pickers/suggest", { method: "POST", body: { text } });
    renderSuggestions();
  } catch {
    // A suggestion is optional: the seat still picks by hand.
    form.modelSuggestion = null;
    renderSuggestions();
  }
}

// ---------------------------------------------------------------- filling, clearing, read-only

// HOTLINE_PRIORITY the IVR gives an urgent call (core.dialplan PRIORITY_URGENT, 003 §10).
const PRIORITY_URGENT = 10;

export function isUrgent(ivr) {
  return typeof ivr.priority === "number" && ivr.priority >= PRIORITY_URGENT;
}

export function prefill(call, meta) {
  const ivr = call.ivr || {};
  $("#f-phone").value = call.caller || "";
  if (ivr.ticket_type && meta.ticket_types.includes(ivr.ticket_type)) $("#f-type").value = ivr.ticket_type;
  // 003 §10: what the IVR queued as urgent is registered as 紧急 unless the seat decides otherwise.
  if (isUrgent(ivr) && meta.urgencies.includes("紧急")) $("#f-urgency").value = "紧急";
  setIvrSuggestion(ivr);
  // Only pre-selected: the seat dispatches (the IVR's category and unit are suggestions).
  if (form.ivrSuggestion) takeSuggestion(form.ivrSuggestion);
  if (ivr.not_accepted_reason && ivr.not_accepted_reason in meta.not_accepted_reasons) $("#f-refuse-reason").value = ivr.not_accepted_reason;
  if (ivr.transcript) {
    $("#f-content").value = ivr.transcript;
    askClassifier();
  }
  if (ivr.ticket_hint) $("#f-note").value = `来电人在办工单：${ivr.ticket_hint}`;
}

export function resetForm() {
  setReadOnly(false);
  $("#ticket-form").reset();
  delete $("#ticket-form").dataset.touched;
  category.setValue("", false, false);
  lead.setValue("", false, false);
  assist.setValue([], false, false);
  form.leadByHand = false;
  form.ivrSuggestion = null;
  form.modelSuggestion = null;
  renderSuggestions();
  renderLeadSource();
  clearErrors();
}

export function useCategory(code) {
  if (form.categories.has(code)) category.setValue(code, false);
}

function setReadOnly(readOnly) {
  form.done = readOnly;
  const box = $("#ticket-form");
  box.classList.toggle("readonly", readOnly);
  for (const control of box.querySelectorAll("input, textarea, select, button")) {
    if (control.type === "hidden") continue;
    if (control.tagName === "BUTTON" || control.tagName === "SELECT" || control.type === "checkbox") control.disabled = readOnly;
    else control.readOnly = readOnly;
  }
  for (const picker of [category, lead, assist]) picker.setReadOnly(readOnly);
  form.onChangeState();
}

export function isDone() {
  return form.done;
}

// ---------------------------------------------------------------- ticket actions

export function watchContent() {
  $("#f-content").addEventListener("input", () => {
    clearTimeout(form.suggestTimer);
    // Asked once the seat pauses typing, not on every key.
    form.suggestTimer = setTimeout(askClassifier, 700);
  });
}

function intakeBody(call) {
  const content = $("#f-content").value.trim();
  const val = (id) => $(id).value.trim() || null;
  return {
    channel: "phone",
    type: $("#f-type").value,
    urgency: $("#f-urgency").value,
    category_code: category.value || null,
    title: $("#f-title").value.trim() || content.slice(0, 30),
    content,
    location: val("#f-location"),
    citizen_name: val("#f-name"),
    citizen_phone: val("#f-phone"),
    citizen_address: val("#f-address"),
    consent_disclosure: $("#f-consent").checked,
    complained_unit_code: val("#f-complained"),
    linkedid: call ? call.linkedid : null,
  };
}

/** Runs one action of the form: fields first (content before unit), then the API; errors on fields. */
export async function runAction(ctx, button, { check, confirm, work, done }) {
  clearErrors();
  if (!validateFields() || (check && !check())) return;
  if (confirm && !(await confirm())) return;
  button.disabled = true;
  let onButton = false; // an error that names no field is said beside the button, focused there
  try {
    const ticketNo = ctx.ticketNo || (await register(ctx));
    const result = await work(ticketNo);
    $("#ticket-result").textContent = `${ticketNo} · ${result.status_label}`;
    setReadOnly(true);
    toast(done(ticketNo), "ok");
  } catch (exc) {
    onButton = !showApiError(exc);
  } finally {
    button.disabled = form.done;
    form.onChangeState();
    if (onButton) button.focus();
  }
}

async function register(ctx) {
  const ticket = await api("/api/tickets", { method: "POST", body: intakeBody(ctx.call) });
  ctx.ticketNo = ticket.ticket_no;
  $("#ticket-result").textContent = ticket.ticket_no;
  ctx.onRegistered(ticket.ticket_no);
  return ticket.ticket_no;
}

export function dispatchAction(ctx) {
  let leadCode = "";
  let assists = [];
  return {
    check: () => {
      leadCode = lead.value;
      if (!leadCode) {
        fieldError("#f-lead-input", "请选择主办单位");
        return false;
      }
      assists = assist.value.filter((c) => c !== leadCode);
      return true;
    },
    // The confirmation names the unit the ticket goes to (issue 14: the right unit, always visible).
    confirm: () =>
      ask({
        id: "ask-dispatch",
        title: "确认派单",
        body: [
          el("p", {}, "主办单位：", el("strong", { id: "confirm-lead" }, unitName(leadCode))),
          el("p", {}, `协办单位：${assists.length ? assists.map(unitName).join("、") : "无"}`),
          el("p", {}, `诉求分类：${categoryPath(category.value) || "未选择"}`),
        ],
        choices: [
          { label: `派至 ${unitName(leadCode)}`, value: true },
          { label: "返回修改", value: false, kind: "" },
        ],
      }),
    work: (no) =>
      api(`/api/tickets/${no}/dispatch`, {
        method: "POST",
        body: { lead_unit_code: leadCode, assist_unit_codes: assists, note: $("#f-note").value.trim() },
      }),
    done: (no) => `工单 ${no} 已派至 ${unitName(leadCode)}`,
  };
}

export function closeAction() {
  return {
    check: () => {
      if ($("#f-answer").value.trim()) return true;
      fieldError("#f-answer", "请填写答复内容（可从知识库选用）");
      return false;
    },
    work: (no) => api(`/api/tickets/${no}/close-at-intake`, { method: "POST", body: { answer: $("#f-answer").value.trim() } }),
    done: (no) => `工单 ${no} 已直接办结`,
  };
}

export function refuseAction() {
  return {
    work: (no) =>
      api(`/api/tickets/${no}/refuse`, {
        method: "POST",
        body: { reason_code: $("#f-refuse-reason").value, note: $("#f-note").value.trim() },
      }),
    done: (no) => `工单 ${no} 不予受理`,
  };
}
