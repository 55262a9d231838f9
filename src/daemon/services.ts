import type { Service, ServiceDeps } from "../contracts/service.js";
import { createHttpListener } from "../http/server.js";
import { createScheduler } from "../scheduler/index.js";

/**
 * The services, in start order. Each is started after recovery and the dispatcher, and stopped
 * (in reverse order) before the dispatcher drains at shutdown. The listener last: it starts
 * last and stops first (no webhook arrives during shutdown).
 */
export function createServices(deps: ServiceDeps): Service[] {
  return [
    createScheduler(deps, deps.isHealthy ? { isHealthy: deps.isHealthy } : {}),
    createHttpListener(deps),
  ];
}
