// The mynaleak playground page: plain JS, no build step. The server renders every message and form
// as HTML (adapters/playground/render.py, escaped there); this script keeps the chat in sync over
// server-sent events and sends what the person does to /playground/api/.
"use strict";
(() => {
  const API = "/playground/api/";
  let TOKEN = document.querySelector('meta[name="mynaleak-token"]').content;
  const DRAFT = "pg.draft."; // sessionStorage: what was typed into an open form, kept across a reload
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
    retry: 1000, // the next wait before reconnecting after the stream was refused
    pressed: null, // the button last pressed: focus returns to it (or its message) when the message is redrawn
  };
  const str = (k, fields) => {
    let s = (S.data && S.data.strings[k]) || k;
    for (const [f, v] of Object.entries(fields || {})) s = s.replaceAll(`{${f}}`, v);
    return s;
  };
  const rid = () => Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

  // ---- talking to the server ------------------------------------------------------------------
  // A server restarted since this page was served has a new token: ask for it (the same origin only).
  async function freshToken() {
    const res = await fetch("/playground/session", { cache: "no-store" });
    if (!res.ok) throw new Error(String(res.status));
    TOKEN = (await res.json()).token;
  }

  async function api(path, body) {
    const init = { method: body ? "POST" : "GET", headers: { "X-Mynaleak-Token": TOKEN } };
    if (body) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify({ id: rid(), persona: S.persona, lang: S.lang, ...body });
    }
    let res;
    try {
      res = await fetch(API + path, init);
      if (res.status === 403 && res.headers.get("X-Mynaleak-Refused") === "token") {
        await freshToken();
        init.headers["X-Mynaleak-Token"] = TOKEN;
        res = await fetch(API + path, init); // the same request id: a retry the server recognises
      }
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
    openHash();
  }

  // A page's link to the incident (#thread=<card key>): opens the card's thread in the channel.
  function openHash() {
    const key = new URLSearchParams(location.hash.slice(1)).get("thread");
    const card = key && S.messages.get(key);
    if (!card || card.place !== channel()) return;
    showThread(card);
  }
  window.addEventListener("hashchange", openHash);

  // Show a card's thread in the channel view, the card scrolled into sight.
  function showThread(card) {
    S.view = "channel";
    localStorage.setItem("pg.view", S.view);
    S.thread = card.key;
    renderAll();
    const el = document.querySelector(`#messages [data-key="${CSS.escape(card.key)}"]`);
    if (el) el.scrollIntoView({ block: "nearest" });
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
      S.retry = 1000;
      live(true);
      load();
    });
    for (const type of ["message", "update", "form", "form_closed"]) {
      es.addEventListener(type, (ev) => {
        if (S.es !== es) return;
        apply(type, JSON.parse(ev.data));
      });
    }
    es.onerror = () => {
      live(false);
      // a network error is retried by the browser; a refusal (403: a restarted server, a new token) is not
      if (es.readyState === EventSource.CLOSED && S.es === es) {
        const wait = S.retry;
        S.retry = Math.min(S.retry * 2, 10000);
        setTimeout(() => {
          if (S.es !== es) return;
          freshToken().then(connect, connect);
        }, wait);
      }
    };
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
      sessionStorage.removeItem(DRAFT + m.key);
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
    $("menu").setAttribute("aria-label", str("menu"));
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

  // One entry of a message list: {id, sig, html}. The list is redrawn entry by entry: an entry whose
  // signature is unchanged keeps its DOM node (screen readers do not re-read it, focus stays put).
  function messageEntry(m, withReplies) {
    const cls = ["msg", m.author === "bot" ? "from-bot" : "from-person", m.private ? "private" : "", S.flash.has(m.key) ? "flash" : ""].join(" ");
    let replies = "";
    let n = 0;
    if (withReplies) {
      const rs = sorted((r) => r.thread === m.key && !r.private);
      n = rs.length;
      if (rs.length) {
        const cur = S.thread === m.key ? " current" : "";
        replies = `<button type="button" class="thread-link${cur}" data-thread="${esc(m.key)}" data-testid="thread-link">${esc(str("replies", { n: rs.length }))}</button>`;
      }
    }
    const html = `<article class="${cls}" tabindex="-1" data-key="${esc(m.key)}" data-testid="message" data-version="${m.version}" data-private="${m.private}">${m.html}${replies}</article>`;
    return { id: "m:" + m.key, sig: [S.lang, S.persona, m.version, n, S.thread === m.key].join("|"), html };
  }

  const focusKey = (el) =>
    el.dataset.action ? `[data-action="${CSS.escape(el.dataset.action)}"][data-value="${CSS.escape(el.dataset.value || "")}"]`
      : el.dataset.thread ? "[data-thread]" : el.dataset.incident ? `[data-incident="${CSS.escape(el.dataset.incident)}"]` : null;

  function paint(box, entries) {
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const keep = box.scrollTop;
    const old = new Map();
    for (const el of [...box.children]) if (el.dataset.pid) old.set(el.dataset.pid, el);
    const active = document.activeElement;
    entries.forEach((e, i) => {
      let el = old.get(e.id);
      if (!el || el.dataset.sig !== e.sig) {
        const tpl = document.createElement("template");
        tpl.innerHTML = e.html;
        const fresh = tpl.content.firstElementChild;
        fresh.dataset.pid = e.id;
        fresh.dataset.sig = e.sig;
        if (el) {
          // the person was on (or had just pressed) something in this message: keep them there
          const pressed = S.pressed && S.pressed.pid === e.id && S.pressed.box === box;
          const idle = !active || active === document.body; // a pressed button that went away took the focus with it
          const had = el.contains(active) ? active : pressed && idle ? S.pressed.el : null;
          el.replaceWith(fresh);
          if (had) {
            const sel = had && focusKey(had);
            const target = (sel && fresh.querySelector(sel)) || fresh;
            target.focus({ preventScroll: true });
            if (pressed) S.pressed = null;
          }
        }
        old.set(e.id, fresh);
        el = fresh;
      }
      if (box.children[i] !== el) box.insertBefore(el, box.children[i] || null);
    });
    const keepIds = new Set(entries.map((e) => e.id));
    for (const [id, el] of old) if (!keepIds.has(id)) el.remove();
    box.scrollTop = atBottom ? box.scrollHeight : keep;
  }

  function renderMain() {
    const place = placeKey();
    const p = me();
    $("place-title").textContent = S.view === "dm" ? str("bot_dm") : `# ${channel()}`;
    $("place-sub").textContent = S.view === "dm" ? (p ? `${p.name} ⇄ mynaleak` : "") : S.data.organisation || "";
    const list = sorted((m) => m.place === place && !m.thread);
    const entries = [];
    if (S.view === "channel") entries.push({ id: "hint", sig: S.lang, html: `<div class="hint" data-testid="hint">${esc(str("hint"))}</div>` });
    for (const m of list) entries.push(messageEntry(m, S.view === "channel"));
    if (!list.length) {
      const text = S.view === "dm" ? str("empty_dm") : str("empty_channel");
      entries.push({ id: "empty", sig: S.lang + S.view, html: `<div class="empty">${esc(text)}</div>` });
    }
    paint($("messages"), entries);
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
    const entries = [messageEntry(parent, false), { id: "divider", sig: S.lang + replies.length, html: divider }];
    paint($("thread-messages"), entries.concat(replies.map((m) => messageEntry(m, false))));
  }

  // ---- forms (dialogs) ------------------------------------------------------------------------
  // What was typed into an open form is kept in this tab's sessionStorage, so a reload does not lose
  // it. Anything that could be a My Number (12 digits, separators allowed) is masked before it is kept.
  const maskNumbers = (s) => s.replace(/[0-9０-９](?:[^0-9０-９A-Za-z\u3040-\u30ff\u4e00-\u9fff]{0,2}[0-9０-９]){11,}/g, (x) => x.replace(/[0-9０-９]/g, "*"));

  function saveDraft() {
    const dlg = $("form-dialog");
    const form = dlg.querySelector("form");
    if (!dlg.dataset.key || !form) return;
    const values = formValues(form);
    for (const [k, v] of Object.entries(values)) if (typeof v === "string") values[k] = maskNumbers(v);
    sessionStorage.setItem(DRAFT + dlg.dataset.key, JSON.stringify(values));
  }

  function restoreDraft(dlg, key) {
    let values;
    try {
      values = JSON.parse(sessionStorage.getItem(DRAFT + key) || "null");
    } catch (_) {
      values = null;
    }
    if (!values) return;
    for (const [name, v] of Object.entries(values)) {
      const els = dlg.querySelectorAll(`[name="${CSS.escape(name)}"]`);
      for (const el of els) {
        if (el.type === "checkbox") el.checked = Array.isArray(v) && v.includes(el.value);
        else if (typeof v === "string") el.value = v;
      }
    }
  }

  function openForm(m) {
    if (m.status !== "shown") return;
    const dlg = $("form-dialog");
    dlg.innerHTML = m.html;
    dlg.dataset.key = m.key;
    if (!dlg.querySelector(".form-errors")) restoreDraft(dlg, m.key); // a form shown back with errors carries what was sent
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
      const key = dlg.dataset.key;
      const res = await api("submit", { form: key, values: formValues(form) });
      if (res.ok) {
        sessionStorage.removeItem(DRAFT + key);
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

  $("form-dialog").addEventListener("input", saveDraft);
  $("form-dialog").addEventListener("change", saveDraft);
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
    if (key) sessionStorage.removeItem(DRAFT + key);
    if (key) await api("dismiss", { form: key }).catch(() => {});
  }

  // ---- what the person does -------------------------------------------------------------------
  document.addEventListener("click", async (ev) => {
    const btn = ev.target.closest("button");
    if (!btn || btn.closest("dialog")) return;
    if (btn.id === "menu") return drawer(!document.body.classList.contains("drawer-open"));
    if (btn.closest("#sidebar")) drawer(false);
    if (btn.dataset.incident) return openIncident(btn.dataset.incident);
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
      if (!msg || btn.getAttribute("aria-busy") === "true") return;
      // not disabled while busy: a disabled button loses the keyboard focus
      btn.setAttribute("aria-busy", "true");
      btn.classList.add("busy");
      const pressed = { pid: msg.dataset.pid, el: btn, box: msg.parentElement };
      S.pressed = pressed;
      try {
        await api("press", { message: msg.dataset.key, action: btn.dataset.action, value: btn.dataset.value });
      } finally {
        btn.removeAttribute("aria-busy");
        btn.classList.remove("busy");
        setTimeout(() => S.pressed === pressed && (S.pressed = null), 5000); // its update came, or never will
      }
    }
  });

  // Narrow screens: the sidebar is a drawer behind the menu button.
  function drawer(open) {
    document.body.classList.toggle("drawer-open", open);
    $("menu").setAttribute("aria-expanded", String(open));
    $("scrim").hidden = !open;
    if (open) {
      const cur = $("sidebar").querySelector(".persona.current") || $("sidebar").querySelector("button");
      if (cur) cur.focus();
    }
  }
  $("scrim").addEventListener("click", () => drawer(false));
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && document.body.classList.contains("drawer-open")) {
      drawer(false);
      $("menu").focus();
    }
  });

  // The incident list: an incident's id opens its card's thread in the channel.
  function openIncident(id) {
    const card = [...S.messages.values()].find(
      (m) => m.place === channel() && !m.thread && !m.private && m.html && m.html.includes(`data-incident-card="${id}"`),
    );
    if (!card) return toast(str("incident_not_found", { id }));
    showThread(card);
    $("thread-messages").scrollTop = 0;
    $("thread-messages").querySelector("article").focus();
  }

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
