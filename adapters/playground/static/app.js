// The mynaleak playground page: plain JS, no build step. The server renders every message and form
// as HTML (adapters/playground/render.py, escaped there); this script keeps the chat in sync over
// server-sent events and sends what the person does to /playground/api/.
"use strict";
(() => {
  const API = "/playground/api/";
  const TOKEN = document.querySelector('meta[name="mynaleak-token"]').content;
  const $ = (id) => document.getElementById(id);
  const S = {
    persona: localStorage.getItem("pg.persona") || "",
    lang: localStorage.getItem("pg.lang") || "ja",
    view: localStorage.getItem("pg.view") || "channel", // channel | dm
    thread: null,
    data: null, // the last /state answer (personas, strings, channel …)
    messages: new Map(),
    flash: new Set(),
    reveal: null,
    es: null,
    events: 0,
  };
  const str = (k, fields) => {
    let s = (S.data && S.data.strings[k]) || k;
    for (const [f, v] of Object.entries(fields || {})) s = s.replaceAll(`{${f}}`, v);
    return s;
  };
  const rid = () => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  // ---- talking to the server ------------------------------------------------------------------
  async function api(path, body) {
    const init = { method: body ? "POST" : "GET", headers: { "X-Mynaleak-Token": TOKEN } };
    if (body) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify({ id: rid(), persona: S.persona, lang: S.lang, ...body });
    }
    let res;
    try {
      res = await fetch(API + path, init);
    } catch (e) {
      toast(str("err_unavailable"));
      throw e;
    }
    let data = {};
    try {
      data = await res.json();
    } catch (_) {
      /* not JSON */
    }
    if (!res.ok) {
      toast(data.text || data.message || `HTTP ${res.status}`);
      throw new Error(data.error || String(res.status));
    }
    return data;
  }

  function toast(text) {
    const t = $("toast");
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (t.hidden = true), 6000);
  }

  async function load() {
    const q = new URLSearchParams({ lang: S.lang });
    if (S.persona) q.set("persona", S.persona);
    let data;
    try {
      data = await api("state?" + q);
    } catch (e) {
      if (S.persona) {
        // a persona from an older config: start again as the default one
        S.persona = "";
        localStorage.removeItem("pg.persona");
        return connect();
      }
      throw e;
    }
    S.data = data;
    S.persona = data.persona;
    const fresh = new Map();
    for (const m of data.messages) fresh.set(m.key, m);
    for (const [k, m] of S.messages) if (!fresh.has(k) || fresh.get(k).version < m.version) fresh.set(k, m);
    S.messages = fresh;
    document.documentElement.lang = S.lang;
    renderAll();
    const form = [...S.messages.values()].filter((m) => m.kind === "form" && m.status === "shown").pop();
    if (form) openForm(form);
  }

  function connect() {
    if (S.es) S.es.close();
    S.messages = new Map();
    closeDialog();
    const q = new URLSearchParams({ lang: S.lang, token: TOKEN });
    q.set("persona", S.persona || "");
    if (!S.persona) return load().then(connect);
    const es = new EventSource(API + "stream?" + q);
    S.es = es;
    es.addEventListener("ready", () => {
      live(true);
      load();
    });
    for (const type of ["message", "update", "form", "form_closed"]) {
      es.addEventListener(type, (ev) => {
        if (S.es !== es) return;
        apply(type, JSON.parse(ev.data));
      });
    }
    es.onerror = () => live(false);
  }

  function live(on) {
    const el = $("live");
    el.dataset.state = on ? "on" : "off";
    el.textContent = on ? "● " + str("live") : str("offline");
    $("live-dot").classList.toggle("on", on);
  }

  function apply(type, m) {
    S.events += 1;
    document.documentElement.dataset.liveEvents = String(S.events);
    if (type === "form") {
      S.messages.set(m.key, m);
      return openForm(m);
    }
    if (type === "form_closed") {
      S.messages.delete(m.key);
      if ($("form-dialog").dataset.key === m.key) closeDialog();
      return;
    }
    const old = S.messages.get(m.key);
    if (old && old.version > m.version) return;
    S.messages.set(m.key, m);
    if (type === "update") S.flash.add(m.key);
    if (type === "message" && (m.private || m.author === S.persona)) S.reveal = m.key;
    renderAll();
  }

  // ---- where we are ---------------------------------------------------------------------------
  const channel = () => (S.data ? S.data.channel : "incidents");
  const placeKey = () => (S.view === "dm" ? `dm:${S.persona}` : channel());
  const me = () => (S.data ? S.data.personas.find((p) => p.id === S.persona) : null);
  const seenKey = (place) => `pg.seen.${S.persona}.${place}`;
  const unread = (place) => {
    const seen = Number(localStorage.getItem(seenKey(place)) || 0);
    let n = 0;
    for (const m of S.messages.values()) if (m.place === place && m.kind !== "form" && m.id > seen && m.author !== S.persona) n++;
    return n;
  };
  function markSeen() {
    let top = 0;
    for (const m of S.messages.values()) if (m.place === placeKey() && m.id > top) top = m.id;
    if (top) localStorage.setItem(seenKey(placeKey()), String(top));
  }

  // ---- rendering ------------------------------------------------------------------------------
  function renderAll() {
    if (!S.data) return;
    renderChrome();
    renderSidebar();
    renderMain();
    renderThread();
    S.flash.clear();
    if (S.reveal) {
      const el = document.querySelector(`.pane:not([hidden]) [data-key="${CSS.escape(S.reveal)}"]`);
      if (el) el.scrollIntoView({ block: "nearest" });
      S.reveal = null;
    }
  }

  function renderChrome() {
    $("banner-badge").textContent = str("badge");
    $("ws-badge").textContent = str("badge");
    $("banner-text").textContent = str("banner");
    $("bound-text").textContent = S.data.bound.text;
    document.title = str("title");
    for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === S.lang));
    $("h-personas").textContent = str("personas");
    $("h-channels").textContent = str("channels");
    $("h-dms").textContent = str("dms");
    $("composer-send").textContent = str("send");
    $("thread-send").textContent = str("send");
    $("thread-title").textContent = str("thread");
    $("thread-close").setAttribute("aria-label", str("close_thread"));
    $("thread-input").placeholder = str("composer_thread");
    $("thread-input").setAttribute("aria-label", str("composer_thread"));
    const ph = S.view === "dm" ? str("composer_dm") : str("composer_channel", { channel: channel() });
    $("composer-input").placeholder = ph;
    $("composer-input").setAttribute("aria-label", ph);
    live($("live").dataset.state === "on");
  }

  function avatar(p, cls) {
    return `<span class="avatar avatar-person ${cls || ""} role-${esc(p.role)}" aria-hidden="true">${esc(p.name.slice(0, 1))}</span>`;
  }

  function renderSidebar() {
    const p = me();
    $("me").innerHTML = p
      ? `<span class="me-label">${esc(str("you_are"))}</span><div class="me-row">${avatar(p, "big")}<div><div class="me-name" data-testid="me-name">${esc(p.name)}</div><div class="me-role">${esc(p.role_label)}</div></div></div>`
      : "";
    $("personas").innerHTML = S.data.personas
      .map(
        (x) =>
          `<li><button type="button" class="persona${x.id === S.persona ? " current" : ""}" data-persona="${esc(x.id)}" data-testid="persona-${esc(x.id)}" aria-pressed="${x.id === S.persona}">${avatar(x)}<span class="persona-text"><span class="persona-name">${esc(x.name)}</span><span class="persona-role">${esc(x.role_label)}</span></span></button></li>`,
      )
      .join("");
    const badge = (n) => (n ? `<span class="badge" aria-label="${n}">${n}</span>` : "");
    const ch = channel();
    const unreadCh = S.view === "channel" ? 0 : unread(ch);
    const unreadDm = S.view === "dm" ? 0 : unread(`dm:${S.persona}`);
    $("channels").innerHTML = `<li><button type="button" class="nav-item${S.view === "channel" ? " current" : ""}${unreadCh ? " unread" : ""}" data-view="channel" data-testid="nav-channel" aria-current="${S.view === "channel"}"><span class="hash" aria-hidden="true">#</span>${esc(ch)}${badge(unreadCh)}</button></li>`;
    $("dms").innerHTML = `<li><button type="button" class="nav-item${S.view === "dm" ? " current" : ""}${unreadDm ? " unread" : ""}" data-view="dm" data-testid="nav-dm" aria-current="${S.view === "dm"}"><span class="avatar avatar-bot tiny" aria-hidden="true">m</span>${esc(str("bot_dm"))}${badge(unreadDm)}</button></li>`;
  }

  function sorted(filter) {
    return [...S.messages.values()].filter((m) => m.kind !== "form" && filter(m)).sort((a, b) => a.id - b.id);
  }

  function messageHTML(m, withReplies) {
    const cls = ["msg", m.author === "bot" ? "from-bot" : "from-person", m.private ? "private" : "", S.flash.has(m.key) ? "flash" : ""].join(" ");
    let replies = "";
    if (withReplies) {
      const rs = sorted((r) => r.thread === m.key && !r.private);
      if (rs.length) {
        const cur = S.thread === m.key ? " current" : "";
        replies = `<button type="button" class="thread-link${cur}" data-thread="${esc(m.key)}" data-testid="thread-link">${esc(str("replies", { n: rs.length }))}</button>`;
      }
    }
    return `<article class="${cls}" data-key="${esc(m.key)}" data-testid="message" data-version="${m.version}" data-private="${m.private}">${m.html}${replies}</article>`;
  }

  function paint(box, html) {
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const keep = box.scrollTop;
    box.innerHTML = html;
    box.scrollTop = atBottom ? box.scrollHeight : keep;
  }

  function renderMain() {
    const place = placeKey();
    const p = me();
    $("place-title").textContent = S.view === "dm" ? str("bot_dm") : `# ${channel()}`;
    $("place-sub").textContent = S.view === "dm" ? (p ? `${p.name} ⇄ mynaleak` : "") : S.data.organisation || "";
    const list = sorted((m) => m.place === place && !m.thread);
    const empty = `<div class="empty">${esc(S.view === "dm" ? str("empty_dm") : str("empty_channel"))}</div>`;
    const hint = S.view === "channel" ? `<div class="hint" data-testid="hint">${esc(str("hint"))}</div>` : "";
    paint($("messages"), hint + (list.length ? list.map((m) => messageHTML(m, S.view === "channel")).join("") : empty));
    markSeen();
  }

  function renderThread() {
    const pane = $("thread");
    const parent = S.thread && S.messages.get(S.thread);
    if (!parent) {
      pane.hidden = true;
      document.body.classList.remove("with-thread");
      return;
    }
    pane.hidden = false;
    document.body.classList.add("with-thread");
    $("thread-sub").textContent = `# ${channel()}`;
    const replies = sorted((m) => m.thread === parent.key);
    const divider = `<div class="divider"><span>${esc(str("replies", { n: replies.length }))}</span></div>`;
    paint($("thread-messages"), messageHTML(parent, false) + divider + replies.map((m) => messageHTML(m, false)).join(""));
  }

  // ---- forms (dialogs) ------------------------------------------------------------------------
  function openForm(m) {
    if (m.status !== "shown") return;
    const dlg = $("form-dialog");
    dlg.innerHTML = m.html;
    dlg.dataset.key = m.key;
    if (!dlg.open) dlg.showModal();
    const first = dlg.querySelector(".has-error textarea, .has-error input, .has-error select") || dlg.querySelector("textarea, input, select");
    if (first) first.focus();
  }

  function closeDialog() {
    const dlg = $("form-dialog");
    delete dlg.dataset.key;
    if (dlg.open) dlg.close();
    dlg.innerHTML = "";
  }

  function formValues(form) {
    const values = {};
    for (const group of form.querySelectorAll(".choices")) {
      const name = group.querySelector("input") && group.querySelector("input").name;
      if (name) values[name] = [...group.querySelectorAll("input:checked")].map((i) => i.value);
    }
    for (const el of form.querySelectorAll("input:not([type=checkbox]), textarea, select")) {
      if (el.name) values[el.name] = el.value;
    }
    return values;
  }

  $("form-dialog").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.target.closest("form");
    const dlg = $("form-dialog");
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    try {
      const res = await api("submit", { form: dlg.dataset.key, values: formValues(form) });
      if (res.ok) {
        closeDialog();
      } else if (res.html) {
        dlg.innerHTML = res.html;
        const bad = dlg.querySelector(".has-error textarea, .has-error input, .has-error select");
        if (bad) bad.focus();
      }
    } catch (_) {
      submit.disabled = false;
    }
  });

  $("form-dialog").addEventListener("click", (ev) => {
    if (ev.target.closest("[data-dismiss]")) dismiss();
  });
  $("form-dialog").addEventListener("cancel", (ev) => {
    ev.preventDefault();
    dismiss();
  });

  async function dismiss() {
    const key = $("form-dialog").dataset.key;
    closeDialog();
    if (key) await api("dismiss", { form: key }).catch(() => {});
  }

  // ---- what the person does -------------------------------------------------------------------
  document.addEventListener("click", async (ev) => {
    const btn = ev.target.closest("button");
    if (!btn || btn.closest("dialog")) return;
    if (btn.dataset.persona) {
      S.persona = btn.dataset.persona;
      localStorage.setItem("pg.persona", S.persona);
      return connect();
    }
    if (btn.dataset.lang) {
      S.lang = btn.dataset.lang;
      localStorage.setItem("pg.lang", S.lang);
      return connect();
    }
    if (btn.dataset.view) {
      S.view = btn.dataset.view;
      localStorage.setItem("pg.view", S.view);
      return renderAll();
    }
    if (btn.dataset.thread) {
      S.thread = btn.dataset.thread;
      renderAll();
      $("thread-messages").scrollTop = 0;
      return $("thread-input").focus();
    }
    if (btn.id === "thread-close") {
      S.thread = null;
      return renderAll();
    }
    if (btn.dataset.action) {
      const msg = btn.closest("[data-key]");
      if (!msg) return;
      btn.disabled = true;
      btn.classList.add("busy");
      try {
        await api("press", { message: msg.dataset.key, action: btn.dataset.action, value: btn.dataset.value });
      } finally {
        btn.disabled = false;
        btn.classList.remove("busy");
      }
    }
  });

  async function send(input, thread) {
    const text = input.value.trim();
    if (!text) return;
    input.disabled = true;
    try {
      await api("command", { place: thread ? channel() : placeKey(), thread: thread || null, text });
      input.value = "";
      grow(input);
    } finally {
      input.disabled = false;
      input.focus();
    }
  }

  function grow(el) {
    el.style.height = "auto";
    el.style.height = Math.min(el.scrollHeight, 160) + "px";
  }

  for (const [formId, inputId, threaded] of [["composer", "composer-input", false], ["thread-composer", "thread-input", true]]) {
    const input = $(inputId);
    $(formId).addEventListener("submit", (ev) => {
      ev.preventDefault();
      send(input, threaded ? S.thread : null);
    });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        send(input, threaded ? S.thread : null);
      }
    });
    input.addEventListener("input", () => grow(input));
  }

  connect();
})();
