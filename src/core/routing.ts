/**
 * Route matching (docs/jobs.md, "Events and routing"): exact `from` and `event_type`, every match fires, in config order.
 * A route configured twice fires twice: the config says so, and deduplicating it here would
 * hide a mistake the operator can see in `jobs show`.
 */
export interface RouteRule {
  from: string;
  event_type: string;
  to: string;
}

export function matchRoutes(routes: readonly RouteRule[], emitter: string, eventType: string): string[] {
  const targets: string[] = [];
  for (const route of routes) {
    if (route.from === emitter && route.event_type === eventType) targets.push(route.to);
  }
  return targets;
}
