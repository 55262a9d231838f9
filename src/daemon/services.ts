import type { Service, ServiceDeps } from "../contracts/service.js";
import { createHttpListener } from "../http/server.js";
import { createScheduler } from "../scheduler/index.js";

/**
 * The services, in start order, which is also their stop order. They start after recovery and
 * before the dispatcher, and stop before the dispatcher drains at shutdown. The listener
 * first: binding it is the last check that can refuse a start, so it comes before the
 * scheduler enqueues anything (docs/design.md, "Start order"); and it stops first, so no
 * webhook arrives during shutdown.
 */
export function createServices(deps: ServiceDeps): Service[] {
  return [
    createHttpListener(deps),
    createScheduler(deps, deps.isHealthy ? { isHealthy: deps.isHealthy } : {}),
  ];
}
