// The staff search page: reads the form, calls /api/search, shows acts, facets and pages. State lives in the URL.
(function () {
  "use strict";
  const form = document.getElementById("search");
  const results = document.getElementById("results");
  const facets = document.getElementById("facets");
  const status = document.getElementById("status");
  const pages = document.getElementById("pages");
  const FACET_NAMES = { year: "Année", collectivite: "Collectivité", council: "Conseil", kind: "Type", outcome: "Vote",
    rapporteur: "Rapporteur" };
  const FACET_FILTER = { collectivite: "collectivite", council: "council", kind: "kind", outcome: "outcome",
    rapporteur: "rapporteur" };

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function params() {
    const p = new URLSearchParams();
    new FormData(form).forEach((v, k) => { if (String(v).trim()) p.set(k, String(v).trim()); });
    return p;
  }

  function fill(p) {
    for (const [k, v] of p.entries()) {
      const field = form.elements.namedItem(k);
      if (field) field.value = v;
    }
  }

  const DATE = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

  function frenchDate(iso) {  // "2014-02-01" → "1er février 2014"
    if (!iso) return "date inconnue";
    const [y, m, d] = iso.split("-").map(Number);
    return DATE.format(new Date(Date.UTC(y, m - 1, d))).replace(/^1 /, "1er ");
  }

  function voteLine(v) {
    if (!v) return null;
    const parts = [];
    if (v.pour !== null) parts.push(v.pour + " pour");
    if (v.contre !== null) parts.push(v.contre + " contre" + (v.dissenters ? " (" + v.dissenters + ")" : ""));
    if (v.abstention) parts.push(v.abstention + " abstention(s)");
    const outcome = v.outcome ? v.outcome.charAt(0).toUpperCase() + v.outcome.slice(1) : "";
    const line = el("p", { class: "vote " + (v.outcome || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "") });
    line.append(outcome + (parts.length ? " : " + parts.join(", ") : "") + " — ");
    const a = el("a", { href: v.url, target: "_blank", rel: "noopener" }, "vote imprimé p. " + v.page);
    line.append(a);
    return line;
  }

  function show(data, p) {
    results.replaceChildren();
    const page = data.page, per = data.per_page;
    const first = data.total ? (page - 1) * per + 1 : 0, last = Math.min(data.total, page * per);
    status.textContent = data.total
      ? data.total + " acte(s) trouvé(s) — " + first + " à " + last
      : "Aucun acte ne correspond.";
    for (const act of data.acts) {
      const li = el("li");
      const h = el("h3");
      h.append(el("a", { href: act.url, target: "_blank", rel: "noopener" }, act.title));
      li.append(h);
      const meta = [act.kind + (act.act_number ? " n° " + act.act_number : "") +
        (act.affaire_number ? ", affaire " + act.affaire_number : ""),
        "séance du " + frenchDate(act.seance_date)];
      if (act.collectivite) meta.push(act.collectivite);
      if (act.rapporteur) meta.push("rapporteur : " + act.rapporteur);
      meta.push(act.file.split("/").pop() + ", p. " + act.page);
      li.append(el("p", { class: "meta" }, meta.join(" · ")));
      const v = voteLine(act.vote);
      if (v) li.append(v);
      const snip = el("p", { class: "snippet" });
      snip.innerHTML = act.snippet; // escaped by the server; only <mark> is markup
      li.append(snip);
      results.append(li);
    }
    facets.replaceChildren();
    for (const [name, counts] of Object.entries(data.facets)) {
      const entries = Object.entries(counts);
      if (!entries.length) continue;
      facets.append(el("h2", {}, FACET_NAMES[name] || name));
      const ul = el("ul");
      for (const [value, count] of entries) {
        const li = el("li");
        const b = el("button", { type: "button", "data-facet": name, "data-value": value }, value + " (" + count + ")");
        b.addEventListener("click", () => {
          if (name === "year") {
            form.elements.namedItem("date_from").value = value + "-01-01";
            form.elements.namedItem("date_to").value = value + "-12-31";
          } else if (FACET_FILTER[name] && !(name === "collectivite" && value === "inconnue")) {
            form.elements.namedItem(FACET_FILTER[name]).value = value;
          }
          run(1);
        });
        li.append(b);
        ul.append(li);
      }
      facets.append(ul);
    }
    pages.replaceChildren();
    if (page > 1) pages.append(pager("← Précédents", page - 1));
    if (last < data.total) pages.append(pager("Suivants →", page + 1));
  }

  function pager(label, target) {
    const b = el("button", { type: "button" }, label);
    b.addEventListener("click", () => run(target));
    return b;
  }

  async function run(page) {
    const p = params();
    if (page > 1) p.set("page", String(page));
    history.replaceState(null, "", "?" + p.toString());
    status.textContent = "Recherche…";
    try {
      const r = await fetch("/api/search?" + p.toString());
      const data = await r.json();
      if (!r.ok) {
        status.textContent = "Recherche impossible : " + (typeof data.detail === "string" ? data.detail : "paramètres invalides.");
        return;
      }
      show(data, p);
    } catch (e) {
      status.textContent = "Le service de recherche ne répond pas. Réessayez dans un instant.";
    }
  }

  form.addEventListener("submit", (e) => { e.preventDefault(); run(1); });
  form.querySelectorAll("select").forEach((s) => s.addEventListener("change", () => run(1)));
  const initial = new URLSearchParams(location.search);
  fill(initial);
  run(Number(initial.get("page") || 1));
})();
