// Render Graphviz DOT sources to SVG with @viz-js/viz (Graphviz compiled to
// WebAssembly, from npm): no system Graphviz and no network are needed.
// Input on stdin: {"name": "<dot source>", ...}; output on stdout:
// {"name": "<svg>", ...}. A source that Graphviz rejects stops the run with
// its error, so a broken picture never reaches a deck.
import { instance } from "@viz-js/viz";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const sources = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const viz = await instance();
const out = {};
for (const [name, dot] of Object.entries(sources)) {
  const result = viz.render(dot, { format: "svg" });
  if (result.status !== "success") {
    const why = result.errors.map((e) => `${e.level}: ${e.message}`).join("\n");
    process.stderr.write(`diagram ${name}: Graphviz refused it:\n${why}\n`);
    process.exit(1);
  }
  out[name] = result.output;
}
process.stdout.write(JSON.stringify(out));
