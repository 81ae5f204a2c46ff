// Drives the workshop hub (k8slab workshop serve) in the system's Chromium: attendees
// log in at the same time, each in a browser context of their own; each runs code
// and notebooks in their own JupyterLab through the hub (Jupyter's REST and kernel
// websocket API, from the logged-in page: the attendee's own cookies); the instructor
// logs in and reads the progress page. Reports what it saw as JSON on stdout.
// Over HTTPS, "spki" pins the hub's certificate (its public key's SHA-256, base64): Chromium
// accepts that certificate, signed by the lab's CA, and no other.
//
//   node hub.mjs '{"base": "https://127.0.0.1:8000", "spki": "...", "outDir": "...",
//                  "attendees": [{"name": "a-01", "password": "..."}],
//                  "instructor": {"name": "instructor", "password": "..."},
//                  "probe": "print(1)", "notebooks": ["05-deployments.ipynb"]}'
import { chromium } from "playwright-core";
import { join } from "node:path";

const config = JSON.parse(process.argv[2]);
const log = (msg) => process.stderr.write(`[hub] ${msg}\n`);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         ...(config.spki ? [`--ignore-certificate-errors-spki-list=${config.spki}`] : [])],
});

async function login(who) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  await page.goto(`${config.base}/hub/login`);
  await page.fill("input[name=username]", who.name);
  await page.fill("input[name=password]", who.password);
  await Promise.all([page.waitForLoadState(), page.click("[type=submit]")]);
  return page;
}

// Runs in the page: code cells through one kernel of the attendee's own server.
async function runCells({ prefix, path, code, timeoutMs }) {
  const xsrf = decodeURIComponent((document.cookie.split("; ")
    .find((c) => c.startsWith("_xsrf=")) || "=").split("=")[1]);
  const headers = { "Content-Type": "application/json", "X-XSRFToken": xsrf };
  const api = async (method, url, body) => {
    const resp = await fetch(`${prefix}${url}`, { method, headers, body: body && JSON.stringify(body) });
    if (!resp.ok) throw new Error(`${method} ${url}: ${resp.status} ${await resp.text()}`);
    return resp.status === 204 ? null : resp.json();
  };
  let nb = null;
  let cells;
  if (path) {
    nb = (await api("GET", `/api/contents/${path}?content=1&type=notebook`)).content;
    cells = nb.cells.filter((c) => c.cell_type === "code");
  } else {
    cells = [{ source: code, outputs: [] }];
  }
  const kernel = path
    ? (await api("POST", "/api/sessions", { path, name: path, type: "notebook",
                                            kernel: { name: "python3" } })).kernel
    : await api("POST", "/api/kernels", { name: "python3" });
  const session = crypto.randomUUID();
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}${prefix}/api/kernels/${kernel.id}/channels?session_id=${session}`);
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error("websocket")); });
  const pending = new Map();
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    const run = pending.get(msg.parent_header && msg.parent_header.msg_id);
    if (!run) return;
    const t = msg.msg_type, c = msg.content;
    if (t === "stream") run.outputs.push({ output_type: "stream", name: c.name, text: c.text });
    else if (t === "display_data" || t === "execute_result") {
      run.outputs.push({ output_type: t, data: c.data, metadata: c.metadata || {},
                         ...(t === "execute_result" ? { execution_count: c.execution_count } : {}) });
    } else if (t === "error") {
      run.outputs.push({ output_type: "error", ename: c.ename, evalue: c.evalue, traceback: c.traceback });
    } else if (t === "execute_reply") { run.reply = c; }
    else if (t === "status" && c.execution_state === "idle") { run.idle = true; }
    if (run.reply && run.idle) run.done();
  };
  const started = Date.now();
  const errors = [];
  let text = "";
  let count = 0;
  for (const cell of cells) {
    const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
    const msgId = crypto.randomUUID();
    const run = { outputs: [], reply: null, idle: false };
    const finished = new Promise((ok) => { run.done = ok; });
    pending.set(msgId, run);
    ws.send(JSON.stringify({
      header: { msg_id: msgId, msg_type: "execute_request", session, username: "", version: "5.3",
                date: new Date().toISOString() },
      parent_header: {}, metadata: {}, channel: "shell", buffers: [],
      content: { code: source, silent: false, store_history: true, user_expressions: {},
                 allow_stdin: false, stop_on_error: true },
    }));
    const timer = new Promise((_, fail) => setTimeout(() => fail(new Error("cell timeout")), timeoutMs));
    try { await Promise.race([finished, timer]); } catch (e) { errors.push(`cell ${count}: ${e.message}`); break; }
    cell.outputs = run.outputs;
    cell.execution_count = run.reply.execution_count;
    count += 1;
    for (const o of run.outputs) {
      if (o.output_type === "stream") text += o.text;
      else if (o.data && o.data["text/plain"]) text += o.data["text/plain"] + "\n";
      if (o.output_type === "error") errors.push(`${o.ename}: ${o.evalue}`);
    }
    if (run.reply.status !== "ok") break;
  }
  ws.close();
  if (path) {
    await api("PUT", `/api/contents/${path}`, { type: "notebook", format: "json", content: nb });
    await api("DELETE", `/api/kernels/${kernel.id}`);
  } else {
    await api("DELETE", `/api/kernels/${kernel.id}`);
  }
  return { path: path || null, cells: cells.length, executed: count, errors, text,
           seconds: (Date.now() - started) / 1000 };
}

async function attendee(who, others) {
  const page = await login(who);
  const prefix = `/user/${who.name}`;
  // The hub starts their server and sends them into their JupyterLab.
  await page.waitForURL(new RegExp(`${prefix}/lab`), { timeout: 240000 });
  // A loaded machine (the host pass runs beside this one) can take minutes to render it.
  await page.locator("#jp-main-dock-panel").waitFor({ timeout: 300000 });
  await page.waitForTimeout(2000);
  await page.screenshot({ path: join(config.outDir, `hub-${who.name}-lab.png`) });
  const result = { name: who.name, landed: page.url(), notebooks: [] };
  // Their own server, the other attendees' servers and the instructor's page, as they see them.
  // (API calls carry the _xsrf cookie's value, as JupyterLab's own do.)
  const get = async ([url, manual]) => {
    const xsrf = decodeURIComponent((document.cookie.split("; ")
      .find((c) => c.startsWith("_xsrf=")) || "=").split("=")[1]);
    const r = await fetch(url, { headers: { "X-XSRFToken": xsrf },
                                 redirect: manual ? "manual" : "follow" });
    return { status: r.status, type: r.type, url: r.url };
  };
  result.statusOwn = (await page.evaluate(get, [`${prefix}/api/status`, false])).status;
  result.statusOthers = [];
  for (const n of others) {
    result.statusOthers.push({ name: n, ...(await page.evaluate(get, [`/user/${n}/api/contents`, true])) });
  }
  const progress = await page.context().newPage();
  const resp = await progress.goto(`${config.base}/services/progress/`);
  result.progressStatus = resp ? resp.status() : null;
  result.progressHasRows = await progress.locator("tr.attendee").count();
  await progress.close();
  log(`${who.name}: probe`);
  result.probe = await page.evaluate(runCells, { prefix, code: config.probe, timeoutMs: 120000 });
  for (const path of config.notebooks) {
    log(`${who.name}: running ${path}`);
    const ran = await page.evaluate(runCells, { prefix, path, timeoutMs: 600000 });
    log(`${who.name}: ${path} ${ran.executed}/${ran.cells} cells, ${ran.errors.length} errors, ${ran.seconds}s`);
    result.notebooks.push(ran);
  }
  await page.screenshot({ path: join(config.outDir, `hub-${who.name}-done.png`) });
  return result;
}

async function instructor(who) {
  const page = await login(who);
  await page.waitForURL(/\/services\/progress\//, { timeout: 120000 });
  const landed = page.url();
  // The checks run in the background: wait for a round that lists every attendee and
  // shows every exercise of the notebooks they ran as passed (kept after their clean-up).
  const want = config.attendees.length;
  const ran = (config.notebooks || []).map((nb) => nb.slice(0, 2));
  const read = () => page.locator("tr.attendee").evaluateAll((trs) => trs.map((tr) => ({
    attendee: tr.dataset.attendee,
    notebooks: Object.fromEntries([...tr.querySelectorAll("td.nb")].map((td) => [
      td.dataset.notebook, { passed: Number(td.dataset.passed), total: Number(td.dataset.total) }])),
  })));
  const complete = (rows) => rows.length >= want && rows.every((r) => ran.every(
    (nb) => r.notebooks[nb] && r.notebooks[nb].passed === r.notebooks[nb].total));
  const deadline = Date.now() + 180000;
  let rows = await read();
  while (!complete(rows) && Date.now() < deadline) {
    await page.waitForTimeout(3000);
    await page.reload();
    rows = await read();
  }
  await page.screenshot({ path: join(config.outDir, "hub-instructor-progress.png"), fullPage: true });
  const grid = await page.locator("table.grid").count();
  const admin = await page.goto(`${config.base}/hub/admin`);
  return { landed, rows, grid, adminStatus: admin ? admin.status() : null };
}

try {
  const names = config.attendees.map((a) => a.name);
  const attendees = await Promise.all(config.attendees.map(
    (a) => attendee(a, names.filter((n) => n !== a.name))));
  const teacher = await instructor(config.instructor);
  process.stdout.write(JSON.stringify({ attendees, instructor: teacher }));
} finally {
  await browser.close();
}
