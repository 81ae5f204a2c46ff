// Screenshot every slide of the built decks in the system's Chromium and say,
// per slide, whether its content overflows the slide and whether its pictures
// loaded. The pytest side (test_slide_screenshots.py) builds the decks, runs
// this script and judges the PNG files (blank or not) and the report.
//
//   node shoot.mjs '{"deck": "/tmp/deck", "langs": ["en", "fr"], "outDir": "/tmp/shots"}'
//
// playwright-core comes from tests/browser (installed there by ./run).
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(new URL("../browser/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const config = JSON.parse(process.argv[2]);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const report = [];
try {
  for (const lang of config.langs) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(pathToFileURL(join(config.deck, lang, "index.html")).href);
    await page.waitForFunction(() => window.Reveal && window.Reveal.isReady());
    await page.evaluate(() => window.Reveal.configure({ transition: "none", backgroundTransition: "none" }));
    const indices = await page.evaluate(() =>
      window.Reveal.getSlides().map((s) => window.Reveal.getIndices(s)));
    for (const { h, v } of indices) {
      await page.evaluate(([h, v]) => window.Reveal.slide(h, v ?? 0), [h, v]);
      await page.waitForTimeout(150);
      const seen = await page.evaluate(async () => {
        const slide = window.Reveal.getCurrentSlide();
        const images = [...slide.querySelectorAll("img")];
        await Promise.all(images.map((img) => img.decode().catch(() => null)));
        const frame = document.querySelector(".reveal .slides").getBoundingClientRect();
        const outside = [];
        for (const el of slide.querySelectorAll("*")) {
          if (el.closest("aside.notes")) continue;
          const r = el.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue;
          if (r.bottom > frame.bottom + 2 || r.right > frame.right + 2 || r.left < frame.left - 2) {
            outside.push(`${el.tagName.toLowerCase()}: ${(el.textContent || el.getAttribute("src") || "").trim().slice(0, 60)}`);
          }
        }
        return {
          title: (slide.querySelector("h1, h2, h3")?.textContent || "").trim(),
          images: images.map((img) => ({ src: img.getAttribute("src"), ok: img.complete && img.naturalWidth > 0 })),
          outside: outside.slice(0, 5),
        };
      });
      const file = join(config.outDir, `${lang}-${String(h).padStart(2, "0")}-${v ?? 0}.png`);
      await page.screenshot({ path: file });
      report.push({ lang, h, v: v ?? 0, file, ...seen });
    }
    await page.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report));
