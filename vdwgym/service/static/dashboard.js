// vdwgym dashboard: the campaign list, and per campaign the regret and best-so-far curves,
// the recipe scatter coloured by twist, running evaluations with live progress lines and the
// pictures of finished ones.  Data: the service's JSON API and its event stream, read with
// fetch (so the bearer token can be sent); no page reload, no library.
"use strict";

const state = { token: null, campaign: null, evals: new Map(), progress: new Map(),
                pictures: {}, abort: null, summary: null };

function readToken() {
  const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (m) { sessionStorage.setItem("vdwgym-token", decodeURIComponent(m[1])); }
  state.token = sessionStorage.getItem("vdwgym-token");
}

function headers() { return state.token ? { Authorization: "Bearer " + state.token } : {}; }

async function api(path) {
  const r = await fetch(path, { headers: headers(), cache: "no-store" });
  if (!r.ok) { throw new Error(path + ": " + r.status + " " + (await r.text())); }
  return r.json();
}

function fmt(v, digits = 4) {
  if (v === null || v === undefined) { return "-"; }
  if (typeof v === "number") { return Number(v.toPrecision(digits)).toString(); }
  return String(v);
}

function el(tag, attrs = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) { e.setAttribute(k, v); }
  if (text) { e.textContent = text; }
  return e;
}

// ---------------------------------------------------------------- charts (canvas)
function frame(ctx, w, h) {
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, h);
  ctx.strokeStyle = "#999"; ctx.strokeRect(40.5, 10.5, w - 50, h - 40);
}

function viridis(t) {  // 0..1 -> colour (a few stops of matplotlib's viridis)
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  t = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(t), stops.length - 2), f = t - i;
  const c = stops[i].map((a, k) => Math.round(a + f * (stops[i + 1][k] - a)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function drawRegret(list, target, tolerance) {
  const cv = document.getElementById("regret"), ctx = cv.getContext("2d");
  const w = cv.width, h = cv.height, x0 = 40, y0 = 10, pw = w - 50, ph = h - 40;
  frame(ctx, w, h);
  const n = Math.max(list.length, 1), lo = -3, hi = Math.log10(30);
  const X = i => x0 + (i + 0.5) / n * pw;
  const Y = r => y0 + (hi - Math.log10(Math.max(r, 1e-3))) / (hi - lo) * ph;
  ctx.fillStyle = "#555"; ctx.font = "10px sans-serif";
  for (let e = lo; e <= 1; e++) { ctx.fillText("1e" + e, 4, Y(10 ** e) + 3); }
  ctx.fillText("evaluation", x0 + pw / 2 - 20, h - 8);
  if (tolerance > 0) {
    ctx.strokeStyle = "#2a2"; ctx.setLineDash([4, 3]); ctx.beginPath();
    ctx.moveTo(x0, Y(tolerance)); ctx.lineTo(x0 + pw, Y(tolerance)); ctx.stroke(); ctx.setLineDash([]);
  }
  let best = Infinity; ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5; ctx.beginPath();
  let started = false;
  list.forEach((e, i) => {
    const r = e.regret_deg;
    if (r !== null && r !== undefined) { best = Math.min(best, r); }
    if (best < Infinity) {
      if (!started) { ctx.moveTo(X(i), Y(best)); started = true; } else { ctx.lineTo(X(i), Y(best)); }
    }
  });
  ctx.stroke(); ctx.lineWidth = 1;
  list.forEach((e, i) => {
    if (e.status !== "done") { ctx.strokeStyle = "#888"; ctx.strokeRect(X(i) - 2, y0 + ph - 6, 4, 4); return; }
    const r = e.regret_deg;
    if (r === null || r === undefined) {
      ctx.strokeStyle = "#d22"; ctx.beginPath(); ctx.moveTo(X(i) - 3, Y(30) - 3); ctx.lineTo(X(i) + 3, Y(30) + 3);
      ctx.moveTo(X(i) + 3, Y(30) - 3); ctx.lineTo(X(i) - 3, Y(30) + 3); ctx.stroke();
    } else {
      ctx.fillStyle = "#1f77b4"; ctx.beginPath(); ctx.arc(X(i), Y(r), 3, 0, 7); ctx.fill();
    }
  });
}

function drawRecipes(list, space) {
  const cv = document.getElementById("recipes"), ctx = cv.getContext("2d");
  const w = cv.width, h = cv.height, x0 = 40, y0 = 10, pw = w - 50, ph = h - 40;
  frame(ctx, w, h);
  const [dx, dy] = space;
  const X = v => x0 + (v - dx.low) / (dx.high - dx.low) * pw;
  const Y = v => y0 + ph - (v - dy.low) / (dy.high - dy.low) * ph;
  ctx.fillStyle = "#555"; ctx.font = "10px sans-serif";
  ctx.fillText(fmt(dx.low) + " K", x0, h - 8); ctx.fillText(fmt(dx.high) + " K", x0 + pw - 40, h - 8);
  ctx.fillText(fmt(dy.high * 100) + "%", 2, y0 + 8); ctx.fillText(fmt(dy.low * 100) + "%", 2, y0 + ph);
  for (const e of list) {
    const x = X(e.recipe[dx.name]), y = Y(e.recipe[dy.name]);
    const tw = e.outcome ? e.outcome.twist_deg : null;
    if (e.status !== "done") { ctx.strokeStyle = "#888"; ctx.strokeRect(x - 3, y - 3, 6, 6); }
    else if (tw === null || tw === undefined) { ctx.fillStyle = "#aaa"; ctx.fillText("x", x - 3, y + 3); }
    else { ctx.fillStyle = viridis(tw / 30); ctx.beginPath(); ctx.arc(x, y, 4, 0, 7); ctx.fill(); }
  }
}

const SERIES = [["temperature_K", "temperature (K)"], ["crystallinity", "crystallinity (top layer)"],
                ["twist_deg", "twist (deg)"], ["fraction", "fraction done"]];

function seriesValue(line, key) {
  const v = line[key];
  if (Array.isArray(v)) { return v.length ? v[v.length - 1] : null; }
  return typeof v === "number" ? v : null;
}

function drawSpark(cv, lines, key) {
  const ctx = cv.getContext("2d"), w = cv.width, h = cv.height;
  ctx.clearRect(0, 0, w, h); ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, h);
  const xk = lines.some(l => typeof l.time_ps === "number") ? "time_ps"
    : (lines.some(l => typeof l.elapsed_s === "number") ? "elapsed_s" : null);
  const pts = lines.map((l, i) => [xk ? l[xk] : i, seriesValue(l, key)]).filter(p => p[1] !== null);
  if (!pts.length) { return false; }
  const xs = pts.map(p => p[0]), ys = pts.map(p => p[1]);
  const xmin = Math.min(...xs), xmax = Math.max(...xs, xmin + 1e-9);
  const ymin = Math.min(...ys), ymax = Math.max(...ys, ymin + 1e-9);
  ctx.strokeStyle = "#c60"; ctx.beginPath();
  pts.forEach(([x, y], i) => {
    const px = 2 + (x - xmin) / (xmax - xmin) * (w - 4), py = h - 2 - (y - ymin) / (ymax - ymin) * (h - 4);
    if (i) { ctx.lineTo(px, py); } else { ctx.moveTo(px, py); }
  });
  ctx.stroke();
  return true;
}

// ---------------------------------------------------------------- rendering
function sortedEvals() { return [...state.evals.values()].sort((a, b) => a.idx - b.idx); }

function renderSummary() {
  const s = state.summary;
  if (!s) { return; }
  const c = s.config;
  document.getElementById("title").textContent =
    `${s.name}: target ${fmt(c.target_deg)} deg on ${c.backend} (${s.state})`;
  document.getElementById("summary").textContent =
    `${s.n_done} done, ${s.n_running} running, budget left ${s.budget_left}; best regret ` +
    `${fmt(s.best_regret_deg)} deg` + (s.target_reached ? " (target reached)" : "");
}

function renderCharts() {
  const list = sortedEvals();
  const c = state.summary ? state.summary.config : { target_deg: 0, tolerance_deg: 0 };
  drawRegret(list, c.target_deg, c.tolerance_deg);
  if (state.space) { drawRecipes(list, state.space); }
}

function renderRunning() {
  const box = document.getElementById("running");
  const running = sortedEvals().filter(e => e.status !== "done");
  document.getElementById("n-running").textContent = `(${running.length})`;
  const keep = new Set(running.map(e => "run-" + e.idx));
  for (const card of [...box.children]) { if (!keep.has(card.id)) { card.remove(); } }
  for (const e of running) {
    let card = document.getElementById("run-" + e.idx);
    if (!card) {
      card = el("div", { class: "card running", id: "run-" + e.idx });
      card.append(el("div", { class: "head" }));
      for (const [key, label] of SERIES) {
        const row = el("div", { class: "series", "data-key": key, hidden: "" });
        row.append(el("span", { class: "label" }, label), el("br"),
                   el("canvas", { width: 220, height: 40 }), el("span", { class: "value" }));
        card.append(row);
      }
      box.append(card);
    }
    const lines = state.progress.get(e.idx) || [];
    card.querySelector(".head").textContent = `#${e.idx + 1} ${e.key}: ${lines.length} progress lines`;
    for (const row of card.querySelectorAll(".series")) {
      const key = row.dataset.key;
      const shown = drawSpark(row.querySelector("canvas"), lines, key);
      row.hidden = !shown;
      if (shown) { row.querySelector(".value").textContent = " " + fmt(seriesValue(lines[lines.length - 1], key)); }
    }
  }
}

function renderFinished() {
  const body = document.querySelector("#finished tbody");
  const done = sortedEvals().filter(e => e.status === "done");
  document.getElementById("n-done").textContent = `(${done.length})`;
  for (const e of done) {
    if (document.getElementById("done-" + e.idx)) { continue; }
    const tr = el("tr", { id: "done-" + e.idx, class: "done new" });
    const recipe = Object.entries(e.recipe).map(([k, v]) => `${k}=${fmt(v)}`).join(", ");
    for (const v of [e.idx + 1, e.key, e.outcome.status, fmt(e.outcome.twist_deg), fmt(e.regret_deg), recipe]) {
      tr.append(el("td", {}, String(v)));
    }
    const after = [...body.children].find(r => Number(r.id.slice(5)) > e.idx);
    body.insertBefore(tr, after || null);
  }
}

async function renderPictures() {
  const box = document.getElementById("pictures");
  for (const [idx, names] of Object.entries(state.pictures)) {
    if (document.getElementById("pic-" + idx)) { continue; }
    const card = el("div", { class: "card picture", id: "pic-" + idx });
    const e = state.evals.get(Number(idx));
    card.append(el("div", {}, `#${Number(idx) + 1} ${e ? e.key : ""}: twist ${fmt(e && e.outcome ? e.outcome.twist_deg : null)} deg`));
    box.append(card);
    for (const name of names) {
      const r = await fetch(`/campaigns/${state.campaign}/evaluations/${idx}/pictures/${name}`, { headers: headers() });
      if (!r.ok) { continue; }
      const img = el("img", { alt: `${name} of evaluation ${Number(idx) + 1}` });
      img.src = URL.createObjectURL(await r.blob());
      card.append(img);
    }
  }
}

function renderAll() { renderSummary(); renderCharts(); renderRunning(); renderFinished(); }

// ---------------------------------------------------------------- data
async function loadProgress(idx) {
  try { state.progress.set(idx, (await api(`/campaigns/${state.campaign}/evaluations/${idx}/progress`)).lines); }
  catch (err) { console.warn(err); }
}

async function refreshEvaluations() {
  const cid = state.campaign;
  const all = [];
  for (let since = 0; ;) {  // pages of 1000 (the service's limit)
    const page = (await api(`/campaigns/${cid}/evaluations?since=${since}&limit=1000`)).evaluations;
    all.push(...page);
    if (page.length < 1000) { break; }
    since = page[page.length - 1].idx + 1;
  }
  for (const e of all) {
    const known = state.evals.get(e.idx);
    state.evals.set(e.idx, e);
    if (e.status !== "done" && !known) { await loadProgress(e.idx); }
  }
}

async function refreshPictures() {
  state.pictures = (await api(`/campaigns/${state.campaign}/pictures`)).pictures;
  await renderPictures();
}

function onEvent(kind, data) {
  if (kind === "result") {
    state.evals.set(data.idx, data);
    state.progress.delete(data.idx);
    refreshPictures().catch(console.warn);
  } else if (kind === "progress") {
    const lines = state.progress.get(data.idx) || [];
    const last = data.progress && data.progress.last;
    if (last && JSON.stringify(lines[lines.length - 1]) !== JSON.stringify(last)) { lines.push(last); }
    state.progress.set(data.idx, lines);
  } else if (kind === "summary" || kind === "end" || kind === "timeout") {
    const grew = !state.summary || data.n_submitted !== state.summary.n_submitted;
    state.summary = data;
    loadCampaigns().catch(console.warn);
    if (grew) { refreshEvaluations().then(renderAll).catch(console.warn); }
  }
  renderAll();
}

async function stream(cid, since) {
  // The event stream, parsed by hand (EventSource cannot send the token); reconnects until
  // the campaign ends or another one is selected.
  while (state.campaign === cid) {
    state.abort = new AbortController();
    let ended = false;
    try {
      const r = await fetch(`/campaigns/${cid}/stream?since=${since}&timeout_s=600`,
                            { headers: headers(), signal: state.abort.signal });
      if (!r.ok) { throw new Error("stream: " + r.status); }
      document.getElementById("connection").textContent = "live";
      const reader = r.body.getReader(), dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) { break; }
        buf += dec.decode(value, { stream: true });
        let cut;
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, cut); buf = buf.slice(cut + 2);
          let kind = "message", data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) { kind = line.slice(6).trim(); }
            else if (line.startsWith("data:")) { data += line.slice(5).trim(); }
          }
          if (!data) { continue; }
          const payload = JSON.parse(data);
          if (kind === "result") { since = Math.max(since, payload.done_order + 1); }
          onEvent(kind, payload);
          if (kind === "end") { ended = true; }
        }
      }
    } catch (err) {
      if (state.campaign !== cid) { return; }
      document.getElementById("connection").textContent = "reconnecting (" + err.message + ")";
    }
    if (ended) {
      document.getElementById("connection").textContent = "campaign finished";
      // an ended campaign can still grow if someone submits: look again now and then
      await new Promise(res => setTimeout(res, 3000));
      if (state.campaign !== cid) { return; }
      const s = await api(`/campaigns/${cid}`).catch(() => null);
      if (s && s.state === "complete" && state.summary && s.n_submitted === state.summary.n_submitted) { continue; }
      if (s) { onEvent("summary", s); }
      continue;
    }
    await new Promise(res => setTimeout(res, 1000));
  }
}

async function select(cid) {
  if (state.abort) { state.abort.abort(); }
  state.campaign = cid; state.evals = new Map(); state.progress = new Map(); state.pictures = {};
  for (const id of ["running", "pictures"]) { document.getElementById(id).replaceChildren(); }
  document.querySelector("#finished tbody").replaceChildren();
  for (const li of document.querySelectorAll("#campaigns li")) { li.classList.toggle("selected", li.dataset.name === cid); }
  document.getElementById("campaign").hidden = false;
  state.summary = await api(`/campaigns/${cid}`);
  await refreshEvaluations();
  renderAll();
  await refreshPictures();
  const since = sortedEvals().filter(e => e.done_order !== null).length;
  stream(cid, since);
}

async function loadCampaigns() {
  const list = (await api("/campaigns")).campaigns;
  const ul = document.getElementById("campaigns");
  for (const s of list) {
    let li = ul.querySelector(`li[data-name="${CSS.escape(s.name)}"]`);
    if (!li) {
      li = el("li", { "data-name": s.name });
      li.addEventListener("click", () => { location.hash = "campaign=" + s.name; select(s.name); });
      ul.append(li);
    }
    li.textContent = `${s.name} (${s.n_done}/${s.config.budget}, ${s.state})`;
  }
  return list;
}

async function main() {
  readToken();
  try {
    const space = await api("/space");
    state.space = space.dimensions.slice(0, 2);
    const list = await loadCampaigns();
    document.getElementById("connection").textContent = `${list.length} campaign(s)`;
    const m = /campaign=([^&]+)/.exec(location.hash);
    const first = m ? decodeURIComponent(m[1]) : (list.length ? list[list.length - 1].name : null);
    if (first) { await select(first); }
    setInterval(() => loadCampaigns().catch(console.warn), 5000);
  } catch (err) {
    document.getElementById("connection").textContent = "error: " + err.message +
      (String(err.message).includes("401") ? " (open the page as /dashboard#token=TOKEN)" : "");
  }
}

main();
