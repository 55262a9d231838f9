import { type Document, isMap, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import { z } from "zod";
import { describe, formatProblem, type Problem } from "../core/errors.js";
import { COMMANDS, type Manifest } from "./types.js";

/** The only protocol this core speaks (docs/plugins.md). */
export const PROTOCOL_VERSION = 1;

/** Same alphabet as directory names we accept: no path separators, no leading dot. */
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

/** A manifest is a few lines; a bigger file is a mistake, not a manifest. */
export const MANIFEST_MAX_BYTES = 64 * 1024;

const keyList = z.array(z.string().min(1)).default([]).meta({ uniqueItems: true });

function addDuplicateIssues(
  items: readonly string[],
  what: string,
  ctx: z.RefinementCtx,
  prefix: (string | number)[] = [],
) {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item))
      ctx.addIssue({ code: "custom", path: [...prefix, i], message: `${what} "${item}" is listed twice` });
    seen.add(item);
  });
}

export const manifestSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .regex(NAME_PATTERN)
      .meta({ description: "Must equal the plugin's directory name." }),
    version: z
      .string()
      .min(1)
      .meta({ description: 'The plugin\'s own version; quote it ("1.0"), YAML reads 1.0 as a number.' }),
    // Any integer validates so that a newer plugin gets "protocol N is not supported", not a type error.
    protocol: z.int().meta({ description: "Protocol version; this core speaks protocol 1." }),
    entrypoint: z.string().min(1).meta({
      description: "Executable relative to the plugin directory; its shebang picks the interpreter.",
    }),
    description: z.string().optional(),
    commands: z
      .array(z.enum(COMMANDS))
      .min(1)
      .superRefine((cmds, ctx) => addDuplicateIssues(cmds, "command", ctx))
      .meta({ uniqueItems: true }),
    config_keys: z
      .strictObject({ required: keyList, optional: keyList })
      .superRefine((keys, ctx) => {
        addDuplicateIssues(keys.required, "key", ctx, ["required"]);
        addDuplicateIssues(keys.optional, "key", ctx, ["optional"]);
        const required = new Set(keys.required);
        keys.optional.forEach((k, i) => {
          if (required.has(k))
            ctx.addIssue({
              code: "custom",
              path: ["optional", i],
              message: `"${k}" is also listed as required`,
            });
        });
      })
      .default({ required: [], optional: [] }),
  })
  .meta({ title: "Postern plugin manifest (manifest.yaml)" });

const KNOWN_KEYS: Record<string, string[]> = {
  "": Object.keys(manifestSchema.shape),
  config_keys: ["required", "optional"],
};

/** JSON Schema for editors, generated from the schema the loader validates with. */
export function manifestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(manifestSchema, { io: "input" }) as Record<string, unknown>;
}

export type ManifestResult = { ok: true; manifest: Manifest } | { ok: false; reason: string };

type Path = (string | number)[];

class Locator {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  lineAt(offset: number): number {
    return this.lines.linePos(offset).line;
  }

  node(path: Path): Node | null {
    const n = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    return n && typeof n === "object" && "range" in n ? (n as Node) : null;
  }

  /** Line of a value, or of a key when `key` is given (the value of an unknown key may be far below). */
  line(path: Path, key?: string): number | null {
    if (key !== undefined) {
      const parent = this.node(path);
      const pair = isMap(parent)
        ? parent.items.find((p) => isScalar(p.key) && p.key.value === key)
        : undefined;
      const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
      return range ? this.lineAt(range[0]) : null;
    }
    const range = this.node(path)?.range;
    return range ? this.lineAt(range[0]) : null;
  }

  /** The text as written, so `1.0` is reported as `1.0`, not as the number 1. */
  source(path: Path): string | null {
    const n = this.node(path);
    return isScalar(n) && typeof n.source === "string" ? n.source : null;
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `the ${typeof value} ${show(value)}`;
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  int: "an integer",
  // zod reports a non-number given to z.int() as expecting "number"; every number here is an integer.
  number: "an integer",
  object: "a mapping",
  array: "a list",
};

function typeMessage(issue: z.core.$ZodIssueInvalidType, loc: Locator): string {
  if (issue.input === undefined) return "is required";
  const expected = EXPECTED[issue.expected] ?? issue.expected;
  const written = loc.source(issue.path as Path);
  if (issue.expected === "string" && written !== null && typeof issue.input !== "object") {
    const last = issue.path[issue.path.length - 1];
    const example = typeof last === "string" ? `${last}: "${written}"` : `"${written}"`;
    return `expected a string, got the ${typeof issue.input} ${written}; YAML reads it as a ${typeof issue.input}, so quote it: ${example}`;
  }
  return `expected ${expected}, got ${kind(issue.input)}`;
}

function issueProblems(issue: z.core.$ZodIssue, loc: Locator, file: string): Problem[] {
  const path = issue.path as Path;
  const at = (p: Path, message: string, key?: string): Problem => ({
    file,
    path: p.join("."),
    line: loc.line(key === undefined ? p : p.slice(0, -1), key),
    message,
  });
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = KNOWN_KEYS[path.join(".")];
      const hint = allowed ? ` (allowed: ${allowed.join(", ")})` : "";
      return issue.keys.map((k) => at([...path, k], `unknown key${hint}`, k));
    }
    case "invalid_type":
      return [at(path, typeMessage(issue, loc))];
    case "invalid_value":
      return [at(path, `expected one of ${issue.values.join(", ")}; got ${show(issue.input)}`)];
    case "too_small":
      return [at(path, issue.origin === "array" ? "must list at least one entry" : "must not be empty")];
    case "invalid_format":
      if (path.join(".") === "name")
        return [
          at(
            path,
            `must start with a lowercase letter or digit and use only a-z, 0-9, ".", "_", "-"; got ${show(issue.input)}`,
          ),
        ];
      return [at(path, issue.message)];
    default:
      return [at(path, issue.message)];
  }
}

function refuse(problems: Problem[]): ManifestResult {
  return { ok: false, reason: problems.map(formatProblem).join("; ") };
}

function yamlProblems(doc: Document.Parsed, loc: Locator, file: string): Problem[] {
  // Warnings (e.g. an unknown tag) would otherwise silently change a value's meaning.
  return [...doc.errors, ...doc.warnings].map((e) => ({
    file,
    path: "",
    line: loc.lineAt(e.pos[0]),
    message: e.message,
  }));
}

/**
 * Parses and validates manifest.yaml text. `file` labels the reason (e.g. "manifest.yaml");
 * `dirName` is the plugin directory's name, which `name` must equal.
 */
export function parseManifest(text: string, file: string, dirName: string): ManifestResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    version: "1.2",
    uniqueKeys: true,
    prettyErrors: false,
    lineCounter: lines,
  });
  const loc = new Locator(doc, lines);
  const syntax = yamlProblems(doc, loc, file);
  if (syntax.length > 0) return refuse(syntax);
  if (doc.contents === null)
    return refuse([
      {
        file,
        path: "",
        line: null,
        message: "is empty; it needs name, version, protocol, entrypoint and commands",
      },
    ]);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    return refuse([{ file, path: "", line: null, message: describe(e) }]);
  }

  // Checked before the schema: a newer protocol may bring keys this core does not know.
  const protocol = (data as { protocol?: unknown } | null)?.protocol;
  if (Number.isInteger(protocol) && protocol !== PROTOCOL_VERSION)
    return {
      ok: false,
      reason: `protocol ${protocol} is not supported (this core speaks protocol ${PROTOCOL_VERSION})`,
    };

  const parsed = manifestSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) return refuse(parsed.error.issues.flatMap((i) => issueProblems(i, loc, file)));

  const m = parsed.data;
  if (m.name !== dirName)
    return refuse([
      {
        file,
        path: "name",
        line: loc.line(["name"]),
        message: `"${m.name}" does not match the directory name "${dirName}" (rename one so they match)`,
      },
    ]);

  return {
    ok: true,
    manifest: {
      name: m.name,
      version: m.version,
      protocol: PROTOCOL_VERSION,
      entrypoint: m.entrypoint,
      description: m.description ?? null,
      commands: m.commands,
      config_keys: m.config_keys,
    },
  };
}
