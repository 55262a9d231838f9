import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Config, loadConfig } from "../../src/config/index.js";
import { formatProblem, type Problem } from "../../src/core/errors.js";

let root: string | null = null;

/** One temp root per test file, removed when the process exits. */
function tempRoot(): string {
  if (root === null) {
    const created = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "postern-config-")));
    root = created;
    process.on("exit", () => fs.rmSync(created, { recursive: true, force: true }));
  }
  return root;
}

/** Joins lines into a YAML text (plain strings, so `${VAR}` needs no escaping). */
export function yaml(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/** Writes `text` as a config file in a fresh directory and returns its absolute path. */
export function writeConfig(text: string | Buffer, name = "postern.yaml"): string {
  const dir = fs.mkdtempSync(path.join(tempRoot(), "case-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

export function show(problems: readonly Problem[]): string {
  return problems.map(formatProblem).join("\n");
}

export function configOf(text: string, env: Record<string, string | undefined> = {}): Config {
  const result = loadConfig(writeConfig(text), env);
  if (!result.ok) assert.fail(`expected the config to load, got:\n${show(result.errors)}`);
  return result.config;
}

export function errorsOf(text: string, env: Record<string, string | undefined> = {}): Problem[] {
  const result = loadConfig(writeConfig(text), env);
  if (result.ok) assert.fail("expected problems, but the config loaded");
  return result.errors;
}

/** The problem at `path` (exact dotted path); fails with every problem listed when absent. */
export function problemAt(problems: readonly Problem[], pathText: string): Problem {
  const found = problems.find((p) => p.path === pathText);
  if (found === undefined) assert.fail(`no problem at "${pathText}"; got:\n${show(problems)}`);
  return found;
}

/** A minimal valid file with plugins a, b (enough for references). */
export const TWO_PLUGINS = ["plugins:", "  a: {}", "  b: {}"];
