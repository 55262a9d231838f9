/** The scheduler (docs/scheduling.md): the daemon's heartbeat service and the read models status uses. */
export { createScheduler, Scheduler, type SchedulerOptions, type TickReport } from "./scheduler.js";
export { sleepFor } from "./timer.js";
export {
  type CircuitView,
  circuitsView,
  pluginsWithOpenCircuit,
  type ScheduleView,
  scheduleView,
} from "./view.js";
