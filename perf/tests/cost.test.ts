// Figure R9 in perf/README.md: the arithmetic from what a request consumes to dollars per million
// requests, its tables, the recorded prices, and the item sizes the proxy gives transactions.
import { describe, expect, it } from '@jest/globals';
import {
  billedMs,
  type CostRow,
  costFindings,
  costPerMillion,
  costTables,
  largestVariablePart,
  loadPrices,
  type Prices,
} from '../src/cost';
import { itemSize, shortTable } from '../src/cost-child';
import { provenance } from '../src/run';

/** Round numbers, so that every expected dollar below can be checked by hand. */
const prices: Prices = {
  region: 'test-region-1',
  currency: 'USD',
  recordedOn: '2026-01-01',
  source: 'made up for the test',
  perMillion: {
    dynamodbReadRequestUnits: 0.25,
    dynamodbWriteRequestUnits: 1.25,
    kmsRequests: 3,
    lambdaRequests: 0.2,
    httpApiRequests: 1,
  },
  lambdaGbSecond: { arm64: 0.00001, x86_64: 0.00002 },
  lambdaMinimumBilledMs: 1,
};

const row = (overrides: Partial<CostRow> = {}): CostRow => ({
  route: '`GET /things/{id}`',
  credential: 'ID token',
  readUnits: 1.5,
  writeUnits: 1,
  byTable: { things: { read: 1.5, write: 0 }, 'rate-limits': { read: 0, write: 1 } },
  kmsCalls: 0,
  kmsCallsFirst: 1,
  memoryMb: 512,
  architecture: 'arm64',
  durationP50Ms: 7.2,
  ...overrides,
});

describe('what a request costs (figure R9)', () => {
  it('bills Lambda duration up to the next millisecond and never under the minimum', () => {
    expect([0.2, 1, 1.01, 7.2, 30].map((ms) => billedMs(ms, prices))).toEqual([1, 1, 2, 8, 30]);
    expect(billedMs(0.2, { ...prices, lambdaMinimumBilledMs: 100 })).toBe(100);
  });

  it('turns request units, KMS calls and memory × billed duration into dollars per million requests', () => {
    const cost = costPerMillion(
      { readUnits: 1.5, writeUnits: 2, kmsCalls: 1, memoryMb: 512, architecture: 'arm64', billedMs: 10 },
      prices,
    );

    expect(cost).toEqual({
      dynamodbReads: 0.375,
      dynamodbWrites: 2.5,
      kms: 3,
      lambdaRequests: 0.2,
      // 0.5 GB × 0.01 s × $0.00001 per GB-s × a million
      lambdaDuration: expect.closeTo(0.05, 10),
      httpApi: 1,
      total: expect.closeTo(7.125, 10),
    });
  });

  it('prices x86_64 duration at its own rate', () => {
    const usage = { readUnits: 0, writeUnits: 0, kmsCalls: 0, memoryMb: 1024, billedMs: 1000 };

    expect(costPerMillion({ ...usage, architecture: 'x86_64' }, prices).lambdaDuration).toBeCloseTo(20, 10);
    expect(costPerMillion({ ...usage, architecture: 'arm64' }, prices).lambdaDuration).toBeCloseTo(10, 10);
  });

  it('names the largest part the code decides, leaving out the fixed per-request fees', () => {
    const usage = {
      readUnits: 0.5,
      writeUnits: 1,
      kmsCalls: 0,
      memoryMb: 512,
      architecture: 'arm64' as const,
      billedMs: 1,
    };

    expect(largestVariablePart(costPerMillion(usage, prices))).toBe('dynamodbWrites');
    expect(largestVariablePart(costPerMillion({ ...usage, kmsCalls: 1 }, prices))).toBe('kms');
    expect(largestVariablePart(costPerMillion({ ...usage, writeUnits: 0, readUnits: 8 }, prices))).toBe(
      'dynamodbReads',
    );
  });

  it('renders what each route consumes, then its dollars at the minimum billed duration and at this machine', () => {
    const tables = costTables(
      [
        row(),
        row({
          route: 'control',
          credential: 'none',
          readUnits: 0.5,
          writeUnits: 0,
          byTable: { things: { read: 0.5, write: 0 } },
          kmsCallsFirst: 0,
          durationP50Ms: 0.4,
        }),
      ],
      prices,
    );

    expect(tables).toContain(
      '| `GET /things/{id}` | ID token | 1.5 | 1 | rate-limits 1 W; things 1.5 R | 0 (1) | 512 arm64 | 7.2 |',
    );
    // 1.5 R × 0.25 + 1 W × 1.25 = $1.625; Lambda $0.2 + 0.5 GB × 0.001 s × $0.00001 × 1e6 = $0.205; HTTP $1.
    expect(tables).toContain(
      '| `GET /things/{id}` | $1.6250 | $0.0000 | $0.2050 | $1.0000 | **$2.8300** | DynamoDB writes | $2.8650 (8 ms) |',
    );
    expect(tables).toContain(
      '| control | $0.1250 | $0.0000 | $0.2050 | $1.0000 | **$1.3300** | DynamoDB reads | $1.3300 (1 ms) |',
    );
    expect(tables).toContain('test-region-1 on-demand prices recorded 2026-01-01');
  });
});

describe('which parts cost most (figure R9)', () => {
  it('names the routes whose own costs pass the fixed fees, the share and weight of the counter write, and the costliest', () => {
    const control = row({
      route: 'control',
      readUnits: 0.5,
      writeUnits: 0,
      byTable: { things: { read: 0.5, write: 0 } },
    });
    const create = row({
      route: 'create',
      readUnits: 1,
      writeUnits: 4,
      byTable: { things: { read: 1, write: 3 }, 'rate-limits': { read: 0, write: 1 } },
    });

    expect(costFindings([control, row(), create], prices)).toEqual([
      'The fixed fees of a request (HTTP API and Lambda request, $1.2000 per million) are more than what the code decides on every route but `GET /things/{id}`, create.',
      // GET: 1.25 of 1.625; create: 1.25 of 0.25 + 5 = 5.25.
      "The rate-limit counter's write (`rate-limits`, $1.2500 per million per write unit, a write unit priced as 5 read units) is on 2 of 3 routes and 24%–77% of their DynamoDB dollars.",
      // GET reads 1.5 × 0.25 = $0.375 and create 1 × 0.25 = $0.25, both under one write's $1.25.
      "One counter write costs more than all the reads of 2 of those 2 routes (5 read units' worth).",
      'The costliest: create at $6.4550 per million, DynamoDB writes $5.0000 of it (rate-limits 1 W; things 1 R, things 3 W).',
    ]);
  });
});

describe('the recorded prices', () => {
  it('name their region, the day they were written down and where from, and price every part', () => {
    const recorded = loadPrices('us-east-1');

    expect(recorded).toMatchObject({ region: 'us-east-1', currency: 'USD', lambdaMinimumBilledMs: 1 });
    expect(recorded.recordedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(recorded.source.length).toBeGreaterThan(40);
    for (const price of [...Object.values(recorded.perMillion), ...Object.values(recorded.lambdaGbSecond)]) {
      expect(price).toBeGreaterThan(0);
    }
  });
});

describe('the sizes the R9 proxy gives items of a transaction', () => {
  it('counts attribute names and values as DynamoDB does', () => {
    // 'pk' 2 + 'org#1' 5; 'n' 1 + 3 significant digits → 2 + 1; 'ok' 2 + 1; 'm' 1 + 3 + (1 + 'a' 1 + 'xy' 2)
    expect(itemSize({ pk: { S: 'org#1' }, n: { N: '123' }, ok: { BOOL: true }, m: { M: { a: { S: 'xy' } } } })).toBe(
      7 + 4 + 3 + 8,
    );
    expect(itemSize({ s: { S: 'é' } })).toBe(3);
    expect(itemSize(undefined)).toBe(0);
  });

  it('shows table names without the stage', () => {
    expect(shortTable('tenantry-local-rate-limits')).toBe('rate-limits');
    expect(shortTable('tenantry-applications-local-idempotency')).toBe('applications-idempotency');
  });
});

describe('the summary of latest.md', () => {
  it('says which run each row comes from, so that a run of one figure does not pass for a full run', () => {
    const summaryRow = (id: string, at: string) => ({
      id,
      title: '',
      target: '',
      measured: '',
      met: true,
      at,
      file: '',
    });

    expect(
      provenance([
        summaryRow('R1', '2026-11-29T19:40:42.119Z'),
        summaryRow('R8', '2026-11-29T19:40:41.971Z'),
        summaryRow('R9', '2026-12-08T01:10:00.000Z'),
      ]),
    ).toBe('R1, R8 from the run of 2026-11-29T19:40Z; R9 from the run of 2026-12-08T01:10Z');
  });
});
