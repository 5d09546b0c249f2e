// Reads a Mermaid file with Mermaid's own parser (this folder's packages, installed
// by scripts/test) and prints what it understood, one line each:
// `node ID SHAPE TEXT`, `subgraph ID TITLE`, `edge FROM TO STROKE TEXT`.
// Exits 1 with the parser's message when the text does not parse.
import { JSDOM } from "jsdom";
import { readFileSync } from "node:fs";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");

const text = readFileSync(process.argv[2], "utf8");
try {
  await mermaid.parse(text);
} catch (e) {
  console.log(`does not parse: ${e.message}`);
  process.exit(1);
}
const { db } = await mermaid.mermaidAPI.getDiagramFromText(text);
for (const [id, v] of db.getVertices()) console.log(`node ${id} ${v.type} ${v.text}`);
for (const s of db.getSubGraphs()) console.log(`subgraph ${s.id} ${s.title}`);
for (const e of db.getEdges()) console.log(`edge ${e.start} ${e.end} ${e.stroke} ${e.text}`);
