// 账号管理: admins create, change, deactivate and reactivate accounts and reset passwords through
// /api/admin/users; the API checks role, unit and extension together and answers refusals in
// Chinese, which are shown as they come.
import { $, api, clear, el, requireLogin, toast, userBadge } from "./common.js";

const ROLES = { seat: "话务员", supervisor: "值班长", unit_handler: "承办单位人员", admin: "系统管理员", auditor: "审计员" };
const state = { user: null, units: [], users: [], editing: null };

function unitName(code) {
  const unit = state.units.find((u) => u.code === code);
  return unit ? unit.name : code || "—";
}

function fillChoices(form, role, unitCode) {
  clear(form.role, Object.entries(ROLES).map(([value, label]) => el("option", { value }, label)));
  form.role.value = role;
  // Centre staff belong to the tier-1 centre, a unit handler to a unit below it (tickets/accounts.py).
  const fitting = state.units.filter((u) => (form.role.value === "unit_handler" ? u.tier > 1 : u.tier === 1));
  clear(form.unit_code, fitting.map((u) => el("option", { value: u.code }, `${u.name}（${u.code}）`)));
  if (unitCode && fitting.some((u) => u.code === unitCode)) form.unit_code.value = unitCode;
}

function bindRole(form) {
  form.role.addEventListener("change", () => fillChoices(form, form.role.value, form.unit_code.value));
}

async function loadUsers() {
  state.users = await api("/api/admin/users");
  clear(
    $("#users"),
    state.users.map((u) =>
      el(
        "tr",
        { dataset: { user: u.username }, class: u.active ? "" : "muted" },
        el("td", {}, u.username),
        el("td", {}, u.display_name),
        el("td", {}, ROLES[u.role] || u.role),
        el("td", {}, unitName(u.unit_code)),
        el("td", {}, u.extension || "—"),
        el("td", { class: "status" }, u.active ? "在用" : "已停用"),
        el(
          "td",
          {},
          el("button", { class: "link edit", onclick: () => openEdit(u) }, "修改"),
          " ",
          u.username === state.user.username
            ? ""
            : el("button", { class: "link toggle", onclick: () => toggle(u) }, u.active ? "停用" : "恢复"),
        ),
      ),
    ),
  );
}

async function toggle(u) {
  const verb = u.active ? "停用" : "恢复";
  const note = window.prompt(`${verb}账号 ${u.username} 的原因（记入审计日志）`, "");
  if (note === null) return;
  try {
    await api(`/api/admin/users/${u.username}/${u.active ? "deactivate" : "reactivate"}`, { method: "POST", body: { note } });
    toast(`已${verb}账号 ${u.username}`, "ok");
    await loadUsers();
  } catch (exc) {
    toast(exc.message, "error");
  }
}

function openEdit(u) {
  state.editing = u.username;
  const form = $("#form-edit");
  $("#edit-title").textContent = `修改账号 ${u.username}`;
  form.display_name.value = u.display_name;
  fillChoices(form, u.role, u.unit_code);
  form.extension.value = u.extension || "";
  $("#form-password").reset();
  $("#edit-card").hidden = false;
}

function submitting(form, work) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await work(form);
    } catch (exc) {
      toast(exc.message, "error");
    } finally {
      button.disabled = false;
    }
  });
}

async function main() {
  state.user = await requireLogin(["admin"], "系统管理员登录");
  clear($("#user-badge"), userBadge(state.user));
  state.units = await api("/api/units");
  for (const form of [$("#form-create"), $("#form-edit")]) bindRole(form);
  fillChoices($("#form-create"), "seat", null);
  submitting($("#form-create"), async (f) => {
    const created = await api("/api/admin/users", {
      method: "POST",
      body: {
        username: f.username.value.trim(),
        display_name: f.display_name.value.trim(),
        role: f.role.value,
        unit_code: f.unit_code.value,
        extension: f.extension.value.trim() || null,
        password: f.password.value,
      },
    });
    toast(`已新建账号 ${created.username}`, "ok");
    f.reset();
    fillChoices(f, "seat", null);
    await loadUsers();
  });
  submitting($("#form-edit"), async (f) => {
    await api(`/api/admin/users/${state.editing}`, {
      method: "PATCH",
      body: {
        display_name: f.display_name.value.trim(),
        role: f.role.value,
        unit_code: f.unit_code.value,
        extension: f.extension.value.trim() || null,
      },
    });
    toast(`已保存账号 ${state.editing}`, "ok");
    await loadUsers();
  });
  submitting($("#form-password"), async (f) => {
    await api(`/api/admin/users/${state.editing}/password`, {
      method: "POST",
      body: { new_password: f.new_password.value, note: f.note.value },
    });
    toast(`已重置 ${state.editing} 的密码，其原有登录已失效`, "ok");
    f.reset();
  });
  await loadUsers();
  document.body.dataset.ready = "1";
}

main().catch((exc) => toast(exc.message, "error"));
