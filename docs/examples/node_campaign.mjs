#!/usr/bin/env node
// A controller in JavaScript (Node.js >= 18, built-in fetch, no packages) running a short
// campaign against `vdwgym serve` over HTTP (protocol 2): the shared initial design from
// GET /campaigns/{cid}/design, then batches of a deterministic pattern search around the
// best recipe so far.  Prints the record as JSON on stdout:
//   {"name", "design", "evaluations": [{"idx", "batch", "recipe", "seed", "status", "twist_deg", "regret_deg"}]}
// Evaluation seeds go up to 2**63, beyond JavaScript's exact integers: they are read as
// strings from the raw answer.
//
// usage: node node_campaign.mjs URL NAME SEED BUDGET BATCH N_INIT [TARGET_DEG]
const [url, name, seed, budget, batch, nInit, target = "8.5"] = process.argv.slice(2);
const PROTOCOL = 2;
const headers = { "Content-Type": "application/json", "Vdwgym-Protocol": String(PROTOCOL) };
if (process.env.VDWGYM_TOKEN) headers.Authorization = `Bearer ${process.env.VDWGYM_TOKEN}`;

async function api(method, path, body) {
  const resp = await fetch(url + path, { method, headers, body: body && JSON.stringify(body) });
  const text = await resp.text();
  if (!resp.ok) throw new Error(`${method} ${path}: HTTP ${resp.status}: ${text}`);
  return { json: JSON.parse(text), text };
}

function exactSeeds(text) {  // idx -> seed as a decimal string
  const out = new Map();
  for (const m of text.matchAll(/"idx":(\d+),"key":"[^"]*","recipe":\{[^}]*\},"seed":(\d+)/g)) out.set(Number(m[1]), m[2]);
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function evaluate(recipes, requestId, batchNo, record) {
  const sub = await api("POST", `/campaigns/${name}/evaluations`, { recipes, request_id: requestId });
  const want = new Set(sub.json.evaluations.map((e) => e.idx));
  const seeds = exactSeeds(sub.text);
  const done = new Map();
  for (let k = 0; done.size < want.size; k++) {
    if (k > 2000) throw new Error(`evaluations ${[...want]} not done`);
    for (const idx of want) {
      if (done.has(idx)) continue;
      const view = (await api("GET", `/campaigns/${name}/evaluations/${idx}`)).json;
      if (view.status === "done") done.set(idx, view);
    }
    if (done.size < want.size) await sleep(20);
  }
  for (const e of sub.json.evaluations) {
    const v = done.get(e.idx);
    record.push({ idx: v.idx, batch: batchNo, recipe: v.recipe, seed: seeds.get(v.idx), status: v.outcome.status,
                  twist_deg: v.outcome.twist_deg, regret_deg: v.regret_deg });
  }
}

const health = (await api("GET", "/health")).json;
if ((health.protocol ?? 1) < PROTOCOL) throw new Error(`server speaks protocol ${health.protocol ?? 1}; this client needs ${PROTOCOL}`);
const space = (await api("GET", "/space")).json.dimensions;
await api("POST", "/campaigns", { name, target_deg: Number(target), budget: Number(budget), seed: Number(seed) });
const design = (await api("GET", `/campaigns/${name}/design?n=${nInit}`)).json.recipes;
const record = [];
await evaluate(design, "design", 0, record);

let step = 0.25;  // fraction of each dimension's span
for (let b = 1; record.length < Number(budget); b++) {
  const scored = record.filter((r) => r.regret_deg !== null).sort((x, y) => x.regret_deg - y.regret_deg || x.idx - y.idx);
  const best = scored.length ? scored[0].recipe : design[0];
  const q = Math.min(Number(batch), Number(budget) - record.length);
  const proposals = [];
  for (let j = 0; j < q; j++) {
    const d = space[j % space.length];
    const sign = Math.floor(j / space.length) % 2 === 0 ? 1 : -1;
    const value = Math.min(d.high, Math.max(d.low, best[d.name] + sign * step * (d.high - d.low)));
    proposals.push({ ...best, [d.name]: value });
  }
  await evaluate(proposals, `batch-${b}`, b, record);
  step /= 2;
}
console.log(JSON.stringify({ name, design, evaluations: record }));
