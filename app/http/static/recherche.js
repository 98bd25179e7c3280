// The staff search page: reads the form, calls /api/search, shows acts, facets and pages. State lives in the URL.
(function () {
  "use strict";
  const form = document.getElementById("search");
  const results = document.getElementById("results");
  const facets = document.getElementById("facets");
  const status = document.getElementById("status");
  const pages = document.getElementById("pages");
  const clear = document.getElementById("clear");
  const FACET_NAMES = { year: "Année", collectivite: "Collectivité", council: "Conseil", kind: "Type", outcome: "Vote",
    rapporteur: "Rapporteur" };
  const FACET_FILTER = { collectivite: "collectivite", council: "council", kind: "kind", outcome: "outcome",
    rapporteur: "rapporteur" };
  const SELECTS = ["council", "kind", "outcome"];  // their choices: the values the facets count, nothing else
  const LISTS = { rapporteur: "rapporteurs", collectivite: "collectivites" };  // suggestions for the text fields
  const FILTERS = ["date_from", "date_to", "rapporteur", "collectivite", "council", "outcome", "kind"];
  const UNKNOWN = new Set(["inconnu", "inconnue"]);  // counted, but no filter can choose them

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
      if (!field) continue;
      if (SELECTS.includes(k)) choices(field, {});  // the value from the URL, until the facets arrive
      field.value = v;
    }
  }

  function filtered() {
    return FILTERS.some((name) => String(form.elements.namedItem(name).value).trim());
  }

  // A select offers « tous », the values the facet counts (with their counts), and the value chosen even when it
  // matches nothing now, so the form always shows what narrows the search.
  function choices(select, counts) {
    const current = select.value || new URLSearchParams(location.search).get(select.name) || "";
    select.replaceChildren(el("option", { value: "" }, "tous"));
    const values = Object.entries(counts).filter(([v]) => !UNKNOWN.has(v));
    if (current && !values.some(([v]) => v === current)) values.push([current, 0]);
    for (const [value, count] of values) select.append(el("option", { value: value }, value + " (" + count + ")"));
    select.value = current;
  }

  function year(value) {
    return form.elements.namedItem("date_from").value === value + "-01-01" &&
      form.elements.namedItem("date_to").value === value + "-12-31";
  }

  function folded(text) {  // as the server compares names: "Michaël DELAFOSSE" = "michael delafosse"
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean).join(" ");
  }

  function chosen(name, value) {
    if (name === "year") return year(value);
    return folded(form.elements.namedItem(FACET_FILTER[name]).value) === folded(value);
  }

  // A facet value narrows the search to it; chosen already, it lifts that filter.
  function choose(name, value) {
    const on = !chosen(name, value);
    if (name === "year") {
      form.elements.namedItem("date_from").value = on ? value + "-01-01" : "";
      form.elements.namedItem("date_to").value = on ? value + "-12-31" : "";
    } else {
      const field = form.elements.namedItem(FACET_FILTER[name]);
      if (SELECTS.includes(name) && on && ![...field.options].some((o) => o.value === value)) {
        field.append(el("option", { value: value }, value));
      }
      field.value = on ? value : "";
    }
    run(1);
  }

  const DATE = new Intl.DateTimeFormat("fr-FR", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

  function frenchDate(iso) {  // "2014-02-01" → "1er février 2014"
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
      : filtered()
        ? "Aucun acte ne correspond à ces filtres : « Effacer les filtres » élargit la recherche."
        : "Aucun acte ne correspond.";
    for (const act of data.acts) {
      const li = el("li");
      const h = el("h3");
      h.append(el("a", { href: act.url, target: "_blank", rel: "noopener" }, act.title));
      li.append(h);
      const meta = [act.kind + (act.act_number ? " n° " + act.act_number : "") +
        (act.affaire_number ? ", affaire " + act.affaire_number : ""),
        act.seance_date ? "séance du " + frenchDate(act.seance_date) : "séance à date inconnue"];
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
    for (const name of SELECTS) choices(form.elements.namedItem(name), data.facets[name] || {});
    for (const [name, list] of Object.entries(LISTS)) {
      const values = Object.keys(data.facets[name] || {}).filter((v) => !UNKNOWN.has(v));
      document.getElementById(list).replaceChildren(...values.map((v) => el("option", { value: v })));
    }
    facets.replaceChildren();
    for (const [name, counts] of Object.entries(data.facets)) {
      const entries = Object.entries(counts);
      if (!entries.length) continue;
      facets.append(el("h2", {}, FACET_NAMES[name] || name));
      const ul = el("ul");
      for (const [value, count] of entries) {
        const li = el("li");
        if (UNKNOWN.has(value)) {
          li.append(el("span", {}, value + " (" + count + ")"));
        } else {
          const b = el("button", { type: "button", "data-facet": name, "data-value": value,
            "aria-pressed": String(chosen(name, value)) }, value + " (" + count + ")");
          b.addEventListener("click", () => choose(name, value));
          li.append(b);
        }
        ul.append(li);
      }
      facets.append(ul);
    }
    if (!facets.childElementCount) facets.append(el("p", {}, "Aucun filtre à proposer pour ces mots."));
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
  clear.addEventListener("click", () => {
    for (const name of FILTERS) form.elements.namedItem(name).value = "";
    run(1);
  });
  form.querySelectorAll("select").forEach((s) => s.addEventListener("change", () => run(1)));
  const initial = new URLSearchParams(location.search);
  fill(initial);
  run(Number(initial.get("page") || 1));
})();
