/* registre — chat widget over the city council's deliberations. Vanilla JS, no dependency, no build.
 *   <script src="https://HOST/static/widget.js" data-api="https://HOST" data-title="…" data-color="#00528c"
 *           data-contact="https://… | tel:… | phone number" data-contact-label="…" defer></script>
 * data-mode="page" shows the chat full page, always open (registre's own chat page at / is this script).
 * Everything lives in an open shadow root. Server text only ever goes through textContent; links only to http(s).
 * The conversation stays in this browser tab (memory + sessionStorage) and is sent only to the API.
 * The city's look comes from CSS custom properties set on the host page (they cross the shadow root):
 * --registre-color, --registre-font, --registre-radius, --registre-logo, --registre-mark (see the README).
 * On a small screen the panel covers the page: it is a modal dialog and keeps the focus inside. On a wide screen
 * it is a non-modal panel in a corner, so that the citizen can go on reading the city's page (the act, the
 * agenda) beside the answer: the focus may leave it, and Escape or the launcher closes it. */
(function () {
  "use strict";
  if (window.registreWidget) return;
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const ds = (script && script.dataset) || {};
  const own = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  const API = (ds.api || own).replace(/\/+$/, "");
  const TITLE = ds.title || "Questions sur les délibérations";
  const PAGE = ds.mode === "page";
  const CONTACT_LABEL = ds.contactLabel || "Contacter la mairie";
  const STORE = "registre-widget-conversation";
  const BUSY = "Le service est très sollicité, réessayez dans un instant.";
  const UNREACHABLE = "Le service est injoignable pour le moment. Vérifiez votre connexion puis réessayez.";
  const NOTICE = "Réponse générée par une intelligence artificielle à partir des actes publiés par le conseil " +
    "municipal. Elle peut contenir des erreurs : vérifiez toujours l'acte cité.";
  const SMALL = window.matchMedia("(max-width: 480px)");  // the panel covers the screen: a modal dialog
  const DATE = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

  // The city's colour, darkened until it passes WCAG AA (4.5:1) both under white text and as link text on the
  // lightest grey of the messages (#f3f4f6).
  function luminance(rgb) {
    const c = rgb.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  const GREY = luminance([243, 244, 246]);
  function parseColor(input) {  // "#abc", "#aabbcc" or "rgb(r, g, b)"; null otherwise
    const v = (input || "").trim();
    const hex = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(v);
    if (hex) {
      const h = hex[1].length === 3 ? hex[1].replace(/./g, "$&$&") : hex[1];
      return [0, 2, 4].map(function (i) { return parseInt(h.slice(i, i + 2), 16); });
    }
    const rgb = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(v);
    return rgb ? [+rgb[1], +rgb[2], +rgb[3]].map(function (x) { return Math.min(x, 255); }) : null;
  }
  function accessibleColor(input) {
    let rgb = parseColor(input) || [0, 82, 140];
    while ((GREY + 0.05) / (luminance(rgb) + 0.05) < 4.5) rgb = rgb.map(function (v) { return Math.floor(v * 0.9); });
    return "rgb(" + rgb.join(", ") + ")";
  }

  // data-contact: a URL, a tel:/mailto: link, or a phone number (made a tel: link).
  function contactHref(v) {
    v = (v || "").trim();
    if (/^(https?:|tel:|mailto:|\/)/i.test(v)) return v;
    if (/^\+?[\d\s().-]{6,}$/.test(v)) return "tel:" + v.replace(/[^\d+]/g, "");
    return null;
  }
  const CONTACT = contactHref(ds.contact);
  let humanContact = "Pour toute question, contactez l'accueil de votre mairie.";

  const CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
.wrap { font: 15px/1.45 var(--registre-font, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif);
  color: #1a1a1a; --r: var(--registre-radius, 12px); }
button, textarea { font: inherit; letter-spacing: normal; text-transform: none; margin: 0; }
a { color: var(--c); text-decoration: underline; }
:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; box-shadow: 0 0 0 2px #fff; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
#registre-launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: flex; gap: 8px;
  align-items: center; padding: 12px 18px; border: 2px solid #fff; border-radius: 28px; background: var(--c);
  color: #fff; font-weight: 600; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.3);
  max-width: calc(100vw - 40px); }
#registre-launcher svg { flex: none; }
#registre-panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483001; width: 400px;
  height: min(640px, calc(100vh - 108px)); display: flex; flex-direction: column; background: #fff;
  border: 1px solid #9ca3af; border-radius: var(--r); box-shadow: 0 8px 30px rgba(0,0,0,.3); overflow: hidden; }
#registre-panel[hidden] { display: none; }
/* The focus order is the DOM's: question, conversation, contact, close. What is seen is set by order. */
.head { order: 1; display: flex; align-items: center; gap: 8px; padding: 10px 12px; min-height: 48px;
  background: var(--c); color: #fff; }
.body { order: 2; } .contactbar { order: 3; } form { order: 4; }
.head h1, .head h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 700; color: #fff; }
.logo { flex: none; width: 28px; height: 28px; background: var(--registre-logo, none) center / contain no-repeat; }
.logo[hidden] { display: none; }
.close { position: absolute; top: 8px; right: 12px; background: transparent; color: #fff; border: 1px solid #fff;
  border-radius: 6px; padding: 4px 10px; cursor: pointer; }
.close:focus-visible, .head :focus-visible { outline-color: #fff; box-shadow: 0 0 0 2px #1a1a1a; }
.head h2 { padding-right: 80px; }
.body { position: relative; flex: 1; overflow-y: auto; padding: 10px 12px; }
.registre-notice { margin: 6px 0 0; font-size: 13px; color: #374151; }
.intro { background: #fffbeb; border-left: 4px solid #b45309; padding: 6px 10px; margin: 0 0 6px; color: #1a1a1a; }
.privacy { font-size: 13px; color: #374151; margin: 0 0 8px; }
ol.msgs { list-style: none; margin: 0; padding: 0; }
.registre-msg { margin: 8px 0; padding: 8px 10px; border-radius: calc(var(--r) * .67); overflow-wrap: anywhere; }
.registre-msg-user { background: #e8eef6; margin-left: 12%; }
.registre-msg-assistant { background: #f3f4f6; margin-right: 4%; }
.who { display: block; font-size: 12px; font-weight: 700; color: #374151; margin-bottom: 2px; }
.registre-label { display: inline-block; margin-left: 6px; padding: 0 6px; border: 1px solid #374151;
  border-radius: 10px; font-weight: 600; }
.registre-text { white-space: pre-wrap; margin: 0; }
.registre-notfound .registre-text { font-weight: 600; }
.registre-refusal { margin: 6px 0 0; }
.registre-replaced { margin: 6px 0 0; font-style: italic; }
.registre-error { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; }
.registre-error .who { color: #991b1b; }
.registre-stopped { margin: 6px 0 0; font-weight: 600; color: #92400e; }
.registre-sources, .registre-citations { font-size: 13px; margin: 6px 0 0; }
.registre-sources summary { cursor: pointer; color: #1a1a1a; }
ul.list { margin: 4px 0 0; padding-left: 0; list-style: none; }
ul.list li { margin: 4px 0; }
blockquote { margin: 4px 0; padding: 2px 8px; border-left: 3px solid #6b7280; white-space: pre-wrap; color: #1a1a1a; }
.registre-evidence { margin: 6px 0 0; font-size: 14px; }
.registre-evidence blockquote { border-left-color: var(--c); }
.registre-evidence mark { background: var(--registre-mark, #fff3b0); color: #1a1a1a; padding: 0 1px; }
.registre-evidence .where { font-size: 12px; color: #374151; margin: 0; }
.pdf { font-size: 12px; }
sup a { text-decoration: none; font-weight: 700; }
.contactbar { margin: 0; padding: 8px 12px; border-top: 1px solid #d1d5db; font-size: 14px; background: #f9fafb; }
/* One box, not a line that wraps: axe cannot judge the contrast of a link split over lines above varied content. */
.registre-contact { display: inline-block; }
form { padding: 8px 12px 10px; border-top: 1px solid #d1d5db; }
label { display: block; font-weight: 600; font-size: 14px; margin-bottom: 4px; }
textarea { display: block; width: 100%; min-height: 58px; max-height: 160px; padding: 6px 8px; color: #1a1a1a;
  border: 1px solid #6b7280; border-radius: 6px; resize: vertical; background: #fff; }
.row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 6px; }
.row button { padding: 6px 14px; border-radius: calc(var(--r) / 2); cursor: pointer; border: 1px solid var(--c); }
#registre-send { background: var(--c); color: #fff; }
#registre-stop, .reset { background: #fff; color: var(--c); }
.row button:disabled { opacity: .6; cursor: wait; }
.row button[hidden] { display: none; }
.status { font-size: 13px; color: #374151; }
.hint { font-size: 12px; color: #374151; margin: 4px 0 0; }
.page #registre-panel { position: static; width: 100%; max-width: 760px; height: 100vh; height: 100dvh;
  margin: 0 auto; border: 0; border-radius: 0; box-shadow: none; }
.page .head h1 { font-size: 18px; }
@media (max-width: 480px) {
  #registre-panel { inset: 0; width: 100%; height: 100%; border-radius: 0; border: 0; }
  #registre-launcher { right: 12px; bottom: 12px; padding: 10px 14px; font-size: 14px; }
  .registre-msg-user { margin-left: 0; } .registre-msg-assistant { margin-right: 0; }
}`;

  // el(tag, {class, text, prop|attr: value}, ...children): text goes through textContent, never HTML.
  function el(tag, props) {
    const e = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      const v = props[k];
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = String(v);
      else if (/^(aria-|role$|data-)/.test(k)) e.setAttribute(k, v);
      else e[k] = v;
    });
    for (let i = 2; i < arguments.length; i++) if (arguments[i]) e.append(arguments[i]);
    return e;
  }
  function safeUrl(u) {  // only http(s) or relative URLs, resolved against the API
    if (typeof u !== "string" || !u) return null;
    try {
      const url = new URL(u, API + "/");
      return /^https?:$/.test(url.protocol) ? url.href : null;
    } catch (e) { return null; }
  }
  function link(url, text) {
    const href = safeUrl(url);
    if (!href) return el("span", { text: text });
    return el("a", { text: text, href: href, target: "_blank", rel: "noopener noreferrer" },
      el("span", { class: "sr", text: " (ouvre le document dans un nouvel onglet)" }));
  }
  function contactNode() {
    if (!CONTACT) return el("span", { class: "registre-contact", text: humanContact });
    const tel = /^tel:/i.test(CONTACT), web = /^https?:/i.test(CONTACT);
    return el("a", { class: "registre-contact", href: CONTACT, target: web ? "_blank" : "", rel: web ? "noopener" : "",
      text: CONTACT_LABEL + (tel ? " (" + CONTACT.slice(4) + ")" : "") });
  }
  function frDate(iso) {  // "2014-02-01" → "1er février 2014"
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    if (!m || +m[2] < 1 || +m[2] > 12) return iso || "";
    return DATE.format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]))).replace(/^1 /, "1er ");
  }
  function citationLabel(c) {  // [n] Délibération n° X — séance du 4 février 2013 — objet — p. N
    const parts = [c.act ? "Délibération n° " + c.act : String(c.file || "Document").split("/").pop()];
    if (c.seance_date) parts.push("séance du " + frDate(c.seance_date));
    if (c.objet) parts.push(c.objet);
    parts.push("p. " + c.page);
    return "[" + c.n + "] " + parts.join(" — ");
  }

  // ---- the widget ----
  const host = document.createElement("registre-widget");
  const root = host.attachShadow({ mode: "open" });
  function svg(tag, attrs) {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  const icon = svg("svg", { width: 22, height: 22, viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" });
  icon.appendChild(svg("path", { fill: "currentColor",
    d: "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z" }));
  const launcher = el("button", { id: "registre-launcher", type: "button", "aria-expanded": "false",
    "aria-controls": "registre-panel" }, icon, el("span", { text: TITLE }));
  const closeBtn = el("button", { class: "close", type: "button", text: "Fermer",
    "aria-label": "Fermer la fenêtre de questions" });
  const list = el("ol", { id: "registre-messages", class: "msgs", "aria-live": "polite",
    "aria-label": "Conversation" });
  const body = el("div", { class: "body" },
    el("p", { class: "registre-notice intro", text: "Les réponses rédigées par une intelligence artificielle, " +
      "à partir des actes publiés par le conseil municipal, le disent. Elles peuvent contenir des erreurs : " +
      "vérifiez toujours l'acte cité." }),
    el("p", { class: "privacy", text: "Confidentialité : la conversation reste dans votre navigateur et s'efface à " +
      "la fermeture de l'onglet. Vos questions ne sont envoyées qu'au service de réponses de la mairie ; n'y " +
      "indiquez pas de données personnelles." }),
    list);
  let contactSlot = contactNode();
  const contactBar = el("p", { id: "registre-contactbar", class: "contactbar" },
    el("strong", { text: "Parler à une personne : " }), contactSlot);
  const input = el("textarea", { id: "registre-input", maxLength: 1000, rows: 2, "aria-describedby": "registre-hint",
    placeholder: "Ex. : Qu'a décidé le conseil sur la cantine scolaire ?" });
  const send = el("button", { id: "registre-send", type: "submit", text: "Envoyer" });
  const stop = el("button", { id: "registre-stop", type: "button", text: "Arrêter", hidden: true });
  const reset = el("button", { class: "reset", type: "button", text: "Nouvelle conversation" });
  const status = el("span", { id: "registre-status", class: "status", role: "status" });
  const form = el("form", { noValidate: true },
    el("label", { htmlFor: "registre-input", text: "Votre question" }), input,
    el("div", { class: "row" }, send, stop, reset, status),
    el("p", { id: "registre-hint", class: "hint",
      text: "Entrée pour envoyer, Maj + Entrée pour aller à la ligne." }));
  const logo = el("span", { class: "logo", "aria-hidden": "true", hidden: true });
  // The question comes first in the DOM, hence in the Tab order; the CSS shows it under the conversation.
  const panel = el("div", { id: "registre-panel", role: PAGE ? "main" : "dialog", "aria-label": TITLE,
    hidden: !PAGE }, el("div", { class: "head" }, logo, el(PAGE ? "h1" : "h2", { text: TITLE })),
    form, body, contactBar, PAGE ? null : closeBtn);
  const wrap = el("div", { class: PAGE ? "wrap page" : "wrap" }, PAGE ? null : launcher, panel);
  root.append(el("style", { text: CSS }), wrap);

  // The city's look: data-color wins, else --registre-color set on the host page; made AA either way.
  function applyTheme() {
    const css = getComputedStyle(host);
    wrap.style.setProperty("--c", accessibleColor(ds.color || css.getPropertyValue("--registre-color")));
    const url = css.getPropertyValue("--registre-logo").trim();
    logo.hidden = !url || url === "none";
  }

  // ---- conversation: memory + sessionStorage only ----
  let log = [];  // [{role, content, data?}]: completed exchanges
  let current = null;  // AbortController of the answer being streamed
  function save() {
    try { sessionStorage.setItem(STORE, JSON.stringify(log.slice(-20))); } catch (e) { /* storage disabled */ }
  }
  function history() { return log.slice(-6).map(function (m) { return { role: m.role, content: m.content }; }); }

  // The newest content stays in view while it arrives, unless the reader scrolled up to read something else.
  // The conversation scrolls, never the host page (hence no scrollIntoView).
  let follow = true, lastSet = 0;
  body.addEventListener("scroll", function () {
    follow = body.scrollHeight - body.scrollTop - body.clientHeight < 48;
  });
  // When the answer is complete, its first words are in view, not its last source: on a phone the sources and the
  // rating below a short answer are taller than the screen. Left there until the next question.
  function showStart(li) {
    if (!follow) return;  // the reader scrolled elsewhere: stay there
    const top = li.getBoundingClientRect().top - body.getBoundingClientRect().top + body.scrollTop - 8;
    body.scrollTop = Math.max(0, Math.min(top, body.scrollHeight - body.clientHeight));
    lastSet = body.scrollTop;
    follow = false;
  }
  function keepInView(force) {
    const bottom = body.scrollHeight - body.clientHeight;
    if (force) follow = true;
    else if (body.scrollTop < Math.min(lastSet, bottom) - 4) follow = false;  // scrolled up, its event not yet in
    if (follow) { body.scrollTop = bottom; lastSet = body.scrollTop; }
  }

  // ---- messages. An assistant message reads: the answer (or the refusal), the passage that supports it, the
  // sources cited, the sources consulted (folded), then what wrote the answer. ----
  function addMsg(role) {
    const li = el("li", { class: "registre-msg registre-msg-" + role },
      el("span", { class: "who", text: role === "user" ? "Vous" : "Assistant" }));
    list.appendChild(li);
    return li;
  }
  function userMsg(text) {
    const li = addMsg("user");
    li.append(el("p", { class: "registre-text", text: text }));
    return li;
  }
  function assistantMsg() {
    const li = addMsg("assistant");
    li.dataset.state = "streaming";
    li.append(el("p", { class: "registre-text" }), el("div", { class: "registre-support" }));
    return li;
  }
  function textOf(li) { return li.querySelector(".registre-text"); }
  function supportOf(li) { return li.querySelector(".registre-support"); }
  function citationLinks(c) {  // the reader at the cited sentence; the original PDF beside it
    const pdf = safeUrl(c.url);
    return [link(c.viewer_url || c.url, citationLabel(c)), pdf && c.viewer_url ? " · " : null,
      pdf && c.viewer_url ? el("span", { class: "pdf" }, link(c.url, "PDF")) : null];
  }
  // One line per page of a document: extracts of the same page (several sentences of one act) share it, the
  // first opening the reader at its sentence, the others as their numbers. A number given twice (a fact's printed
  // line beside the extract of its page) is the later one, as in the answer's marks.
  function byPage(items) {
    const byN = byNumber(items), groups = [], at = {};
    (Array.isArray(items) ? items : []).forEach(function (c) {
      if (!c || c.n == null || byN[c.n] !== c) return;
      const key = String(c.url || c.file || "").split("#")[0] + "|" + c.page;
      if (at[key] === undefined) { at[key] = groups.length; groups.push([]); }
      groups[at[key]].push(c);
    });
    return groups.map(function (g) { return g.sort(function (a, b) { return a.n - b.n; }); });
  }
  function sourceItem(className, group) {
    const c = group[0], others = [];
    group.slice(1).forEach(function (o) {
      others.push(" ", link(o.viewer_url || o.url, "[" + o.n + "]"));
    });
    const links = citationLinks(c);
    if (others.length) links.splice.apply(links, [1, 0, " · autres passages de cette page :"].concat(others));
    return el.apply(null, ["li", { class: className }].concat(links));
  }
  function byNumber(extracts, citations) {
    const byN = {};
    (Array.isArray(extracts) ? extracts : []).concat(Array.isArray(citations) ? citations : [])
      .forEach(function (c) { if (c && c.n != null) byN[c.n] = c; });
    return byN;
  }
  function renderSources(li, extracts, evidence) {
    if (!Array.isArray(extracts) || !extracts.length) return;
    const ul = el("ul", { class: "list" }), pages = byPage(extracts);
    pages.forEach(function (g) { ul.append(sourceItem("registre-source", g)); });
    renderEvidence(li, extracts, evidence);
    supportOf(li).append(el("details", { class: "registre-sources" },
      el("summary", { text: "Sources consultées (" + pages.length + ")" }), ul));
  }
  // The document's own sentence that answers, highlighted in its passage, before the model writes anything.
  function renderEvidence(li, extracts, evidence) {
    if (!evidence || typeof evidence.sentence !== "string") return;
    const c = extracts.find(function (x) { return x.n === evidence.n; });
    if (!c || typeof c.excerpt !== "string") return;
    const start = Math.max(0, evidence.start | 0), end = Math.min(c.excerpt.length, evidence.end | 0);
    const quote = el("blockquote", null, c.excerpt.slice(0, start),
      el("mark", { text: c.excerpt.slice(start, end) }), c.excerpt.slice(end));
    supportOf(li).prepend(el("div", { class: "registre-evidence" },
      el.apply(null, ["p", { class: "where" }, "Dans le document : "].concat(citationLinks(c))), quote));
  }
  function renderAnswer(p, text, byN) {  // [n] marks become links to the cited sentence in the reader
    p.textContent = "";
    const re = /\[(\d+)\]/g;
    let last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) p.append(text.slice(last, m.index));
      const c = byN[m[1]], url = c && (c.viewer_url || c.url);
      p.append(safeUrl(url) ? el("sup", null, link(url, m[0])) : m[0]);
      last = re.lastIndex;
    }
    if (last < text.length) p.append(text.slice(last));
  }
  function renderDone(li, data) {
    li.dataset.state = "done";
    const cites = Array.isArray(data.citations) ? data.citations : [];
    const extracts = Array.isArray(data.extracts) ? data.extracts : [];
    renderAnswer(textOf(li), String(data.answer || ""), byNumber(extracts, cites));
    const support = supportOf(li);
    if (!data.found) {  // the refusal first, the way to a person under it, what was read folded away
      li.classList.add("registre-notfound");
      const shown = li.querySelector(".registre-evidence");
      if (shown) shown.remove();  // no sentence answers
      const summary = li.querySelector(".registre-sources summary");
      if (summary) summary.textContent = "Documents consultés, sans réponse (" + byPage(extracts).length + ")";
      support.prepend(el("p", { class: "registre-refusal",
        text: "Cette information ne figure pas dans les documents consultés. " }, contactNode()));
    }
    if (cites.length) {
      const ul = el("ul", { class: "list" });
      byPage(cites).forEach(function (g) { ul.append(sourceItem("registre-citation", g)); });
      const block = el("div", { class: "registre-citations" }, el("strong", { text: "Sources citées" }), ul);
      support.insertBefore(block, li.querySelector(".registre-sources"));
    }
    if (data.checked === false || data.refused_by === "check") {  // the streamed words were replaced: say so
      support.prepend(el("p", { class: "registre-replaced", text: data.found
        ? "La réponse rédigée n'a pas pu être vérifiée dans le passage cité ; voici la phrase du document."
        : "La réponse rédigée n'a pas pu être vérifiée dans les documents ; elle n'est pas montrée." }));
    }
    const notice = typeof data.notice === "string" && data.notice ? data.notice : NOTICE;
    if (data.found && data.generated_by === "document") {  // the document's own words: no AI notice
      li.querySelector(".who").append(el("span", { class: "registre-label", text: "lu dans le document" }));
      li.append(el("p", { class: "registre-notice registre-document", text: notice }));
    } else if (data.found && String(data.answer || "").trim()) {
      li.append(el("p", { class: "registre-notice registre-ai", text: notice }));
    }
  }
  function fail(li, message) {
    li.dataset.state = "error";
    li.classList.add("registre-error");
    li.querySelector(".who").textContent = "Erreur";
    if (!textOf(li).textContent) { textOf(li).textContent = message; return; }
    li.append(el("p", { class: "registre-text", text: message }),
      el("p", { class: "registre-notice registre-ai", text: NOTICE }));
  }
  function stopped(li) {
    li.dataset.state = "stopped";
    li.append(el("p", { class: "registre-stopped", text: "Réponse arrêtée à votre demande." }));
    if (textOf(li).textContent) li.append(el("p", { class: "registre-notice registre-ai", text: NOTICE }));
  }
  function httpMessage(code, payload) {
    const d = payload && payload.detail;
    if (code === 503) return BUSY;
    if (code === 422 && Array.isArray(d)) {
      return "Question non valide : " + d.map(function (x) { return x && x.msg ? x.msg : String(x); }).join(" ; ");
    }
    return typeof d === "string" && d ? d : "Erreur du service (" + code + "). Réessayez dans un instant.";
  }

  // Server-sent events read from fetch's stream: EventSource cannot POST.
  async function readEvents(resp, onEvent) {
    const reader = resp.body.getReader(), dec = new TextDecoder();
    let buf = "";
    function block(text) {
      let name = "message";
      const data = [];
      text.split("\n").forEach(function (line) {
        if (!line || line[0] === ":") return;
        const i = line.indexOf(":"), field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
        if (field === "event") name = value; else if (field === "data") data.push(value);
      });
      if (!data.length) return;
      let obj;
      try { obj = JSON.parse(data.join("\n")); } catch (e) { return; }
      onEvent(name, obj || {});
    }
    for (;;) {
      const r = await reader.read();
      buf = (buf + (r.done ? dec.decode() : dec.decode(r.value, { stream: true }))).replace(/\r\n/g, "\n");
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) { block(buf.slice(0, i)); buf = buf.slice(i + 2); }
      if (r.done) { if (buf.trim()) block(buf); return; }
    }
  }

  // The status line is a live region: it says what is happening, and « Réponse prête » at the end.
  function setBusy(on, said) {
    send.disabled = on; stop.hidden = !on;
    status.textContent = on ? "Recherche dans les délibérations…" : said || "";
    list.setAttribute("aria-busy", on ? "true" : "false");  // read the answer once, not token by token
  }
  async function ask(question) {
    const hist = history(), ctrl = new AbortController();
    userMsg(question);
    const li = assistantMsg();
    keepInView(true);
    current = ctrl;
    setBusy(true);
    let finished = false, said = "", text = "", byN = {};
    function onEvent(name, data) {
      if (finished) return;
      if (name === "sources") {
        byN = byNumber(data.extracts);
        renderSources(li, data.extracts, data.evidence);
        if (data.evidence) status.textContent = "Passage trouvé ; rédaction de la réponse…";
      } else if (name === "token") {
        text += String(data.text || "");
        renderAnswer(textOf(li), text, byN);
        status.textContent = "Réponse en cours…";
      } else if (name === "done") {
        finished = true;
        said = data.found ? "Réponse prête." : "Réponse prête : l'information n'a pas été trouvée.";
        renderDone(li, data);
        feedbackFor(li, data, question);
        showStart(li);
        if (typeof data.human_contact === "string" && data.human_contact) humanContact = data.human_contact;
        log.push({ role: "user", content: question },
          { role: "assistant", content: String(data.answer || "").slice(0, 4000), data: data });
        save();
      } else if (name === "error") {
        finished = true;
        said = "Erreur.";
        fail(li, "Une erreur est survenue : " + String(data.detail || "erreur inconnue") + " Réessayez plus tard.");
      }
      keepInView(false);
    }
    try {
      const resp = await fetch(API + "/api/chat/stream", {
        method: "POST", credentials: "omit", cache: "no-store", signal: ctrl.signal,
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ question: question, history: hist, collectivite: ds.collectivite || null }),
      });
      if (!resp.ok) {
        finished = true;
        said = "Erreur.";
        fail(li, httpMessage(resp.status, await resp.json().catch(function () { return null; })));
        return;
      }
      await readEvents(resp, onEvent);
      if (!finished) {
        finished = true; said = "Erreur.";
        fail(li, "La réponse s'est interrompue avant la fin. Réessayez.");
      }
    } catch (e) {
      if (!finished) {
        if (ctrl.signal.aborted) { stopped(li); said = "Réponse arrêtée."; }
        else { fail(li, UNREACHABLE); said = "Erreur."; }
      }
    } finally {
      if (current === ctrl) {
        const active = root.activeElement;
        current = null;
        setBusy(false, said);
        if (!panel.hidden && (!active || active === stop)) input.focus();
      }
      keepInView(false);
    }
  }

  function restore() {
    try { log = JSON.parse(sessionStorage.getItem(STORE) || "[]"); } catch (e) { log = []; }
    if (!Array.isArray(log)) log = [];
    log.forEach(function (m) {
      if (m.role === "user") userMsg(String(m.content));
      else if (m.data) {
        const li = assistantMsg();
        renderSources(li, m.data.extracts, m.data.evidence);
        renderDone(li, m.data);
      }
    });
  }

  // ---- open, close, and the modal dialog of small screens ----
  function modal() { return !PAGE && SMALL.matches; }
  function setModal() {
    if (PAGE) return;
    if (modal()) panel.setAttribute("aria-modal", "true"); else panel.removeAttribute("aria-modal");
  }
  function focusables() {
    return Array.prototype.filter.call(
      panel.querySelectorAll("a[href], button, textarea, summary, [tabindex]:not([tabindex='-1'])"),
      function (e) { return !e.disabled && !e.hidden && e.getClientRects().length > 0; });
  }
  function trapTab(e) {  // Tab and Shift+Tab go round the dialog instead of leaving it for the hidden page
    if (e.key !== "Tab" || panel.hidden || !modal()) return;
    const items = focusables();
    if (!items.length) return;
    const first = items[0], last = items[items.length - 1], at = root.activeElement;
    if (e.shiftKey && (at === first || !panel.contains(at))) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && (at === last || !panel.contains(at))) { e.preventDefault(); first.focus(); }
  }

  let healthAsked = false;
  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    setModal();
    keepInView(true);
    input.focus();
    if (CONTACT || healthAsked) return;
    healthAsked = true;  // no contact configured: show the service's own word on how to reach a person
    fetch(API + "/health", { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (h) {
        if (!h || typeof h.human_contact !== "string" || !h.human_contact) return;
        humanContact = h.human_contact;
        const fresh = contactNode();
        contactSlot.replaceWith(fresh); contactSlot = fresh;
      })
      .catch(function () { /* keep the default text */ });
  }
  function close() {
    if (PAGE) return;  // the page is the chat: nothing to close
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  closeBtn.addEventListener("click", close);
  wrap.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !panel.hidden) { e.preventDefault(); e.stopPropagation(); close(); }
    trapTab(e);
  });
  if (SMALL.addEventListener) SMALL.addEventListener("change", setModal);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    const q = input.value.trim();
    if (!q || current) return;
    input.value = "";
    ask(q.slice(0, 1000));
  });
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    if (form.requestSubmit) form.requestSubmit(); else send.click();
  });
  stop.addEventListener("click", function () { if (current) current.abort(); input.focus(); });
  reset.addEventListener("click", function () {
    if (current) current.abort();
    log = []; save();
    list.textContent = ""; input.value = ""; status.textContent = ""; input.focus();
  });

  function mount() {
    if (PAGE) host.style.display = "block";
    document.body.appendChild(host);
    applyTheme();
    restore();
    if (PAGE) open();
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  window.registreWidget = { open: open, close: close };

  // ---- ratings: 👍/👎 under each answer just finished, an optional comment, and the question only when the
  // citizen ticks the box. Sent: the rating and what the answer said of itself (citations, refusal, model, index);
  // never a cookie (credentials: "omit"). ----
  const FEEDBACK_CSS = `
.registre-feedback { margin: 8px 0 0; padding-top: 6px; border-top: 1px solid #d1d5db; font-size: 13px; }
.registre-feedback .ask { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.registre-feedback .ask button { min-width: 44px; min-height: 32px; padding: 2px 10px; border: 1px solid #6b7280;
  border-radius: 6px; background: #fff; color: #1a1a1a; cursor: pointer; }
.registre-feedback .ask button[aria-pressed="true"] { border-color: var(--c); background: #e8eef6; }
.registre-feedback form { padding: 6px 0 0; border: 0; }
.registre-feedback form[hidden] { display: none; }
.registre-feedback label { font-weight: 400; font-size: 13px; margin: 4px 0; }
.registre-feedback textarea { min-height: 44px; }
.registre-feedback .consent { display: flex; gap: 6px; align-items: flex-start; }
.registre-feedback .consent input { margin-top: 3px; }
.registre-feedback .send { margin-top: 4px; padding: 4px 12px; border: 1px solid var(--c); border-radius: 6px;
  background: var(--c); color: #fff; cursor: pointer; }
.registre-feedback .said { margin: 4px 0 0; color: #4b5563; }`;
  function feedbackFor(li, data, question) {
    if (!root.querySelector("style.registre-feedback-css")) {
      root.append(el("style", { class: "registre-feedback-css", text: FEEDBACK_CSS }));
    }
    const n = list.querySelectorAll(".registre-feedback").length + 1;
    let rating = null;
    const said = el("p", { class: "said", role: "status" });
    function choice(value, emoji, label) {
      return el("button", { type: "button", text: emoji, "aria-label": label, "aria-pressed": "false",
        "data-rating": value, title: label });
    }
    // Words beside the emoji: a system without an emoji font still says what each button means.
    const up = choice("up", "👍 Oui", "Réponse utile"), down = choice("down", "👎 Non", "Réponse à améliorer");
    const comment = el("textarea", { id: "registre-feedback-comment-" + n, maxLength: 1000, rows: 2 });
    const consent = el("input", { id: "registre-feedback-consent-" + n, type: "checkbox" });
    const send = el("button", { class: "send", type: "submit", text: "Envoyer mon avis" });
    const form = el("form", { hidden: true, noValidate: true },
      el("label", { htmlFor: comment.id, text: "Commentaire (facultatif, sans données personnelles)" }), comment,
      el("label", { class: "consent", htmlFor: consent.id }, consent,
        el("span", { text: "Joindre ma question pour améliorer le service" })),
      el("p", { class: "said", text: "Sans cette case, seule votre note est gardée, avec les sources de la " +
        "réponse : ni votre question, ni rien qui vous identifie." }),
      send);
    const box = el("div", { class: "registre-feedback" },
      el("div", { class: "ask" }, el("span", { text: "Cette réponse vous a-t-elle aidé ?" }), up, down),
      form, said);
    [up, down].forEach(function (b) {
      b.addEventListener("click", function () {
        rating = b.dataset.rating;
        up.setAttribute("aria-pressed", String(b === up));
        down.setAttribute("aria-pressed", String(b === down));
        form.hidden = false;
        comment.focus();
      });
    });
    form.addEventListener("submit", async function (e) {
      e.preventDefault();
      if (!rating) return;
      send.disabled = true;
      const payload = {
        rating: rating, comment: comment.value.trim() || null, share_question: consent.checked,
        question: consent.checked ? String(question).slice(0, 1000) : null,
        found: !!data.found, generated_by: data.generated_by || null, refused_by: data.refused_by || null,
        model: data.model || null, index_version: data.index_version || null,
        citations: (Array.isArray(data.citations) ? data.citations : []).slice(0, 20).map(function (c) {
          return { file: String(c.file || "").slice(0, 500), page: c.page | 0 || 1, act: c.act || null };
        }),
      };
      try {
        const resp = await fetch(API + "/api/feedback", { method: "POST", credentials: "omit", cache: "no-store",
          headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) });
        const answer = await resp.json().catch(function () { return null; });
        if (!resp.ok) {
          said.textContent = answer && typeof answer.detail === "string" ? answer.detail : httpMessage(resp.status, answer);
          send.disabled = false;
          return;
        }
        box.dataset.state = "sent";
        form.remove();
        up.disabled = down.disabled = true;
        said.textContent = "Merci pour votre avis." + (answer && answer.question_kept ? " Votre question est " +
          "jointe ; elle sera effacée sous " + (answer.retention_days | 0) + " jours." : "");
      } catch (err) {
        said.textContent = UNREACHABLE;
        send.disabled = false;
      }
    });
    li.append(box);
  }
})();
