// Shared by the four pages: REST calls with the login token, the login box, the live websocket
// (snapshot, deltas, resync, heartbeats, commands) and small DOM and formatting helpers.

const TOKEN_KEY = "hotline.token";
const USER_KEY = "hotline.user";

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function clear(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function currentUser() {
  const raw = sessionStorage.getItem(USER_KEY);
  return raw ? JSON.parse(raw) : null;
}

export function logout() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  location.reload();
}

export class ApiError extends Error {
  // body: the error contract's {detail, code, errors?} (agent_desk/api/errors.py), for field errors.
  constructor(status, message, body = null) {
    super(message);
    this.status = status;
    this.code = body && body.code;
    this.errors = (body && Array.isArray(body.errors) && body.errors) || [];
  }
}

export async function api(path, { method = "GET", body, auth = true } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && token()) headers.Authorization = `Bearer ${token()}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    if (response.status === 401 && auth) {
      sessionStorage.removeItem(TOKEN_KEY);
    }
    const detail = data && data.detail;
    const message = Array.isArray(detail)
      ? detail.map((d) => `${(d.loc || []).slice(1).join(".")} ${d.msg}`).join(";")
      : detail || `请求失败(${response.status})`;
    throw new ApiError(response.status, message, data);
  }
  return data;
}

let toastTimer = null;
export function toast(message, kind = "info") {
  let box = $("#toast");
  if (!box) {
    box = el("div", { id: "toast", role: "status" });
    document.body.append(box);
  }
  box.textContent = message;
  box.className = `toast ${kind} show`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => box.classList.remove("show"), 4000);
}

// Shows the login box until a user with one of `roles` has logged in; resolves with that user.
export function requireLogin(roles, title) {
  const user = currentUser();
  if (token() && user && roles.includes(user.role)) return Promise.resolve(user);
  return new Promise((resolve) => {
    const error = el("p", { class: "login-error", role: "alert" });
    const username = el("input", { name: "username", autocomplete: "username", required: true });
    const password = el("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
    const form = el(
      "form",
      { class: "login card", id: "login-form" },
      el("h2", {}, title),
      el("label", {}, "用户名", username),
      el("label", {}, "密码", password),
      el("button", { type: "submit", class: "primary" }, "登录"),
      error,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      try {
        const result = await api("/api/auth/login", {
          method: "POST",
          body: { username: username.value.trim(), password: password.value },
          auth: false,
        });
        if (!roles.includes(result.user.role)) {
          error.textContent = "该账号无权使用本页面";
          return;
        }
        sessionStorage.setItem(TOKEN_KEY, result.access_token);
        sessionStorage.setItem(USER_KEY, JSON.stringify(result.user));
        overlay.remove();
        resolve(result.user);
      } catch (exc) {
        error.textContent = exc.message;
      }
    });
    const overlay = el("div", { class: "overlay" }, form);
    document.body.append(overlay);
    username.focus();
  });
}

export function userBadge(user) {
  return el(
    "span",
    { class: "user" },
    `${user.display_name || user.username}`,
    user.extension ? ` · 分机 ${user.extension}` : "",
    user.unit_code ? ` · ${user.unit_code}` : "",
    el("button", { class: "link", onclick: logout }, "退出"),
  );
}

// ---------------------------------------------------------------- live websocket

// One connection to /ws: subscribes topics, keeps the last (epoch, seq) per topic so a reconnect
// replays what was missed, answers heartbeats, and turns commands into promises.
const LIVE_STATUS_TEXT = { open: "实时连接正常", connecting: "连接中…" };

/** Shows the websocket state in the page header's #live-status badge (every live page has one). */
export function showLiveStatus(status) {
  const box = $("#live-status");
  box.textContent = LIVE_STATUS_TEXT[status] || "连接断开，重连中";
  box.className = `live-status ${status}`;
}

export class Live {
  constructor({ onSnapshot, onDelta, onStatus }) {
    this.onSnapshot = onSnapshot;
    this.onDelta = onDelta;
    this.onStatus = onStatus || (() => {});
    this.topics = new Map(); // topic -> {epoch, seq}
    this.pending = new Map(); // command id -> {resolve, reject}
    this.retry = 500;
    this.nextId = 1;
    this.closedByUs = false;
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws?version=1`);
    this.ws = ws;
    this.onStatus("connecting");
    ws.onopen = () => ws.send(JSON.stringify({ op: "auth", data: { token: token() } }));
    ws.onmessage = (event) => this.handle(JSON.parse(event.data));
    ws.onclose = (event) => {
      this.onStatus("closed", event.code);
      for (const { reject } of this.pending.values()) reject(new Error("连接已断开"));
      this.pending.clear();
      if (this.closedByUs) return;
      if (event.code === 4001 || event.code === 4002) {
        toast("登录已失效,请重新登录", "error");
        setTimeout(logout, 1500);
        return;
      }
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 10000);
    };
  }

  subscribe(topic) {
    if (!this.topics.has(topic)) this.topics.set(topic, { epoch: null, seq: null });
    this.sendSubscribe(topic);
  }

  sendSubscribe(topic, fresh = false) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || !this.helloSeen) return;
    const mark = this.topics.get(topic);
    const data = { topic };
    if (!fresh && mark && mark.epoch) Object.assign(data, { epoch: mark.epoch, seq: mark.seq });
    this.ws.send(JSON.stringify({ op: "subscribe", data }));
  }

  command(name, args) {
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        reject(new Error("实时连接未建立"));
        return;
      }
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ op: "command", data: { id, name, args } }));
    });
  }

  handle(frame) {
    const { op, data } = frame;
    if (op === "hello") {
      this.helloSeen = true;
      this.retry = 500;
      this.onStatus("open");
      for (const topic of this.topics.keys()) this.sendSubscribe(topic);
    } else if (op === "snapshot") {
      this.topics.set(data.topic, { epoch: data.epoch, seq: data.seq });
      this.onSnapshot(data.topic, data.state);
    } else if (op === "delta") {
      const mark = this.topics.get(data.topic);
      if (mark) mark.seq = data.seq;
      this.onDelta(data.topic, data.op, data.data);
    } else if (op === "resumed") {
      this.topics.set(data.topic, { epoch: data.epoch, seq: data.seq });
    } else if (op === "resync") {
      this.sendSubscribe(data.topic, true);
    } else if (op === "ping") {
      this.ws.send(JSON.stringify({ op: "pong", data: {} }));
    } else if (op === "result") {
      const waiter = this.pending.get(data.id);
      this.pending.delete(data.id);
      if (!waiter) return;
      if (data.ok) waiter.resolve(data.data);
      else waiter.reject(new Error(data.error));
    }
  }
}

// ---------------------------------------------------------------- formatting

const TZ = "Asia/Shanghai";

export function fmtTime(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleTimeString("zh-CN", { timeZone: TZ, hour12: false });
}

export function fmtDateTime(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString("zh-CN", { timeZone: TZ, hour12: false });
}

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m ? `${m}分${String(s % 60).padStart(2, "0")}秒` : `${s}秒`;
}

export function fmtPercent(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

export function since(iso) {
  return iso ? (Date.now() - new Date(iso).getTime()) / 1000 : null;
}

export const STATE_LABELS = {
  logged_out: "未签入",
  ready: "示闲",
  not_ready: "示忙",
  ringing: "振铃",
  talking: "通话中",
  wrapup: "话后整理",
};
