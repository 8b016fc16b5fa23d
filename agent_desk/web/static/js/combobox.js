// A searchable picker after the WAI-ARIA combobox pattern (editable combobox with list autocomplete):
// the input has role=combobox and points at the highlighted option with aria-activedescendant,
// the options are a role=listbox. The seat types characters, full pinyin or initials (`gs`,
// `gongshui` → 供水; the server spells them, /api/pickers), moves with ↑/↓, takes with Enter,
// closes with Escape. `multiple` keeps the taken entries as removable chips (协办单位).
import { clear, el } from "./common.js";

const norm = (text) => String(text || "").toLowerCase().replace(/[\s'’·/／]+/g, "");

// Full pinyin typed from the start of some syllable: `shui` finds 供水, `gs` is not "zhen(g s)hen".
function fromSyllable(syllables, q) {
  return syllables.some((_, i) => syllables.slice(i).join("").startsWith(q));
}

// Lower rank first: the name's start, the initials' or pinyin's start, then anywhere.
function rank(item, q) {
  if (!q) return 0;
  const name = norm(item.name || item.label);
  if (name.startsWith(q) || item.initials.startsWith(q)) return 1;
  if (item.syllables.join("").startsWith(q)) return 2;
  if (name.includes(q)) return 3;
  if (item.initials.includes(q) || fromSyllable(item.syllables, q)) return 4;
  if (item.name && norm(item.label).includes(q)) return 5; // the parent's part of a path
  return null;
}

let serial = 0;

export class Combobox {
  /**
   * @param {HTMLInputElement} input  the visible text box (gets role=combobox)
   * @param {{multiple?: boolean, hidden?: HTMLInputElement, onChange?: Function, chips?: HTMLElement}} options
   *   hidden: receives the code(s) as its value (forms and tests read it); onChange(value, byHand).
   */
  constructor(input, { multiple = false, hidden = null, onChange = () => {}, chips = null } = {}) {
    this.input = input;
    this.multiple = multiple;
    this.hidden = hidden;
    this.onChange = onChange;
    this.chips = chips;
    this.items = [];
    this.shown = [];
    this.active = -1;
    this.values = [];
    const id = input.id || `combo-${++serial}`;
    this.list = el("ul", { id: `${id}-list`, role: "listbox", class: "combo-list", hidden: true });
    if (input.labels && input.labels[0]) this.list.setAttribute("aria-label", input.labels[0].textContent.trim());
    input.after(this.list);
    Object.assign(input, { autocomplete: "off", spellcheck: false });
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.list.id);
    input.addEventListener("input", () => this.open(input.value));
    input.addEventListener("keydown", (event) => this.key(event));
    input.addEventListener("blur", () => this.close(true));
    input.addEventListener("click", () => (this.isOpen() ? this.close() : this.open(this.multiple ? input.value : "")));
    // mousedown would blur the input before the click lands on the option.
    this.list.addEventListener("mousedown", (event) => event.preventDefault());
  }

  /** items: [{value, label (shown), name? (ranked, else label), pinyin ("gong shui"), initials, depth?, hint?}] */
  setItems(items) {
    this.items = items.map((item) => ({
      ...item,
      syllables: String(item.pinyin || "").toLowerCase().split(/\s+/).filter(Boolean),
      initials: norm(item.initials),
    }));
    this.setValue(this.multiple ? [] : "", false);
  }

  item(value) {
    return this.items.find((i) => i.value === value) || null;
  }

  get value() {
    return this.multiple ? [...this.values] : this.values[0] || "";
  }

  /** Sets the value from code (the IVR, the category's unit): byHand=false tells the listener so. */
  setValue(value, byHand = false, notify = true) {
    const wanted = (Array.isArray(value) ? value : value ? [value] : []).filter((v) => this.item(v));
    const before = this.value;
    this.values = wanted;
    this.sync();
    const after = this.value;
    if (notify && JSON.stringify(before) !== JSON.stringify(after)) this.onChange(after, byHand);
  }

  sync() {
    if (this.hidden) this.hidden.value = this.values.join(",");
    if (this.multiple) {
      this.input.value = "";
      if (this.chips) {
        clear(
          this.chips,
          this.values.map((v) =>
            el(
              "span",
              { class: "chip" },
              this.item(v).label,
              el(
                "button",
                {
                  type: "button",
                  class: "chip-remove",
                  "aria-label": `移除 ${this.item(v).label}`,
                  disabled: this.input.readOnly,
                  onclick: () => this.setValue(this.values.filter((x) => x !== v), true),
                },
                "×",
              ),
            ),
          ),
        );
      }
    } else {
      const item = this.item(this.values[0]);
      this.input.value = item ? item.label : "";
    }
  }

  isOpen() {
    return !this.list.hidden;
  }

  open(query) {
    if (this.input.readOnly) return;
    const q = norm(query);
    this.shown = this.items
      .map((item, index) => ({ item, index, r: rank(item, q) }))
      .filter((x) => x.r !== null && !(this.multiple && this.values.includes(x.item.value)))
      .sort((a, b) => a.r - b.r || a.index - b.index)
      .map((x) => x.item);
    const searching = Boolean(q);
    clear(
      this.list,
      this.shown.length
        ? this.shown.map((item, i) =>
            el(
              "li",
              {
                id: `${this.list.id}-${i}`,
                role: "option",
                class: `combo-option depth-${searching ? 0 : item.depth || 0}`,
                "aria-selected": this.values.includes(item.value) ? "true" : "false",
                dataset: { value: item.value },
                onclick: () => this.pick(item),
              },
              // Browsing the tree shows a child by its own name, indented; a search shows the path.
              el("span", { class: "combo-label" }, !searching && item.depth && item.name ? item.name : item.label),
              item.hint ? el("span", { class: "combo-hint" }, item.hint) : null,
            ),
          )
        : el("li", { class: "combo-empty", role: "option", "aria-disabled": "true", "aria-selected": "false" }, "无匹配项"),
    );
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    const current = searching ? 0 : Math.max(0, this.shown.findIndex((i) => this.values.includes(i.value)));
    this.highlight(this.shown.length ? current : -1);
  }

  close(revert = false) {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
    if (!revert) return;
    // Leaving a single picker: an emptied box clears it, half-typed text goes back to the choice.
    if (!this.multiple && !this.input.value.trim() && this.values.length) this.setValue("", true);
    else this.sync();
  }

  highlight(index) {
    const options = this.list.querySelectorAll('[role="option"]');
    options.forEach((o, i) => o.classList.toggle("active", i === index));
    this.active = index;
    if (index < 0 || !this.shown[index]) {
      this.input.removeAttribute("aria-activedescendant");
      return;
    }
    this.input.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  }

  pick(item) {
    this.setValue(this.multiple ? [...this.values, item.value] : item.value, true);
    this.close();
    this.input.focus();
  }

  key(event) {
    if (this.input.readOnly || event.altKey || event.ctrlKey || event.metaKey) return;
    const open = this.isOpen();
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) {
        this.open(this.multiple ? this.input.value : "");
        return;
      }
      const n = this.shown.length;
      if (!n) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.highlight(this.active < 0 ? 0 : (this.active + step + n) % n);
    } else if (event.key === "Enter") {
      if (open && this.active >= 0 && this.shown[this.active]) {
        event.preventDefault();
        event.stopPropagation();
        this.pick(this.shown[this.active]);
      }
    } else if (event.key === "Escape") {
      if (open) {
        event.preventDefault();
        event.stopPropagation();
        this.close(true);
      }
    } else if (event.key === "Backspace" && this.multiple && !this.input.value && this.values.length) {
      this.setValue(this.values.slice(0, -1), true);
    }
  }

  setReadOnly(readOnly) {
    this.input.readOnly = readOnly;
    this.input.setAttribute("aria-readonly", readOnly ? "true" : "false");
    if (readOnly) this.close();
    this.sync();
  }
}
