/**
 * The layout's rules, checked on the source (docs/design.md, "Layout"): dependencies point one
 * way. A file that breaks a rule is named with the import that breaks it.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "../helpers/paths.js";

const srcRoot = path.join(repoRoot, "src");

interface Import {
  from: string;
  /** Repository-relative path of the imported file, or the bare specifier of a package. */
  to: string;
  line: number;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

const importPattern =
  /^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"|^\s*import\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/gms;

function importsOf(file: string): Import[] {
  const text = fs.readFileSync(file, "utf8");
  const from = path.relative(repoRoot, file);
  const found: Import[] = [];
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[1] ?? match[2] ?? match[3] ?? "";
    const line = text.slice(0, match.index).split("\n").length;
    if (!specifier.startsWith(".")) {
      found.push({ from, to: specifier, line });
      continue;
    }
    let target = path.resolve(path.dirname(file), specifier).replace(/\.js$/, ".ts");
    if (!fs.existsSync(target) && fs.existsSync(target.replace(/\.ts$/, "/index.ts"))) {
      target = target.replace(/\.ts$/, "/index.ts");
    }
    found.push({ from, to: path.relative(repoRoot, target), line });
  }
  return found;
}

const files = sourceFiles(srcRoot);
const imports = files.flatMap(importsOf);
const local = imports.filter((i) => i.to.startsWith("src/"));
const show = (list: Import[]) => list.map((i) => `${i.from}:${i.line} imports ${i.to}`).join("\n");

describe("the layout keeps its dependencies pointing one way", () => {
  it("finds the source and its imports (the check itself works)", () => {
    assert.ok(files.length > 50, `only ${files.length} files under ${srcRoot}`);
    assert.ok(local.some((i) => i.from === "src/cli/commands/start.ts" && i.to.startsWith("src/daemon/")));
  });

  it("nothing outside src/daemon/ imports it, except the start command", () => {
    const bad = local.filter(
      (i) =>
        i.to.startsWith("src/daemon/") &&
        !i.from.startsWith("src/daemon/") &&
        i.from !== "src/cli/commands/start.ts",
    );
    assert.equal(show(bad), "");
  });

  it("src/core/ imports only src/core/ (and no I/O module of Node)", () => {
    const bad = imports.filter(
      (i) =>
        i.from.startsWith("src/core/") &&
        (i.to.startsWith("src/")
          ? !i.to.startsWith("src/core/")
          : i.to.startsWith("node:") && i.to !== "node:crypto"),
    );
    assert.equal(show(bad), "");
  });

  it("src/contracts/ sits below its users: it imports no service, the daemon, the CLI or the runner", () => {
    const above = [
      "src/daemon/",
      "src/cli/",
      "src/http/",
      "src/scheduler/",
      "src/status/",
      "src/dispatcher/",
      "src/runner/",
    ];
    const bad = local.filter(
      (i) => i.from.startsWith("src/contracts/") && above.some((dir) => i.to.startsWith(dir)),
    );
    assert.equal(show(bad), "");
  });

  it("no import cycles between source files", () => {
    const edges = new Map<string, string[]>();
    for (const i of local) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
    const cycles = stronglyConnected(edges).filter((component) => component.length > 1);
    assert.equal(cycles.map((c) => c.sort().join(" → ")).join("\n"), "");
  });
});

/** Tarjan's algorithm, iterative enough for a source tree (depth = longest import chain). */
function stronglyConnected(edges: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component);
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return components;
}
