import type { AttemptRow, RunRow, ScheduleRow } from '../domain/types.js';
import type { Engine } from '../engine/engine.js';
import type { EngineEvents } from '../engine/events.js';
import type { RunLogRead } from '../engine/run-log-follower.js';
import type { HandlerView, OneOffRunInput, ScheduleInput, SchedulePatchInput } from '../engine/types.js';
import type { Page, RunQuery, RunStats, RunStatsQuery, RunTimelineBucket, RunTimelineQuery, ScheduleQuery } from '../store/store.js';
import { compileBodyValidator } from '../api/validation.js';
import type { Governor } from '../governor/index.js';
import { handlerDetail, type HandlerDetailView } from '../handlers/detail.js';
import { RunCreate } from '../schemas/run.js';
import { ScheduleCreate, SchedulePatch } from '../schemas/schedule.js';
import { compileTrigger, parseTrigger } from '../triggers/index.js';

export type EngineEventName = keyof EngineEvents;

/**
 * What a microsite may do with the scheduler: the same operations as the REST API, through the
 * engine (so that events, validation and policies apply), and never the database. Rows use
 * epoch milliseconds; validation failures throw ValidationError with the field, as the API does.
 */
export interface PortalApi {
  schedules: {
    list(query: ScheduleQuery): Promise<Page<ScheduleRow>>;
    count(): Promise<number>;
    /** The unpaused schedules that fire next, soonest first (at most 500). */
    nextDue(limit: number): Promise<ScheduleRow[]>;
    get(id: string): Promise<ScheduleRow>;
    create(input: ScheduleInput): Promise<ScheduleRow>;
    update(id: string, patch: SchedulePatchInput): Promise<ScheduleRow>;
    pause(id: string): Promise<ScheduleRow>;
    resume(id: string): Promise<ScheduleRow>;
    remove(id: string): Promise<void>;
    runNow(id: string): Promise<RunRow>;
    /** The next `count` fire times of a stored schedule, and its trigger in words. */
    upcoming(id: string, count: number): Promise<{ times: number[]; description: string }>;
    describe(schedule: ScheduleRow): string;
    /** Validate a trigger that is not stored yet and show its next fire times (live form feedback). */
    preview(trigger: unknown, count: number, now?: number): { times: number[]; description: string };
  };
  runs: {
    list(query: RunQuery): Promise<Page<RunRow>>;
    get(id: string): Promise<{ run: RunRow; attempts: AttemptRow[] }>;
    create(input: OneOffRunInput): Promise<RunRow>;
    cancel(id: string): Promise<RunRow>;
    /** Run a finished run's job again, as a new run. */
    retry(id: string): Promise<RunRow>;
    stats(query: RunStatsQuery): Promise<RunStats>;
    timeline(query: RunTimelineQuery): Promise<RunTimelineBucket[]>;
    /** A page of a run's log (lines after `after`), with the run's status. */
    logs(id: string, query: { after?: number; limit: number }): Promise<RunLogRead>;
  };
  handlers: {
    list(): Promise<HandlerView[]>;
    /** One handler: type, methods with schemas and 24 h stats, health, governor state. Throws NotFoundError. */
    get(id: string): Promise<HandlerDetailView>;
  };
  /** Listen to engine events (for live pages); returns the function that stops listening. */
  /** The server's OpenAPI document (for API reference pages). */
  openapi(): Record<string, unknown>;
  on<E extends EngineEventName>(event: E, listener: (...args: EngineEvents[E]) => void): () => void;
  now(): number;
}

export function createPortalApi(engine: Engine, openapi: () => Record<string, unknown>, governor: () => Governor | null = () => null): PortalApi {
  // Microsites are not trusted to validate: their input goes through the API's own schemas.
  const scheduleCreate = compileBodyValidator<ScheduleInput>(ScheduleCreate);
  const schedulePatch = compileBodyValidator<SchedulePatchInput>(SchedulePatch);
  const runCreate = compileBodyValidator<OneOffRunInput>(RunCreate);
  const copy = <T>(value: T): T => structuredClone(value);
  return {
    schedules: {
      list: (query) => engine.listSchedules(query),
      count: () => engine.store.countSchedules(),
      nextDue: (limit) => engine.nextDue(limit),
      get: (id) => engine.getSchedule(id),
      create: async (input) => engine.createSchedule(scheduleCreate(copy(input))),
      update: async (id, patch) => engine.updateSchedule(id, schedulePatch(copy(patch))),
      pause: (id) => engine.pauseSchedule(id),
      resume: (id) => engine.resumeSchedule(id),
      remove: (id) => engine.deleteSchedule(id),
      runNow: (id) => engine.runScheduleNow(id),
      upcoming: async (id, count) => {
        const { times, description } = await engine.upcoming(id, count);
        return { times, description };
      },
      describe: (schedule) => engine.describeTrigger(schedule),
      preview: (input, count, now = Date.now()) => {
        const trigger = compileTrigger(parseTrigger(input, { now }));
        const times: number[] = [];
        let t = trigger.first(now);
        while (t !== null && times.length < count) {
          times.push(t);
          t = trigger.next(t);
        }
        return { times, description: trigger.describe() };
      },
    },
    runs: {
      list: (query) => engine.listRuns(query),
      get: (id) => engine.getRun(id),
      create: async (input) => engine.createRun(runCreate(copy(input))),
      cancel: (id) => engine.cancelRun(id),
      retry: (id) => engine.retryRun(id),
      stats: (query) => engine.runStats(query),
      timeline: (query) => engine.runTimeline(query),
      logs: (id, query) => engine.listRunLogs(id, query),
    },
    handlers: {
      list: () => engine.listHandlers(),
      get: (id) => handlerDetail(engine, id, governor()?.state(id) ?? null),
    },
    openapi,
    on(event, listener) {
      // EventEmitter's generic listener type does not narrow through a generic event name.
      const emitter = engine.events as unknown as { on(e: string, l: (...args: unknown[]) => void): void; off(e: string, l: (...args: unknown[]) => void): void };
      const l = listener as (...args: unknown[]) => void;
      emitter.on(event, l);
      // Live pages show the work of every node sharing the database.
      const unwatch = engine.watchLive();
      return () => {
        emitter.off(event, l);
        unwatch();
      };
    },
    now: () => Date.now(),
  };
}
