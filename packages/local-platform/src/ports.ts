// The one registry of the ports Tenantry listens on locally. A port is `base + offset`: the base
// says what listens (below), the offset which layout (PORT_LAYOUTS), so two layouts never meet.
// tests/ports.test.ts holds every layout against every other and fails on a port number in the
// source that this file does not account for.

/** Every port one running platform uses. `npm start` uses offset 0; tests use their own offsets. */
export interface PlatformPorts {
  gateway: number;
  eventBus: number;
  dynamodb: number;
  cognito: number;
  /** serverless-offline ports of the n-th service (services sorted by name). */
  service(index: number): { http: number; lambda: number };
}

/**
 * Port layouts test runs may use, tried in order. They overlap neither each other nor offset 0, and
 * stay below 32768: above it, Linux hands ports out to outgoing connections (ip_local_port_range).
 */
export const TEST_PORT_OFFSETS = [10000, 11000, 12000, 13000, 14000];

/** The offset of every layout in use: each may run at the same time as any other. */
export const PORT_LAYOUTS = {
  npmStart: 0,
  /** perf/src/harness.ts: the benchmarks' own platform (unless they run on the test platform). */
  perfHarness: 6500,
  /** The jest global setup's platform, on the first free one. */
  tests: TEST_PORT_OFFSETS,
  /** perf/src/footprint.ts: npm start, measured. */
  perfFootprint: 17500,
  /** tests/start-command.test.ts: npm start's own entry, on a second platform. */
  startCommand: 20000,
  /** tests/failed-start.test.ts: a start that fails on a busy port. */
  failedStart: 21000,
  /** tests/one-service.test.ts: npm start -- --infra and one service's own sls offline. */
  oneService: 22000,
  /** tests/assurance/kill-restart.test.ts: a platform killed with SIGKILL and started again. */
  killRestart: 23000,
} as const;

export function platformPorts(offset = 0): PlatformPorts {
  return {
    gateway: 3000 + offset,
    eventBus: 3200 + offset,
    dynamodb: 8000 + offset,
    cognito: 9229 + offset,
    service: (index) => ({ http: 3001 + index + offset, lambda: 3101 + index + offset }),
  };
}

/** How many spare ports of each kind a test layout has (`sparePorts` slots 0..SPARE_SLOTS-1). */
export const SPARE_SLOTS = 10;

/**
 * Spare ports of a test layout, for a test that starts a second copy of something beside the test
 * platform (a cold serverless-offline, a second cognito-local or DynamoDB Local).
 */
export function sparePorts(
  offset: number,
  slot: number,
): { http: number; lambda: number; dynamodb: number; cognito: number } {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SPARE_SLOTS)
    throw new Error(`spare slot ${slot} is not 0..${SPARE_SLOTS - 1}`);
  return {
    http: 3300 + offset + slot,
    lambda: 3400 + offset + slot,
    dynamodb: 8300 + offset + slot,
    cognito: 9330 + offset + slot,
  };
}

/**
 * perf/src/harness.ts's bench service and its gateway, beside the services of the layout the
 * benchmarks run on (the test platform's or their own).
 */
export const PERF_BENCH_PORTS = { http: 3090, lambda: 3190, gateway: 3099 } as const;
