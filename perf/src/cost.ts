// Figure R9 in perf/README.md, its arithmetic: what one request consumes (DynamoDB request units, KMS
// calls, one Lambda invocation of its memory for its billed duration, one HTTP API request) turned into
// dollars per million requests with the prices of perf/prices/. Pure: no I/O but loadPrices().
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Prices {
  region: string;
  currency: string;
  /** The day the prices were written down, and where from (in words). */
  recordedOn: string;
  source: string;
  perMillion: {
    dynamodbReadRequestUnits: number;
    dynamodbWriteRequestUnits: number;
    kmsRequests: number;
    lambdaRequests: number;
    httpApiRequests: number;
  };
  lambdaGbSecond: Record<Architecture, number>;
  /** Lambda bills duration rounded up to the millisecond, never less than this. */
  lambdaMinimumBilledMs: number;
}

export type Architecture = 'arm64' | 'x86_64';

export const pricesFile = (region = 'us-east-1') =>
  fileURLToPath(new URL(`../prices/aws-${region}.json`, import.meta.url));

export function loadPrices(region = 'us-east-1'): Prices {
  return JSON.parse(readFileSync(pricesFile(region), 'utf8')) as Prices;
}

/** What one request consumes. Units and calls are exact; `billedMs` is the one machine-dependent part. */
export interface RequestUsage {
  readUnits: number;
  writeUnits: number;
  kmsCalls: number;
  memoryMb: number;
  architecture: Architecture;
  billedMs: number;
}

/** Dollars per million requests, by part. */
export interface CostBreakdown {
  dynamodbReads: number;
  dynamodbWrites: number;
  kms: number;
  lambdaRequests: number;
  lambdaDuration: number;
  httpApi: number;
  total: number;
}

export type CostPart = Exclude<keyof CostBreakdown, 'total'>;

/** Lambda's billed duration of one invocation that ran `durationMs`: up to the next millisecond, at least the minimum. */
export function billedMs(durationMs: number, prices: Prices): number {
  return Math.max(prices.lambdaMinimumBilledMs, Math.ceil(durationMs));
}

export function costPerMillion(usage: RequestUsage, prices: Prices): CostBreakdown {
  const gbSeconds = (usage.memoryMb / 1024) * (usage.billedMs / 1000);
  const parts: Omit<CostBreakdown, 'total'> = {
    dynamodbReads: usage.readUnits * prices.perMillion.dynamodbReadRequestUnits,
    dynamodbWrites: usage.writeUnits * prices.perMillion.dynamodbWriteRequestUnits,
    kms: usage.kmsCalls * prices.perMillion.kmsRequests,
    lambdaRequests: prices.perMillion.lambdaRequests,
    lambdaDuration: gbSeconds * prices.lambdaGbSecond[usage.architecture] * 1_000_000,
    httpApi: prices.perMillion.httpApiRequests,
  };
  const total = Object.values(parts).reduce((sum, value) => sum + value, 0);
  return { ...parts, total };
}

/** The part of a request's cost that is largest, among those the code decides (not the fixed per-request fees). */
export function largestVariablePart(cost: CostBreakdown): CostPart {
  const variable: CostPart[] = ['dynamodbReads', 'dynamodbWrites', 'kms', 'lambdaDuration'];
  return variable.reduce((best, part) => (cost[part] > cost[best] ? part : best));
}

const PART_NAMES: Record<CostPart, string> = {
  dynamodbReads: 'DynamoDB reads',
  dynamodbWrites: 'DynamoDB writes',
  kms: 'KMS',
  lambdaRequests: 'Lambda requests',
  lambdaDuration: 'Lambda duration',
  httpApi: 'HTTP API',
};

/** One route's row of R9: what it consumed and how long its warm invocations took on this machine. */
export interface CostRow {
  route: string;
  /** How the caller proved who it is: `ID token`, `API key`, or `none` (the bench control). */
  credential: string;
  readUnits: number;
  writeUnits: number;
  /** Request units by table (and `table/index`), e.g. `{ 'rate-limits': { read: 0, write: 1 } }`. */
  byTable: Record<string, { read: number; write: number }>;
  /** KMS calls of a warm request, and of the first request of a container (cold data-key cache). */
  kmsCalls: number;
  kmsCallsFirst: number;
  memoryMb: number;
  architecture: Architecture;
  /** p50 of the warm invocations' duration on this machine (ms). */
  durationP50Ms: number;
}

export const dollars = (value: number) => `$${value.toFixed(4)}`;
const units = (value: number) => String(Math.round(value * 100) / 100);

function tableUnits(byTable: CostRow['byTable']): string {
  const parts = Object.entries(byTable)
    .filter(([, used]) => used.read > 0 || used.write > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([table, used]) =>
      [used.read > 0 ? `${units(used.read)} R` : '', used.write > 0 ? `${units(used.write)} W` : '']
        .filter(Boolean)
        .map((amount) => `${table} ${amount}`)
        .join(', '),
    );
  return parts.length ? parts.join('; ') : '—';
}

export function usageOf(row: CostRow, billed: number): RequestUsage {
  return {
    readUnits: row.readUnits,
    writeUnits: row.writeUnits,
    kmsCalls: row.kmsCalls,
    memoryMb: row.memoryMb,
    architecture: row.architecture,
    billedMs: billed,
  };
}

/**
 * R9's two tables: what one request consumes (exact), then dollars per million requests by part at
 * Lambda's minimum billed duration (machine-independent) beside the total at this machine's p50.
 */
export function costTables(rows: readonly CostRow[], prices: Prices): string {
  const consumed = [
    '| route | credential | read units | write units | by table | KMS calls (first of a container) | memory (MB) | p50 duration here (ms) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.route} | ${row.credential} | ${units(row.readUnits)} | ${units(row.writeUnits)} | ${tableUnits(row.byTable)} | ${row.kmsCalls} (${row.kmsCallsFirst}) | ${row.memoryMb} ${row.architecture} | ${row.durationP50Ms} |`,
    ),
  ];
  const costed = [
    `| route | DynamoDB | KMS | Lambda (requests + ${prices.lambdaMinimumBilledMs} ms) | HTTP API | **total at ${prices.lambdaMinimumBilledMs} ms** | largest part the code decides | total at p50 here |`,
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((row) => {
      const floor = costPerMillion(usageOf(row, prices.lambdaMinimumBilledMs), prices);
      const here = costPerMillion(usageOf(row, billedMs(row.durationP50Ms, prices)), prices);
      return `| ${row.route} | ${dollars(floor.dynamodbReads + floor.dynamodbWrites)} | ${dollars(floor.kms)} | ${dollars(floor.lambdaRequests + floor.lambdaDuration)} | ${dollars(floor.httpApi)} | **${dollars(floor.total)}** | ${PART_NAMES[largestVariablePart(floor)]} | ${dollars(here.total)} (${billedMs(row.durationP50Ms, prices)} ms) |`;
    }),
  ];
  return `${consumed.join('\n')}\n\nDollars per million requests, ${prices.region} on-demand prices recorded ${prices.recordedOn} (\`perf/prices/\`):\n\n${costed.join('\n')}`;
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

/** Which parts cost most, in words, from the rows at Lambda's minimum billed duration. */
export function costFindings(rows: readonly CostRow[], prices: Prices): string[] {
  const floor = (row: CostRow) => costPerMillion(usageOf(row, prices.lambdaMinimumBilledMs), prices);
  const fixed = prices.perMillion.httpApiRequests + prices.perMillion.lambdaRequests;
  const decided = (cost: CostBreakdown) => cost.dynamodbReads + cost.dynamodbWrites + cost.kms + cost.lambdaDuration;
  const above = rows.filter((row) => decided(floor(row)) > fixed).map((row) => row.route);
  const findings = [
    `The fixed fees of a request (HTTP API and Lambda request, ${dollars(fixed)} per million) are more than what the code decides on every route but ${above.length ? above.join(', ') : 'none'}.`,
  ];
  const writeUnit = prices.perMillion.dynamodbWriteRequestUnits;
  const limited = rows.filter((row) => (row.byTable['rate-limits']?.write ?? 0) > 0);
  if (limited.length) {
    const shares = limited.map((row) => {
      const cost = floor(row);
      return (row.byTable['rate-limits']!.write * writeUnit) / (cost.dynamodbReads + cost.dynamodbWrites);
    });
    findings.push(
      `The rate-limit counter's write (\`rate-limits\`, ${dollars(writeUnit)} per million per write unit, a write unit priced as ${writeUnit / prices.perMillion.dynamodbReadRequestUnits} read units) is on ${limited.length} of ${rows.length} routes and ${percent(Math.min(...shares))}–${percent(Math.max(...shares))} of their DynamoDB dollars.`,
    );
  }
  const counterWrite = writeUnit * (limited[0]?.byTable['rate-limits']?.write ?? 1);
  const outweighed = limited.filter((row) => row.readUnits * prices.perMillion.dynamodbReadRequestUnits < counterWrite);
  if (limited.length) {
    findings.push(
      `One counter write costs more than all the reads of ${outweighed.length} of those ${limited.length} routes (${units(counterWrite / prices.perMillion.dynamodbReadRequestUnits)} read units' worth).`,
    );
  }
  const costliest = [...rows].sort((a, b) => floor(b).total - floor(a).total)[0];
  if (costliest) {
    const cost = floor(costliest);
    const part = largestVariablePart(cost);
    findings.push(
      `The costliest: ${costliest.route} at ${dollars(cost.total)} per million, ${PART_NAMES[part]} ${dollars(cost[part])} of it (${tableUnits(costliest.byTable)}).`,
    );
  }
  return findings;
}
