// GitHub webhook deliveries → typed, compact Postern events. Each payload carries `title` and
// `url`, so a notify template works for every type without knowing GitHub's shapes.

const repoName = (p) => p.repository?.full_name ?? null;
const login = (user) => user?.login ?? null;

function base(p, title, url) {
  return {
    title,
    url: url ?? p.repository?.html_url ?? null,
    repository: repoName(p),
    sender: login(p.sender),
  };
}

function push(p) {
  const ref = typeof p.ref === "string" ? p.ref : "";
  const branch = ref.startsWith("refs/heads/") ? ref.slice(11) : null;
  const tag = ref.startsWith("refs/tags/") ? ref.slice(10) : null;
  const commits = Array.isArray(p.commits) ? p.commits : [];
  const what = p.deleted ? "deleted" : `pushed ${commits.length} commit${commits.length === 1 ? "" : "s"} to`;
  return {
    type: "github.push",
    payload: {
      ...base(
        p,
        `${login(p.pusher) ?? p.pusher?.name ?? "someone"} ${what} ${repoName(p)} ${branch ?? tag ?? ref}`,
        p.compare,
      ),
      ref,
      branch,
      tag,
      before: p.before ?? null,
      after: p.after ?? null,
      created: p.created === true,
      deleted: p.deleted === true,
      forced: p.forced === true,
      pusher: p.pusher?.name ?? null,
      commits: commits.slice(0, 20).map((c) => ({
        id: c.id,
        message: typeof c.message === "string" ? c.message.split("\n")[0] : "",
        url: c.url ?? null,
        author: c.author?.username ?? c.author?.name ?? null,
      })),
    },
  };
}

function issue(p) {
  const types = {
    opened: "github.issue_opened",
    closed: "github.issue_closed",
    reopened: "github.issue_reopened",
  };
  const type = types[p.action];
  if (type === undefined) return null;
  const i = p.issue ?? {};
  return {
    type,
    payload: {
      ...base(p, `Issue #${i.number} ${p.action} in ${repoName(p)}: ${i.title}`, i.html_url),
      action: p.action,
      number: i.number ?? null,
      issue_title: i.title ?? null,
      state: i.state ?? null,
      author: login(i.user),
      labels: Array.isArray(i.labels) ? i.labels.map((l) => l.name) : [],
    },
  };
}

function pullRequest(p) {
  const pr = p.pull_request ?? {};
  let action = p.action;
  if (action === "closed" && pr.merged === true) action = "merged";
  if (!["opened", "closed", "merged", "reopened"].includes(action)) return null;
  return {
    type: `github.pull_request_${action}`,
    payload: {
      ...base(p, `PR #${pr.number} ${action} in ${repoName(p)}: ${pr.title}`, pr.html_url),
      action,
      number: pr.number ?? null,
      pr_title: pr.title ?? null,
      author: login(pr.user),
      draft: pr.draft === true,
      base: pr.base?.ref ?? null,
      head: pr.head?.ref ?? null,
    },
  };
}

function release(p) {
  if (p.action !== "published") return null;
  const r = p.release ?? {};
  return {
    type: "github.release_published",
    payload: {
      ...base(p, `${repoName(p)} released ${r.name || r.tag_name}`, r.html_url),
      tag: r.tag_name ?? null,
      name: r.name ?? null,
      prerelease: r.prerelease === true,
      author: login(r.author),
    },
  };
}

function issueComment(p) {
  if (p.action !== "created") return null;
  const c = p.comment ?? {};
  const i = p.issue ?? {};
  const body = typeof c.body === "string" ? c.body : "";
  return {
    type: "github.issue_comment",
    payload: {
      ...base(p, `${login(c.user)} commented on #${i.number} in ${repoName(p)}: ${i.title}`, c.html_url),
      number: i.number ?? null,
      is_pull_request: i.pull_request !== undefined,
      author: login(c.user),
      body: body.length > 1000 ? `${body.slice(0, 1000)}…` : body,
    },
  };
}

function workflowRun(p) {
  if (p.action !== "completed") return null;
  const w = p.workflow_run ?? {};
  return {
    type: "github.workflow_run_completed",
    payload: {
      ...base(p, `${w.name} ${w.conclusion} on ${w.head_branch} in ${repoName(p)}`, w.html_url),
      workflow: w.name ?? null,
      conclusion: w.conclusion ?? null,
      branch: w.head_branch ?? null,
      commit: w.head_sha ?? null,
    },
  };
}

function star(p) {
  if (p.action !== "created") return null;
  const count = p.repository?.stargazers_count;
  return {
    type: "github.star",
    payload: { ...base(p, `${login(p.sender)} starred ${repoName(p)}`), stars: count ?? null },
  };
}

function ping(p) {
  return {
    type: "github.ping",
    payload: {
      ...base(p, `GitHub webhook ${p.hook_id ?? ""} is set up`.replace("  ", " ")),
      zen: p.zen ?? null,
      hook_id: p.hook_id ?? null,
    },
  };
}

const MAPPERS = {
  push,
  issues: issue,
  pull_request: pullRequest,
  release,
  issue_comment: issueComment,
  workflow_run: workflowRun,
  star,
  ping,
};

export const KNOWN_EVENTS = Object.keys(MAPPERS);

/**
 * `{event}` for a delivery that maps to a Postern event, `{skipped: reason}` for one that does
 * not (an unknown event name, or an action nobody asked for).
 */
export function mapDelivery(name, payload) {
  const mapper = MAPPERS[name];
  if (mapper === undefined) return { skipped: `GitHub event "${name}" is not one this plugin maps; ignored` };
  const event = mapper(payload);
  if (event === null) return { skipped: `GitHub "${name}" with action "${payload.action}" ignored` };
  return { event };
}
