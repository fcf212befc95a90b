// Run a notebook through the JupyterLab UI in headless Chromium and check what it renders.
//
// usage: node tests/browser/check_lab.mjs NOTEBOOK SCREENSHOT.png [--kernel NAME] [--cells N] [--timeout-s S]
//
// NOTEBOOK is relative to notebooks/ (a path starting with notebooks/ works too). Starts
// `bash scripts/lab.sh` on a free loopback port with a random token and a throw-away settings
// directory (autosave off, no news prompt, every cell in the DOM), opens the notebook, clears
// its outputs and runs it through the UI: Run > Run All Cells, or with --cells N, Shift+Enter
// from the first cell until N code cells have run. --kernel starts the session on that kernel
// instead of the one in the notebook's metadata. --timeout-s bounds the whole run (default 900).
// Nothing is saved: the notebook file must be byte-for-byte unchanged afterwards.
//
// Passes if an output area holds an HTML <table> and an SVG (inline <svg>, or the
// <img src="data:image/svg+xml,..."> JupyterLab renders image/svg+xml as), no output is an
// error (an error output, or stderr mentioning error/panicked), the kernel did not die, and
// the page fetched nothing but the server (JupyterLab's own optional fetches are only reported).
// Prints one JSON line; exits 0 on pass, 1 on a failed check, 2 on misuse or if the harness
// broke (server did not start, page did not load...). JupyterLab is always shut down.
import { launchOfflineChromium } from './offline_chromium.mjs';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOTEBOOKS = join(ROOT, 'notebooks');
const USAGE = 'usage: node tests/browser/check_lab.mjs NOTEBOOK SCREENSHOT.png [--kernel NAME] [--cells N] [--timeout-s S]';

// Blocked page requests that are JupyterLab's own optional extras (news, update check,
// extension listings): reported, not failed. Anything else leaving the machine fails the check.
const OPTIONAL_FETCHES = [/^https:\/\/jupyterlab\.github\.io\//, /^https:\/\/pypi\.org\//, /^https:\/\/(www\.)?jupyter\.org\//];

// What the page shows, read in the browser. Selectors were checked against JupyterLab 4.6.6.
const SEL = {
  panel: '.jp-NotebookPanel',
  cell: '.jp-Notebook .jp-Cell',
  codeCell: '.jp-Notebook .jp-Cell.jp-CodeCell',
  prompt: '.jp-InputArea-prompt', // "[*]:" while queued or running, "[3]:" once run, "[ ]:" never run
  output: '.jp-OutputArea-output', // carries data-mime-type of the rendered output
  dialog: '.jp-Dialog',
  indicator: '.jp-NotebookPanel .jp-Notebook-ExecutionIndicator', // data-status="idle" / "busy"
};

class HarnessError extends Error {}
class Usage extends Error {}

const t0 = Date.now();
const summary = {
  ok: false, notebook: null, kernel: null, tables: 0, svgs: 0, svg_inline: 0, svg_img: 0,
  errors: [], cells_run: 0, code_cells: 0, seconds: 0, failures: [],
  requests_blocked: [], requests_blocked_unexpected: [], console_errors: [], page_errors: [],
  dialogs: [], notebook_unchanged: null,
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- arguments -------------------------------------------------------------------------------
function parseArgs(argv) {
  const opts = { kernel: null, cells: null, timeoutS: 900 };
  const pos = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, null];
    const value = () => {
      if (inline !== null) return inline;
      if (i + 1 >= argv.length) throw new Usage(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--kernel') opts.kernel = value();
    else if (flag === '--cells') opts.cells = Number(value());
    else if (flag === '--timeout-s') opts.timeoutS = Number(value());
    else if (a.startsWith('--')) throw new Usage(`unknown option ${a}`);
    else pos.push(a);
  }
  if (pos.length !== 2) throw new Usage('need NOTEBOOK and SCREENSHOT');
  if (opts.cells !== null && !(Number.isInteger(opts.cells) && opts.cells > 0)) throw new Usage('--cells needs a positive integer');
  if (!(opts.timeoutS > 0)) throw new Usage('--timeout-s needs a positive number');
  // The notebook as the server sees it: relative to notebooks/, '/'-separated.
  const [nb, shot] = pos;
  let abs = resolve(nb);
  if (!existsSync(abs) || relative(NOTEBOOKS, abs).startsWith('..')) abs = resolve(NOTEBOOKS, nb);
  const rel = relative(NOTEBOOKS, abs);
  if (rel.startsWith('..') || !existsSync(abs) || !abs.endsWith('.ipynb')) throw new Usage(`no notebook ${nb} under ${NOTEBOOKS}`);
  return { ...opts, nbAbs: abs, nbRel: rel.split(sep).join('/'), shot: resolve(shot) };
}

// ---- JupyterLab process -----------------------------------------------------------------------
const freePort = () => new Promise((res, rej) => {
  const srv = createServer();
  srv.once('error', rej);
  srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => res(port)); });
});

const lab = { proc: null, exited: null, base: null, token: null, tmp: null, log: null, stopped: false };
const api = (path) => `${lab.base}${path}${path.includes('?') ? '&' : '?'}token=${lab.token}`;
async function getJson(path, timeoutMs = 10_000) {
  const r = await fetch(api(path), { signal: AbortSignal.timeout(timeoutMs) });
  if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status}`);
  return r.json();
}
const logTail = () => { try { return readFileSync(lab.log, 'utf8').split('\n').slice(-15).join('\n'); } catch { return ''; } };

async function startLab() {
  lab.tmp = mkdtempSync(join(tmpdir(), 'check_lab-'));
  // Throw-away user settings: never autosave (the notebook stays untouched), do not ask about
  // news, and attach every cell to the DOM so outputs below the fold can be counted.
  const settings = {
    '@jupyterlab/docmanager-extension/plugin': { autosave: false },
    '@jupyterlab/apputils-extension/notification': { fetchNews: 'false', checkForUpdates: false },
    '@jupyterlab/notebook-extension/tracker': { windowingMode: 'none' },
  };
  for (const [id, value] of Object.entries(settings)) {
    const file = join(lab.tmp, 'settings', `${id}.jupyterlab-settings`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(value));
  }
  mkdirSync(join(lab.tmp, 'workspaces'));
  lab.log = join(lab.tmp, 'lab.log');
  lab.token = randomBytes(24).toString('hex');
  const port = await freePort();
  lab.base = `http://127.0.0.1:${port}`;
  const fd = openSync(lab.log, 'a');
  lab.proc = spawn('bash', [join(ROOT, 'scripts', 'lab.sh'), '--no-browser', '--port', String(port),
    `--LabApp.user_settings_dir=${join(lab.tmp, 'settings')}`,
    `--LabApp.workspaces_dir=${join(lab.tmp, 'workspaces')}`,
    // JupyterLab copies a notebook to .ipynb_checkpoints/ when it opens it; keep that out of the tree.
    `--FileCheckpoints.checkpoint_dir=${join(lab.tmp, 'checkpoints')}`],
  { cwd: ROOT, detached: true, stdio: ['ignore', fd, fd],
    env: { ...process.env, JUPYTER_TOKEN: lab.token, JUPYTER_RUNTIME_DIR: join(lab.tmp, 'runtime') } });
  lab.exited = new Promise((res) => lab.proc.once('exit', (code, sig) => res(code ?? sig)));
  lab.proc.once('exit', (code, sig) => { lab.exitStatus = code ?? sig; });

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (lab.exitStatus !== undefined) throw new HarnessError(`scripts/lab.sh exited (${lab.exitStatus}) before answering:\n${logTail()}`);
    try { await getJson('/api/status', 2000); return; } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new HarnessError(`JupyterLab did not answer within 120 s:\n${logTail()}`);
    await sleep(500);
  }
}

// Processes below `pid`, with their start times (so a recycled pid is never killed).
function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return { ppid: Number(f[1]), pgid: Number(f[2]), start: f[19] };
  } catch { return null; }
}
function descendants(root) {
  const all = [];
  for (const d of readdirSync('/proc')) if (/^\d+$/.test(d)) { const st = procStat(d); if (st) all.push({ pid: Number(d), ...st }); }
  const out = []; const frontier = [root];
  while (frontier.length) { const p = frontier.pop(); for (const c of all) if (c.ppid === p) { out.push(c); frontier.push(c.pid); } }
  return out;
}
const alive = (p) => { const st = procStat(p.pid); return st !== null && st.start === p.start; };
const kill = (pid, sig) => { try { process.kill(pid, sig); } catch { /* gone */ } };

async function stopLab() {
  if (!lab.proc || lab.stopped) return;
  lab.stopped = true;
  // Kernels run in their own sessions, outside lab.sh's process group: note them first.
  const kids = lab.exitStatus === undefined ? descendants(lab.proc.pid) : [];
  if (lab.exitStatus === undefined) {
    try { await fetch(api('/api/shutdown'), { method: 'POST', signal: AbortSignal.timeout(5000) }); } catch { /* kill below */ }
    await Promise.race([lab.exited, sleep(10_000)]);
  }
  kill(-lab.proc.pid, 'SIGTERM');
  for (const k of kids) if (alive(k)) { if (k.pgid === k.pid) kill(-k.pid, 'SIGTERM'); kill(k.pid, 'SIGTERM'); }
  await Promise.race([lab.exited, sleep(3000)]);
  kill(-lab.proc.pid, 'SIGKILL');
  for (const k of kids) if (alive(k)) { if (k.pgid === k.pid) kill(-k.pid, 'SIGKILL'); kill(k.pid, 'SIGKILL'); }
  try { rmSync(lab.tmp, { recursive: true, force: true }); } catch { /* leave it */ }
}

// ---- browser -------------------------------------------------------------------------------
let browser = null;
let page = null;
let shotPath = null;

async function session(nbRel) {
  const sessions = await getJson('/api/sessions');
  return sessions.find((s) => s.path === nbRel && s.type === 'notebook') || null;
}

// Poll until `check()` returns a truthy value; throws `err` (built lazily) on timeout.
async function until(check, timeoutMs, err, everyMs = 500) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw err();
    await sleep(everyMs);
  }
}

const pageState = (page) => page.evaluate((SEL) => {
  const prompts = [...document.querySelectorAll(`${SEL.codeCell} ${SEL.prompt}`)].map((p) => p.textContent.trim());
  const cells = [...document.querySelectorAll(SEL.cell)];
  return {
    code_cells: prompts.length,
    running: prompts.filter((t) => t.includes('*')).length,
    run: prompts.filter((t) => /\[\d+\]/.test(t)).length,
    max_count: Math.max(0, ...prompts.map((t) => Number((t.match(/\[(\d+)\]/) || [])[1] || 0))),
    active: cells.findIndex((c) => c.classList.contains('jp-mod-active')),
    active_is_code: cells.some((c) => c.classList.contains('jp-mod-active') && c.classList.contains('jp-CodeCell')),
    n_cells: cells.length,
    indicator: document.querySelector(SEL.indicator)?.getAttribute('data-status') ?? null,
    dialogs: [...document.querySelectorAll(SEL.dialog)].map((d) => d.innerText.replace(/\s+/g, ' ').trim().slice(0, 200)),
  };
}, SEL);

async function clickMenu(page, menu, item) {
  await page.locator('.lm-MenuBar-item', { hasText: new RegExp(`^${menu}$`) }).click();
  const entry = page.locator('.lm-Menu-item:not(.lm-mod-hidden)', { has: page.locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^${item}$`) }) });
  await entry.waitFor({ state: 'visible', timeout: 10_000 });
  if (await entry.evaluate((e) => e.classList.contains('lm-mod-disabled'))) throw new HarnessError(`menu ${menu} > ${item} is disabled`);
  await entry.click();
}

async function run(opts) {
  summary.notebook = opts.nbRel;
  shotPath = opts.shot;
  const before = createHash('sha256').update(readFileSync(opts.nbAbs)).digest('hex');

  await startLab();

  if (opts.kernel) {
    const specs = await getJson('/api/kernelspecs');
    if (!specs.kernelspecs[opts.kernel]) throw new Usage(`no kernel ${opts.kernel}; have ${Object.keys(specs.kernelspecs).join(', ')}`);
    // A session made before the page opens the notebook is the one JupyterLab joins.
    const r = await fetch(api('/api/sessions'), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, signal: AbortSignal.timeout(60_000),
      body: JSON.stringify({ path: opts.nbRel, type: 'notebook', name: opts.nbRel.split('/').pop(), kernel: { name: opts.kernel } }),
    });
    if (!r.ok) throw new HarnessError(`could not start a ${opts.kernel} session: HTTP ${r.status} ${await r.text()}`);
  }

  browser = await launchOfflineChromium(); // the server is reached by its IP
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, serviceWorkers: 'block' });
  const local = (url) => { const u = new URL(url); return ['data:', 'blob:', 'about:'].includes(u.protocol) || u.origin === lab.base; };
  const blocked = (url) => {
    summary.requests_blocked.push(url);
    if (!OPTIONAL_FETCHES.some((re) => re.test(url))) summary.requests_blocked_unexpected.push(url);
  };
  // Every request goes through here: nothing leaves the machine.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (local(url)) return route.continue();
    blocked(url);
    return route.abort('blockedbyclient');
  });
  // Web sockets bypass context.route; the kernel's (to the server) pass, others are refused.
  await context.routeWebSocket((u) => `http://${u.host}` !== lab.base, (ws) => { blocked(ws.url()); ws.close(); });

  page = await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') summary.console_errors.push(`${msg.text()} @ ${msg.location().url || '?'}`.slice(0, 300)); });
  page.on('pageerror', (err) => summary.page_errors.push(String(err.message || err).slice(0, 300)));

  const nbUrl = `${lab.base}/lab/tree/${opts.nbRel.split('/').map(encodeURIComponent).join('/')}?token=${lab.token}`;
  await page.goto(nbUrl, { waitUntil: 'load', timeout: 120_000 });
  try {
    await page.locator(`${SEL.panel} ${SEL.cell}`).first().waitFor({ state: 'visible', timeout: 120_000 });
  } catch { throw new HarnessError('the notebook panel did not appear within 120 s'); }

  // The kernel: started (by us or by JupyterLab from the metadata), idle, and shown as idle.
  const s = await until(async () => {
    const st = await pageState(page);
    if (st.dialogs.length) throw new HarnessError(`dialog while starting the kernel: ${st.dialogs.join(' | ')}`);
    const sess = await session(opts.nbRel);
    return sess && sess.kernel && sess.kernel.execution_state === 'idle' && sess;
  }, 180_000, () => new HarnessError('the kernel did not become idle within 180 s'));
  summary.kernel = s.kernel.name;
  if (opts.kernel && s.kernel.name !== opts.kernel) throw new HarnessError(`session runs ${s.kernel.name}, not ${opts.kernel}`);
  await until(async () => (await pageState(page)).indicator === 'idle',
    30_000, () => new HarnessError('the notebook toolbar never showed the kernel idle'));

  // Start from empty outputs, so everything counted below comes from this run.
  // Focus the notebook by clicking the first cell's prompt (its left edge is the collapser).
  await page.locator(SEL.cell).first().locator(SEL.prompt).click();
  await clickMenu(page, 'Edit', 'Clear Outputs of All Cells');
  await until(() => page.evaluate((sel) => document.querySelectorAll(sel).length === 0, SEL.output),
    10_000, () => new HarnessError('outputs were not cleared'));
  const base = await pageState(page);

  if (opts.cells === null) {
    await clickMenu(page, 'Run', 'Run All Cells');
  } else {
    // The first cell is selected (clicked above); command mode, then Shift+Enter down the notebook.
    await page.keyboard.press('Escape');
    let ran = 0;
    while (ran < opts.cells) {
      const st = await pageState(page);
      if (st.active < 0) throw new HarnessError('no active cell');
      const last = st.active === st.n_cells - 1;
      await page.keyboard.press(last ? 'Control+Enter' : 'Shift+Enter'); // Shift+Enter on the last cell adds a cell
      if (st.active_is_code) ran++;
      if (last) break;
      await until(async () => (await pageState(page)).active !== st.active, 10_000,
        () => new HarnessError('Shift+Enter did not move to the next cell'), 50);
    }
  }

  // Done when the kernel is idle, no prompt shows [*], and the run visibly happened; held for 1.5 s.
  const deadline = t0 + opts.timeoutS * 1000;
  let seen = false; let calm = 0; let last = null;
  for (;;) {
    const st = await pageState(page);
    const sess = await session(opts.nbRel);
    const state = sess?.kernel?.execution_state;
    last = { ...st, state };
    if (st.running || state === 'busy' || st.indicator === 'busy' || st.max_count > base.max_count) seen = true;
    if (st.dialogs.length) { summary.dialogs = st.dialogs; break; }
    if (state === 'dead' || !sess) { summary.failures.push(`kernel ${state || 'gone'}`); break; }
    calm = seen && st.running === 0 && state === 'idle' && st.indicator === 'idle' ? calm + 1 : 0;
    if (calm >= 3) break;
    if (Date.now() > deadline) { summary.failures.push(`timeout: still running after ${opts.timeoutS} s (${st.running} cells at [*])`); break; }
    await sleep(500);
  }
  summary.code_cells = last.code_cells;
  summary.cells_run = last.run;

  Object.assign(summary, await page.evaluate((SEL) => {
    const outs = [...document.querySelectorAll(SEL.output)];
    const inline = outs.flatMap((o) => [...o.querySelectorAll('svg')]).filter((s) => !s.closest('.jp-OutputArea-output svg svg'));
    const imgs = document.querySelectorAll(`${SEL.output} img[src^="data:image/svg+xml"]`);
    const errors = outs.filter((o) => {
      const mime = o.getAttribute('data-mime-type');
      if (mime === 'application/vnd.jupyter.error') return true;
      return mime === 'application/vnd.jupyter.stderr' && /error|panicked|traceback/i.test(o.innerText);
    }).map((o) => o.innerText.trim().slice(0, 400));
    return {
      tables: document.querySelectorAll(`${SEL.output} table`).length,
      svg_inline: inline.length, svg_img: imgs.length, svgs: inline.length + imgs.length, errors,
    };
  }, SEL));

  // Screenshot of the whole notebook: grow the window to the notebook's height (capped), since
  // JupyterLab scrolls inside its panel and a full-page shot would only show one screen.
  const extra = await page.evaluate(() => {
    const sc = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');
    return sc ? Math.max(0, sc.scrollHeight - sc.clientHeight) : 0;
  });
  await page.setViewportSize({ width: 1400, height: Math.min(900 + extra, 16000) });
  await sleep(500);
  await page.screenshot({ path: opts.shot, fullPage: true });
  summary.screenshot = opts.shot;

  await browser.close();
  browser = null;
  await stopLab();
  summary.notebook_unchanged = createHash('sha256').update(readFileSync(opts.nbAbs)).digest('hex') === before;

  if (summary.tables < 1) summary.failures.push('no <table> in any output');
  if (summary.svgs < 1) summary.failures.push('no SVG in any output');
  if (summary.errors.length) summary.failures.push(`${summary.errors.length} error output(s)`);
  if (summary.dialogs.length) summary.failures.push('a dialog opened during the run');
  if (summary.requests_blocked_unexpected.length) summary.failures.push('the page tried to fetch from outside the server');
  if (!summary.notebook_unchanged) summary.failures.push('the notebook file changed');
}

// ---- main ---------------------------------------------------------------------------------
let finished = false;
async function finish(code, err) {
  if (finished) return; finished = true;
  if (err) summary.harness_error = String(err.message || err);
  if (browser && page && shotPath && !summary.screenshot) { // for the post-mortem
    try { await page.screenshot({ path: shotPath, timeout: 10_000 }); summary.screenshot = shotPath; } catch { /* no page */ }
  }
  try { if (browser) await browser.close(); } catch { /* already gone */ }
  try { await stopLab(); } catch (e) { summary.harness_error ??= `shutdown: ${e.message}`; code = 2; }
  for (const k of ['requests_blocked', 'requests_blocked_unexpected', 'console_errors', 'page_errors']) summary[k] = [...new Set(summary[k])];
  summary.seconds = Math.round((Date.now() - t0) / 100) / 10;
  summary.ok = code === 0;
  console.log(JSON.stringify(summary));
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => finish(2, new Error(`interrupted by ${sig}`)));
process.on('uncaughtException', (e) => finish(2, e));
process.on('unhandledRejection', (e) => finish(2, e));

let opts;
try { opts = parseArgs(process.argv.slice(2)); } catch (e) { console.error(`check_lab: ${e.message}\n${USAGE}`); process.exit(2); }
try {
  await run(opts);
  await finish(summary.failures.length ? 1 : 0);
} catch (e) {
  if (e instanceof Usage) console.error(`check_lab: ${e.message}`);
  await finish(2, e);
}
