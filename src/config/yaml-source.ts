/**
 * Reads the config text as exactly one YAML 1.2 document and keeps its AST, so that any key
 * path (from zod, interpolation or a cross-check) can be mapped back to a line.
 */

import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  visit,
  type YAMLError,
} from "yaml";
import { describe } from "../core/errors.js";
import type { KeyPath, PathProblem } from "./paths.js";

/** Most alias expansions accepted: enough for sharing a block, far too few for an alias bomb. */
export const MAX_ALIAS_COUNT = 100;

export interface SourceProblem extends PathProblem {
  line: number | null;
}

/** Line of the node at a key path, or of its nearest existing parent; null only without a document. */
export type LineLookup = (path: KeyPath) => number | null;

export interface YamlSource {
  /** Plain data (objects, arrays, strings, numbers, booleans, null); may share aliased objects. */
  value: unknown;
  lineOf: LineLookup;
}

/**
 * The library's own duplicate-key check (uniqueKeys) compares every key of a map with every
 * other: quadratic, 16 s for a map of 50k keys. duplicateKeys() below finds the same in one
 * pass and names the full key path, so the library's is off. Any error the library reports is
 * then one after which the tree no longer says what the author meant.
 */
export const YAML_PARSE_OPTIONS = {
  version: "1.2",
  uniqueKeys: false,
  stringKeys: true,
  // Without known tags, `!!binary`, `!!timestamp` or `!!set` cannot smuggle non-JSON values in.
  resolveKnownTags: false,
  logLevel: "silent",
} as const;

function lineAt(lc: LineCounter, node: unknown): number | null {
  const range = (node as { range?: readonly number[] } | null | undefined)?.range;
  return range?.[0] === undefined ? null : lc.linePos(range[0]).line;
}

function keyOf(node: unknown): string | null {
  return isScalar(node) ? String(node.value) : null;
}

/** The YAML library's wording where it is obscure, in plain words with what to do. */
function plainYamlError(error: YAMLError): SourceProblem {
  const described = describeYamlError(error, "YAML syntax error: ");
  if (error.code === "TAB_AS_INDENT") {
    return {
      ...described,
      message:
        "a tab is used for indentation; YAML indents with spaces only: replace the tab(s) at the start of this line with spaces",
    };
  }
  if (error.code === "MULTILINE_IMPLICIT_KEY") {
    return {
      ...described,
      message: `${described.message}: probably a missing colon: each key is written "key: value" (or "key:" before an indented block), with a space after the colon`,
    };
  }
  return described;
}

function describeYamlError(error: YAMLError, prefix: string): SourceProblem {
  const first = error.message.split("\n")[0] ?? error.message;
  const text =
    error.code === "NON_STRING_KEY"
      ? "keys must be plain strings (no lists or mappings as keys)"
      : first.replace(/ at line \d+, column \d+:?$/, "");
  const pos = error.linePos?.[0];
  return {
    path: [],
    line: pos?.line ?? null,
    message: `${prefix}${text}${pos ? ` (column ${pos.col})` : ""}`,
  };
}

/** The last occurrence wins, as when the document is converted to data. */
function lastPair<P extends { key: unknown }>(pairs: readonly P[], key: string): P | undefined {
  for (let i = pairs.length - 1; i >= 0; i -= 1) {
    const pair = pairs[i] as P;
    if (keyOf(pair.key) === key) return pair;
  }
  return undefined;
}

function makeLineOf(doc: Document.Parsed, lc: LineCounter): LineLookup {
  return (path) => {
    let node: unknown = doc.contents;
    let line = lineAt(lc, node) ?? 1;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = lastPair(node.items, String(segment));
        if (pair === undefined) break;
        line = lineAt(lc, pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number") {
        const item = node.items[segment];
        if (item === undefined) break;
        line = lineAt(lc, item) ?? line;
        node = item;
      } else break;
    }
    return line;
  };
}

/** Duplicate keys with their full path; aliases are not followed (they repeat, by design). */
function duplicateKeys(doc: Document.Parsed, lc: LineCounter): SourceProblem[] {
  const problems: SourceProblem[] = [];
  const walk = (node: unknown, path: KeyPath): void => {
    if (isMap(node)) {
      const seen = new Map<string, number | null>();
      for (const pair of node.items) {
        const key = keyOf(pair.key);
        if (key === null) continue;
        const line = lineAt(lc, pair.key);
        const first = seen.get(key);
        if (first !== undefined) {
          const where = first === null ? "" : ` (first at line ${first})`;
          problems.push({ path: [...path, key], line, message: `duplicate key "${key}"${where}` });
        } else seen.set(key, line);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        walk(item, [...path, index]);
      });
    }
  };
  walk(doc.contents, []);
  return problems;
}

function firstAliasLine(doc: Document.Parsed, lc: LineCounter): number | null {
  let line: number | null = null;
  visit(doc, {
    Alias(_key, node: Node) {
      line = lineAt(lc, node);
      return visit.BREAK;
    },
  });
  return line;
}

function toData(doc: Document.Parsed, lc: LineCounter): { value: unknown } | SourceProblem {
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (e) {
    const message = describe(e);
    const text = message.startsWith("Excessive alias count")
      ? `aliases expand to too many nodes (limit ${MAX_ALIAS_COUNT}): refusing a possible alias bomb`
      : `YAML: ${message}`;
    return { path: [], line: firstAliasLine(doc, lc), message: text };
  }
}

/** Parses `text`; `source` is null when the problems make the content unusable. */
export function readYaml(text: string): { source: YamlSource | null; problems: SourceProblem[] } {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { ...YAML_PARSE_OPTIONS, lineCounter: lc });
  const problems: SourceProblem[] = [];
  if ("empty" in docs) {
    for (const error of docs.errors) problems.push(describeYamlError(error, "YAML syntax error: "));
    if (problems.length === 0) problems.push({ path: [], line: null, message: "the config file is empty" });
    return { source: null, problems };
  }
  let fatal = false;
  for (const doc of docs) {
    // A tab in the indentation throws every following line out of alignment: the parser's
    // follow-up errors would only bury the one cause, so each tabbed line is reported alone.
    const tabs = doc.errors.filter((e) => e.code === "TAB_AS_INDENT");
    for (const error of tabs.length > 0 ? tabs : doc.errors) {
      problems.push(plainYamlError(error));
      fatal = true;
    }
    for (const warning of doc.warnings) problems.push(describeYamlError(warning, "YAML: "));
  }
  const [doc, second] = docs;
  if (doc === undefined) return { source: null, problems };
  if (second !== undefined) {
    const line = lc.linePos(second.range[0]).line;
    problems.push({
      path: [],
      line,
      message: `found ${docs.length} YAML documents; a config file holds exactly one (remove the "---" separator)`,
    });
    return { source: null, problems };
  }
  if (doc.directives.yaml.explicit && doc.directives.yaml.version !== "1.2") {
    problems.push({
      path: [],
      line: 1,
      message: `only YAML 1.2 is supported; remove the %YAML ${doc.directives.yaml.version} directive`,
    });
    return { source: null, problems };
  }
  problems.push(...duplicateKeys(doc, lc));
  if (fatal) return { source: null, problems };
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    problems.push({ path: [], line: null, message: "the config file is empty" });
    return { source: null, problems };
  }
  const data = toData(doc, lc);
  if (!("value" in data)) {
    problems.push(data);
    return { source: null, problems };
  }
  return { source: { value: data.value, lineOf: makeLineOf(doc, lc) }, problems };
}
