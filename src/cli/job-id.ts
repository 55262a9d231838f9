/**
 * A job named on the command line (docs/jobs.md, "The operator commands"): its full id or any unique prefix of at least
 * 8 characters. UUIDv7 ids begin with a timestamp, so 8 characters often match every job of
 * the same minute: an ambiguous prefix lists the candidates to pick from.
 */
import { PosternError } from "../core/errors.js";
import type { Job, Store } from "../store/index.js";
import { noSuchJob } from "./commands/args.js";

export const MIN_ID_PREFIX = 8;
/** Candidates listed for an ambiguous prefix (the query reads one more, to say "more"). */
const MAX_CANDIDATES = 10;

/**
 * Checks the argument before any database is opened. Too short or not id-like exits 1, like
 * an id that names no job: in each case no job was named (the command line itself was fine).
 */
export function jobIdArg(text: string): string {
  const id = text.trim().toLowerCase();
  if (id.length < MIN_ID_PREFIX) {
    throw new PosternError(
      "job_id_short",
      `"${text}" is too short to name a job: give its full id or at least ${MIN_ID_PREFIX} of its first characters (as \`jobs list\` prints them)`,
    );
  }
  if (!/^[0-9a-f-]+$/.test(id)) {
    throw new PosternError(
      "job_id_invalid",
      `"${text}" is not a job id: ids are made of 0-9, a-f and "-" (as \`jobs list\` prints them)`,
    );
  }
  return id;
}

/** The one job the argument names; not found or ambiguous is an error (exit 1). */
export function findJob(store: Store, id: string): Job {
  const matches = store.jobsByIdPrefix(id, MAX_CANDIDATES + 1);
  const exact = matches.find((j) => j.id === id);
  if (exact !== undefined) return exact;
  const [only, second] = matches;
  if (only === undefined) throw noSuchJob(id);
  if (second === undefined) return only;
  const shown = matches.slice(0, MAX_CANDIDATES);
  const more = matches.length > MAX_CANDIDATES ? `more than ${MAX_CANDIDATES}` : String(matches.length);
  throw new PosternError(
    "job_id_ambiguous",
    `job id prefix ${id} is ambiguous: ${more} jobs start with it; give more characters:\n${shown
      .map((j) => `  ${j.id}  ${j.plugin} ${j.command}, ${j.status}, created ${j.created_at}`)
      .join("\n")}`,
  );
}
