// 公开: disclosed answers (001 六: only with consent, names and numbers masked by the API) and the
// knowledge base open to the public (DOMAIN.md §8). No login.
import { $, api, clear, el, fmtDateTime, toast } from "./common.js";

async function search(event) {
  event.preventDefault();
  const q = $("#kb-q").value.trim();
  if (!q) return;
  try {
    const hits = await api(`/api/public/kb/search?q=${encodeURIComponent(q)}`, { auth: false });
    clear(
      $("#kb-results"),
      hits.length
        ? hits.map((h) => el("li", {}, el("strong", {}, h.question), h.category ? el("span", { class: "tag" }, h.category) : "", el("p", {}, h.answer)))
        : el("li", { class: "muted" }, "未找到相关答案，您可拨打 12345 咨询"),
    );
  } catch (exc) {
    toast(exc.message, "error");
  }
}

async function loadDisclosures() {
  try {
    const items = await api("/api/public/disclosures", { auth: false });
    clear(
      $("#disclosures"),
      items.length
        ? items.map((d) =>
            el(
              "article",
              { class: "disclosure" },
              el("h3", {}, `${d.title}`, " ", el("span", { class: "tag" }, d.type), d.category ? el("span", { class: "tag" }, d.category) : ""),
              el("p", {}, d.content),
              el("p", { class: "muted" }, `来电人：${d.citizen || "匿名"} · 承办：${d.unit || "—"} · 办结：${fmtDateTime(d.closed_at)}`),
              d.reply ? el("p", { class: "reply" }, `答复：${d.reply}`, d.handler ? `（经办：${d.handler}）` : "") : "",
            ),
          )
        : el("p", { class: "muted" }, "暂无公开内容"),
    );
  } catch (exc) {
    clear($("#disclosures"), el("p", { class: "muted" }, exc.message));
  }
}

$("#kb-form").addEventListener("submit", search);
loadDisclosures().then(() => (document.body.dataset.ready = "1"));
