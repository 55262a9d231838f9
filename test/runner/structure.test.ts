/**
 * Keeps the runner's layout honest: each concern small enough to read at once, and one place
 * outside the runner (the plugin-run assembly) that starts a plugin.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";
import { repoRoot } from "../helpers/paths.js";

const MAX_FUNCTION_LINES = 60;
const srcDir = join(repoRoot, "src");

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** Every function (declarations, methods, arrows) with its length in lines. */
function functionLengths(file: string): { where: string; lines: number }[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const found: { where: string; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      found.push({ where: `${relative(repoRoot, file)}:${first + 1}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("runner: structure", () => {
  it(`no function in src/runner/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
    const all = tsFiles(join(srcDir, "runner")).flatMap(functionLengths);
    assert.ok(all.length > 10, "the scan found the runner's functions");
    const long = all.filter((f) => f.lines > MAX_FUNCTION_LINES);
    assert.deepEqual(long, [], "split these by concern");
  });

  it("only the plugin-run assembly calls runPlugin outside src/runner/", () => {
    const callers = tsFiles(srcDir)
      .filter((file) => !relative(srcDir, file).startsWith("runner/"))
      .filter((file) => /\brunPlugin\(/.test(readFileSync(file, "utf8")))
      .map((file) => relative(repoRoot, file));
    assert.deepEqual(callers, ["src/plugin-run/run-command.ts"]);
  });
});
