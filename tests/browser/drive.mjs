// Drives JupyterLab in the system's Chromium with playwright-core and reports
// what it saw as JSON on stdout. The pytest side (test_jupyterlab.py) starts
// the lab, runs this script, then checks the saved notebooks and the cluster.
//
//   node drive.mjs '{"base": "http://127.0.0.1:8899", "token": "...", "outDir": "...",
//                    "notebooks": [{"path": "01-getting-started.ipynb", "mode": "all"}]}'
import { chromium } from "playwright-core";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const config = JSON.parse(process.argv[2]);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

const browser = await chromium.launch({
  executablePath,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const log = (msg) => process.stderr.write(`[drive] ${msg}\n`);
const results = [];
// Earlier notebooks stay open in hidden tabs: look only at the visible one.
const PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)";
const inPanel = (sel) => page.locator(`${PANEL} ${sel}`);

async function acceptDialogs() {
  // A "Select Kernel" question may pop up: take the proposed Python kernel. Any
  // other dialog (a "Cannot open ... Failed to fetch" a loaded server may cause)
  // is closed with its own button, or Escape: it would cover every later click.
  for (let i = 0; i < 6; i++) {
    const accept = page.locator(".jp-Dialog .jp-mod-accept");
    const other = page.locator(".jp-Dialog button");
    if (await accept.count()) {
      log(`dialog: ${(await page.locator(".jp-Dialog").first().getAttribute("aria-label")) || "?"} (accepted)`);
      await accept.first().click({ timeout: 5000 }).catch(() => page.keyboard.press("Escape"));
    } else if (await other.count()) {
      log(`dialog: ${(await page.locator(".jp-Dialog").first().getAttribute("aria-label")) || "?"} (closed)`);
      await other.last().click({ timeout: 5000 }).catch(() => page.keyboard.press("Escape"));
    }
    await page.waitForTimeout(300);
  }
}

async function palette(command, prepare = async () => {}) {
  // The palette can close again before it is typed into (focus moves when a
  // kernel becomes ready or a dialog comes and goes): open it again, a few times.
  // `prepare` runs before every attempt: a dialog that came and went may have
  // moved the active cell, which commands such as "Run All Above" depend on.
  const input = page.locator(".lm-CommandPalette-input");
  for (let attempt = 1; ; attempt++) {
    try {
      await prepare();
      if (!(await input.isVisible())) await page.keyboard.press("Control+Shift+C");
      await input.waitFor({ state: "visible", timeout: 10000 });
      await input.fill(command, { timeout: 10000 });
      await page.locator(".lm-CommandPalette-item", { hasText: command }).first()
        .click({ timeout: 10000 });
      return;
    } catch (err) {
      if (attempt >= 4) throw err;
      log(`palette "${command}": attempt ${attempt} failed (${String(err.message).split("\n")[0]})`);
      await acceptDialogs();
    }
  }
}

async function counts() {
  return page.evaluate((panelSel) => {
    const panel = document.querySelector(panelSel);
    const prompts = [...panel.querySelectorAll(".jp-CodeCell .jp-InputPrompt")]
      .map((p) => p.textContent.trim());
    const indicator = panel.querySelector(".jp-Notebook-ExecutionIndicator");
    return {
      codeCells: panel.querySelectorAll(".jp-CodeCell").length,
      // Cells whose source is hidden (the exercise solutions) show no prompt number.
      hiddenInputs: panel.querySelectorAll(".jp-CodeCell .jp-InputPlaceholder").length,
      executed: prompts.filter((t) => /\[\d+\]/.test(t)).length,
      running: prompts.filter((t) => t.includes("*")).length,
      idle: indicator ? indicator.getAttribute("data-status") === "idle" : false,
    };
  }, PANEL);
}

for (const nb of config.notebooks) {
  const result = { path: nb.path, screenshots: [] };
  results.push(result);
  const url = `${config.base}/lab/tree/${nb.path}?token=${config.token}`;
  log(`opening ${url}`);
  await page.goto(url);
  await inPanel(".jp-Notebook").first().waitFor({ timeout: 60000 });
  await acceptDialogs();
  // Wait for the kernel to be ready before running anything.
  await page.waitForFunction((panelSel) => {
    const el = document.querySelector(`${panelSel} .jp-Notebook-ExecutionIndicator`);
    return el && el.getAttribute("data-status") === "idle";
  }, PANEL, { timeout: 60000 });
  if (nb.mode === "above-last") {
    await palette("Run All Above Selected Cell", async () => {
      if (await page.locator(".jp-Dialog").count()) await acceptDialogs();
      if (await page.locator(".lm-CommandPalette-input").isVisible()) await page.keyboard.press("Escape");
      await inPanel(".jp-Cell").last().locator(".jp-InputArea-prompt").click({ timeout: 10000 });
    });
  } else {
    await palette("Run All Cells");
  }
  const deadline = Date.now() + (nb.timeoutMs || 240000);
  let state = await counts();
  let quiet = 0;
  await page.waitForTimeout(1000);
  while (Date.now() < deadline) {
    state = await counts();
    quiet = state.running === 0 && state.idle && state.executed > 0 ? quiet + 1 : 0;
    if (quiet >= 4) break;   // idle for 2 s in a row: the run is over
    await page.waitForTimeout(500);
  }
  result.cells = state;
  await page.waitForTimeout(1500); // let widgets and images finish rendering
  result.tables = await inPanel(".jp-OutputArea-output table").count();
  result.images = await inPanel(".jp-OutputArea-output img").count();
  result.sliders = await inPanel(".widget-hslider").count();
  // Exercise cards (k8slab.exercises.Result): the language they were drawn in, and their words.
  result.checkCards = await inPanel(".k8slab-check").evaluateAll(
    (els) => els.map((e) => ({ lang: e.getAttribute("lang"), text: e.textContent })));
  result.errorOutputs = await inPanel(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").filter({ hasText: "Traceback" }).count();
  await acceptDialogs();
  const shot = join(config.outDir, nb.path.replace(".ipynb", "-ran.png").replaceAll("/", "-"));
  const firstOutput = inPanel(nb.moveSlider ? ".jp-OutputArea-output img" : ".jp-OutputArea-output table").first();
  if (await firstOutput.count()) await firstOutput.scrollIntoViewIfNeeded();
  await page.screenshot({ path: shot, fullPage: false });
  result.screenshots.push(shot);
  if (nb.moveSlider && result.sliders > 0) {
    const slider = inPanel(".widget-hslider").first();
    await slider.scrollIntoViewIfNeeded();
    result.sliderBefore = (await slider.locator(".widget-readout").first().textContent())?.trim();
    const handle = slider.locator(".noUi-handle").first();
    await handle.focus();
    for (let i = 0; i < nb.moveSlider; i++) {
      await page.keyboard.press("ArrowRight");
      await page.waitForTimeout(150);
    }
    await page.waitForTimeout(nb.settleMs || 4000);
    result.sliderReadout = (await slider.locator(".widget-readout").first().textContent())?.trim();
    const moved = join(config.outDir, nb.path.replace(".ipynb", "-slider.png").replaceAll("/", "-"));
    await slider.screenshot({ path: moved });
    result.screenshots.push(moved);
  }
  await page.keyboard.press("Control+S");
  await page.waitForTimeout(1000);
}

await browser.close();
writeFileSync(join(config.outDir, "results.json"), JSON.stringify(results, null, 2));
process.stdout.write(JSON.stringify(results));
