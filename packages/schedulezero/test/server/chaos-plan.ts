/** A small seeded generator (mulberry32): the same seed gives the same chaos, so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type ChaosEvent =
  | { kind: 'kill'; at: number; node: number; downMs: number }
  | { kind: 'pg-restart'; at: number; downMs: number };

export interface PlanOptions {
  seed: number;
  nodes: number;
  durationMs: number;
  /** Time between two kills, drawn in [min, max]. */
  killEveryMs: [number, number];
  /** How long a killed node stays down, drawn in [min, max]. */
  nodeDownMs: [number, number];
  pgDownMs: number;
}

/**
 * The chaos as a timeline (ms from its start). Kills come one at a time, each well after the
 * previous node is back, so at least two nodes always run; the one PostgreSQL restart goes half
 * way between the two kills nearest the middle, clear of both (a node restarting while the
 * database is down would test start-up against a dead database, another subject).
 */
export function planChaos(options: PlanOptions): ChaosEvent[] {
  const random = seededRandom(options.seed);
  const between = ([min, max]: [number, number]) => Math.round(min + random() * (max - min));
  const kills: Array<Extract<ChaosEvent, { kind: 'kill' }>> = [];
  let at = between(options.killEveryMs);
  let last = -1;
  while (at < options.durationMs) {
    // Never the same node twice in a row: every node gets killed in a minute.
    let node = Math.floor(random() * options.nodes);
    if (node === last) node = (node + 1) % options.nodes;
    last = node;
    kills.push({ kind: 'kill', at, node, downMs: between(options.nodeDownMs) });
    at += between(options.killEveryMs);
  }
  const middle = options.durationMs / 2;
  const after = kills.findIndex((k) => k.at >= middle);
  const before = after <= 0 ? 0 : kills[after - 1]!.at;
  const next = after < 0 ? options.durationMs : kills[after]!.at;
  const events: ChaosEvent[] = [...kills, { kind: 'pg-restart', at: Math.round((before + next) / 2), downMs: options.pgDownMs }];
  return events.sort((a, b) => a.at - b.at);
}
