// The export console. Every value from the server is put on the page with textContent (never as markup), so ids,
// reasons and errors show as the text they are. No library, no build step.
"use strict";

(() => {
  const page = document.body.dataset.page;
  if (page === "login") {
    if (new URLSearchParams(location.search).has("failed")) document.getElementById("failed").hidden = false;
    return;
  }

  const open = new Set();          // export ids whose details are shown
  const samples = new Map();       // export id -> { t, rows, bytes, rowRate, byteRate } for the rate and ETA
  let refreshMs = 1000;
  let lastKey = "";

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key === "data") for (const [k, v] of Object.entries(value)) node.dataset[k] = v;
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  const number = new Intl.NumberFormat("en-US");
  function bytes(n) {
    if (n == null) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0, v = n;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)) + " " + units[i];
  }
  function when(iso) {
    if (!iso) return "–";
    const d = new Date(iso);
    return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }
  // A date over its time of day, so the column stays narrow.
  function timeCell(iso) {
    if (!iso) return el("td", { class: "time", text: "–" });
    const text = when(iso);
    return el("td", { class: "time", title: text }, el("div", { text: text.slice(0, 10) }), el("div", { class: "clock", text: text.slice(11) }));
  }
  function ago(iso, now) {
    const s = Math.max(0, (Date.parse(now) - Date.parse(iso)) / 1000);
    return s < 90 ? Math.round(s) + " s" : s < 5400 ? Math.round(s / 60) + " min" : (s / 3600).toFixed(1) + " h";
  }
  function duration(seconds) {
    if (!isFinite(seconds) || seconds < 0) return "–";
    if (seconds < 90) return Math.round(seconds) + " s";
    if (seconds < 5400) return Math.round(seconds / 60) + " min";
    return (seconds / 3600).toFixed(1) + " h";
  }

  // Rows and bytes per second from successive polls, smoothed. The ETA needs a total: the rows to write after a sort
  // (total_rows), or else how far the phase has come (percent: a file's bytes read while it streams).
  function rates(exp, now) {
    const p = exp.progress;
    if (exp.status !== "IN_PROGRESS" || !p) { samples.delete(exp.id); return null; }
    const t = Date.parse(now);
    const last = samples.get(exp.id);
    let rowRate = null, byteRate = null, percentRate = null;
    if (last && t > last.t && p.rows >= last.rows) {
      const dt = (t - last.t) / 1000;
      const r = (p.rows - last.rows) / dt, b = (p.bytes - last.bytes) / dt;
      rowRate = last.rowRate == null ? r : 0.6 * r + 0.4 * last.rowRate;
      byteRate = last.byteRate == null ? b : 0.6 * b + 0.4 * last.byteRate;
      if (p.percent != null && last.percent != null && p.percent >= last.percent) {
        const c = (p.percent - last.percent) / dt;
        percentRate = last.percentRate == null ? c : 0.6 * c + 0.4 * last.percentRate;
      }
    } else if (exp.started_at) {
      const dt = (t - Date.parse(exp.started_at)) / 1000;
      if (dt > 0) { rowRate = p.rows / dt; byteRate = p.bytes / dt; }
    }
    samples.set(exp.id, { t, rows: p.rows, bytes: p.bytes, rowRate, byteRate, percent: p.percent, percentRate });
    const total = p.total_rows;
    const eta = total != null && rowRate > 0 ? (total - p.rows) / rowRate
      : p.percent != null && percentRate > 0 ? (100 - p.percent) / percentRate : null;
    return { rowRate, byteRate, eta };
  }

  function progressCell(exp, now) {
    const cell = el("td", { class: "progress" });
    const p = exp.progress;
    if (exp.status === "IN_PROGRESS") {
      const r = rates(exp, now);
      const parts = [];
      if (p && p.phase) parts.push(p.phase);
      const of = p && p.total_rows != null ? " of " + number.format(p.total_rows) : "";
      parts.push(number.format(p ? p.rows : 0) + of + " rows", bytes(p ? p.bytes : 0), number.format(p ? p.chunks : 0) + " chunks");
      cell.append(el("div", { class: "progress-figures", text: parts.join(" · ") }));
      // Before the first row is written (reading into the sort, sorting) there is no rate of rows to show yet.
      const ordering = p && (p.phase === "reading" || p.phase === "sorting");
      const rate = ordering ? "reading and ordering the rows"
        : r && r.rowRate != null ? number.format(Math.round(r.rowRate)) + " rows/s · " + bytes(Math.round(r.byteRate)) + "/s" : "measuring…";
      const eta = ordering ? "" : " · ETA " + (r && r.eta != null ? duration(r.eta) : "–");
      cell.append(el("div", { class: "note", text: rate + eta }));
      const bar = el("div");
      if (p && p.total_rows > 0) {
        bar.className = "known";
        bar.style.width = Math.min(100, (100 * p.rows) / p.total_rows).toFixed(1) + "%";
      } else if (p && p.percent != null) {
        bar.className = "known";
        bar.style.width = Math.min(100, p.percent).toFixed(1) + "%";
      }
      cell.append(el("div", { class: "meter" }, bar));
    } else if (exp.result) {
      cell.append(el("div", { class: "progress-figures",
        text: number.format(exp.result.rows) + " rows · " + bytes(exp.result.bytes) + " · " + number.format(exp.result.chunks.length) + " chunks" }));
      if (exp.started_at && exp.finished_at) {
        const s = (Date.parse(exp.finished_at) - Date.parse(exp.started_at)) / 1000;
        cell.append(el("div", { class: "note", text: "in " + duration(s) + (s > 0 ? " · " + bytes(Math.round(exp.result.bytes / s)) + "/s" : "") }));
      }
    } else if (exp.status === "SCHEDULED") {
      cell.append(el("div", { class: "note", text: "waiting " + ago(exp.created_at, now) }));
    } else {
      cell.append(el("div", { class: "note", text: "–" }));
    }
    return cell;
  }

  async function change(method, exp, suffix) {
    const url = "/console/api/exports/" + encodeURIComponent(exp.id) + suffix + "?app=" + encodeURIComponent(exp.app_id);
    const response = await fetch(url, { method, headers: { "X-Console-Request": "1" }, credentials: "same-origin" });
    if (!response.ok && response.status !== 404) {
      let message = response.status + "";
      try { const body = await response.json(); message = body.details || body.message || message; } catch { /* not JSON */ }
      setStatus("Could not " + (method === "DELETE" ? "delete" : "cancel") + " " + exp.id + ": " + message);
    }
    refresh();
  }

  function actions(exp) {
    const cell = el("td", { class: "actions" });
    if (exp.status === "SCHEDULED" || exp.status === "IN_PROGRESS") {
      const cancel = el("button", { type: "button", text: "Cancel", data: { action: "cancel" } });
      cancel.addEventListener("click", (e) => { e.stopPropagation(); cancel.disabled = true; change("POST", exp, "/cancel"); });
      cell.append(cancel, " ");
    }
    const del = el("button", { type: "button", class: "danger", text: "Delete", data: { action: "delete" } });
    del.addEventListener("click", (e) => {
      e.stopPropagation();
      if (confirm("Delete export " + exp.id + " and its files?")) { del.disabled = true; change("DELETE", exp, ""); }
    });
    cell.append(del);
    return cell;
  }

  function details(exp) {
    const facts = el("dl", { class: "facts" });
    const fact = (k, v) => facts.append(el("dt", { text: k }), el("dd", { text: v == null || v === "" ? "–" : String(v) }));
    fact("Application", exp.app_id);
    fact("Channel", exp.channel);
    fact("Created", when(exp.created_at));
    fact("Started", when(exp.started_at));
    fact("Finished", when(exp.finished_at));
    fact("Claims", exp.attempts);
    fact("Worker", exp.worker);
    if (exp.lease_expires_at) fact("Lease until", when(exp.lease_expires_at));
    const left = el("div", {}, el("h2", { text: "Run" }), facts);
    if (exp.error) {
      left.append(el("h2", { text: "Error" }),
        el("pre", { class: "error-text", text: exp.error.key + ": " + exp.error.message + (exp.error.details ? "\n" + exp.error.details : "") }));
    }
    const right = el("div", {}, el("h2", { text: "Parameters" }), el("pre", { class: "parameters", text: JSON.stringify(exp.parameters, null, 2) }));
    const box = el("div", { class: "detail" }, el("div", { class: "detail-grid" }, left, right));
    if (exp.result) {
      const body = el("tbody");
      for (const c of exp.result.chunks) {
        const link = el("a", { text: c.name, class: "chunk-link", data: { chunk: String(c.number) } });
        if (typeof c.url === "string" && c.url.startsWith("/")) link.href = c.url;
        body.append(el("tr", {}, el("td", {}, link), el("td", { text: number.format(c.rows) }),
          el("td", { text: bytes(c.bytes) }), el("td", { class: "hash", text: c.sha256 })));
      }
      const whole = el("a", { text: "whole export as one CSV", class: "export-link" });
      if (typeof exp.result.url === "string" && exp.result.url.startsWith("/")) whole.href = exp.result.url;
      box.append(el("h2", { text: "Chunks" }),
        el("table", { class: "chunks" }, el("thead", {}, el("tr", {}, el("th", { text: "Chunk" }), el("th", { text: "Rows" }),
          el("th", { text: "Size" }), el("th", { text: "SHA-256" }))), body),
        el("p", { class: "note" }, "Download links expire; this page renews them on every refresh. ", whole));
    }
    return box;
  }

  function render(state) {
    refreshMs = state.refresh_ms || refreshMs;
    document.getElementById("viewer").textContent = state.viewer;
    document.getElementById("logout").hidden = !state.signed_in;
    const q = state.queue;
    document.getElementById("queue-depth").textContent = number.format(q.scheduled);
    document.getElementById("queue-oldest").textContent = q.oldest_scheduled_at ? "oldest waits " + ago(q.oldest_scheduled_at, state.now) : "nothing waits";
    document.getElementById("expired").textContent = number.format(q.expired_leases);
    document.getElementById("running-total").textContent = number.format(q.instances.reduce((n, i) => n + i.running, 0));
    const instances = document.getElementById("instances");
    instances.replaceChildren(...(q.instances.length
      ? q.instances.map((i) => el("li", { data: { instance: i.instance } }, el("span", { class: "mono", text: i.instance }), el("b", { text: String(i.running) })))
      : [el("li", { class: "note", text: "no export is running" })]));

    // Rebuild the table only when something in it changed, so a click never lands on a row being replaced.
    const key = JSON.stringify([state.exports, [...open]]);
    const running = state.exports.some((e) => e.status === "IN_PROGRESS");
    if (key === lastKey && !running) {
      setStatus("updated " + new Date(state.now).toISOString().slice(11, 19) + " UTC · " + state.exports.length + " exports");
      return;
    }
    lastKey = key;

    const rows = [];
    for (const exp of state.exports) {
      const idCell = el("td", {}, el("div", { class: "id mono", text: exp.id }), el("div", { class: "app", text: exp.app_id }));
      const status = el("td", {}, el("span", { class: "badge " + exp.status, text: exp.status.replace("_", " "), data: { status: exp.status } }));
      if (exp.error) status.append(el("div", { class: "error-key", text: exp.error.key + (exp.error.details ? ": " + exp.error.details : "") }));
      const row = el("tr", { class: "row", data: { exportId: exp.id, status: exp.status } },
        idCell, status, el("td", { class: "scope", text: exp.scope }), timeCell(exp.created_at),
        timeCell(exp.finished_at), progressCell(exp, state.now), actions(exp));
      row.addEventListener("click", (e) => {
        if (e.target.closest("a, button")) return;
        if (open.has(exp.id)) open.delete(exp.id); else open.add(exp.id);
        refresh();
      });
      rows.push(row);
      if (open.has(exp.id)) rows.push(el("tr", { class: "detail", data: { detailOf: exp.id } }, el("td", { colspan: "7" }, details(exp))));
    }
    document.getElementById("exports").replaceChildren(...rows);
    document.getElementById("empty").hidden = state.exports.length > 0;
    setStatus("updated " + new Date(state.now).toISOString().slice(11, 19) + " UTC · " + state.exports.length + " exports");
  }

  function setStatus(text) { document.getElementById("status-line").textContent = text; }

  let timer = null;
  async function refresh() {
    clearTimeout(timer);
    try {
      const response = await fetch("/console/api/state", { credentials: "same-origin", cache: "no-store" });
      if (response.status === 401) { location.reload(); return; }
      if (!response.ok) throw new Error("HTTP " + response.status);
      render(await response.json());
    } catch (e) {
      setStatus("refresh failed (" + e.message + "); retrying");
    }
    timer = setTimeout(refresh, refreshMs);
  }

  refresh();
})();
