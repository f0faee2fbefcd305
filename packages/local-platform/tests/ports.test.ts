import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { repoRoot } from '../src/environment';
import {
  PERF_BENCH_PORTS,
  PORT_LAYOUTS,
  platformPorts,
  SPARE_SLOTS,
  sparePorts,
  TEST_PORT_OFFSETS,
} from '../src/ports';
import { serviceNames } from '../src/services';

const services = serviceNames().length;
const perfLayouts: number[] = [PORT_LAYOUTS.perfHarness, ...TEST_PORT_OFFSETS];

/** Every port a layout listens on, each with what listens there. */
function portsOf(offset: number): { port: number; use: string }[] {
  const ports = platformPorts(offset);
  const used = [
    { port: ports.gateway, use: 'gateway' },
    { port: ports.eventBus, use: 'event bus' },
    { port: ports.dynamodb, use: 'DynamoDB Local' },
    { port: ports.cognito, use: 'cognito-local' },
    ...Array.from({ length: services }, (_, index) => [
      { port: ports.service(index).http, use: `service ${index} http` },
      { port: ports.service(index).lambda, use: `service ${index} lambda` },
    ]).flat(),
  ];
  if (TEST_PORT_OFFSETS.includes(offset)) {
    for (let slot = 0; slot < SPARE_SLOTS; slot++) {
      for (const [kind, port] of Object.entries(sparePorts(offset, slot)))
        used.push({ port, use: `spare ${kind} ${slot}` });
    }
  }
  if (perfLayouts.includes(offset)) {
    for (const [kind, port] of Object.entries(PERF_BENCH_PORTS))
      used.push({ port: port + offset, use: `perf bench ${kind}` });
  }
  return used.map((entry) => ({ ...entry, use: `offset ${offset} ${entry.use}` }));
}

const layouts = Object.values(PORT_LAYOUTS).flat();
const allPorts = layouts.flatMap(portsOf);

/** The ports of offset 0 and the bases of the spares and the perf bench: what `N + offset` may add to. */
const bases = new Set([
  ...portsOf(0).map((entry) => entry.port),
  ...Object.values(sparePorts(0, 0)),
  ...Object.values(PERF_BENCH_PORTS),
]);

/** Source files that start or reach something on a port of a layout. */
function sources(): string[] {
  const roots = ['packages', 'services', 'tests', 'perf', 'scripts'].map((dir) => join(repoRoot, dir));
  const skipped = new Set(['node_modules', 'generated', '.esbuild', '.serverless', '.serverless-package', 'results']);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      if (skipped.has(entry.name) || entry.name.startsWith('.')) return [];
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return walk(path);
      return /\.(ts|mjs|cjs|js)$/.test(entry.name) ? [path] : [];
    });
  return roots.flatMap(walk);
}

const number = (text: string) => Number(text.replaceAll('_', ''));
/** `3090 + offset` and the like: a port of some layout, by its base. */
const BASE_PLUS_OFFSET = /\b(\d[\d_]{2,})\s*\+\s*(?:offset|portOffset|OFFSET)\b/g;
/** `const OFFSET = 20000`, `portOffset ?? 6_500`, `'port-offset': { …, default: '17500' }`: a layout. */
const OFFSET_LITERAL = /(?:\bOFFSET\s*=|\bportOffset\s*\?\?|'port-offset'[^\n]*default:\s*')\s*(\d[\d_]*)/g;

describe('port layouts', () => {
  it('never share a port, so every layout runs beside npm start and every other', () => {
    const owners = new Map<number, string[]>();
    for (const { port, use } of allPorts) owners.set(port, [...(owners.get(port) ?? []), use]);
    expect([...owners.values()].filter((uses) => uses.length > 1)).toEqual([]);
  });

  it('stay above the privileged ports and below the ephemeral range, where outgoing connections take theirs', () => {
    expect(allPorts.filter(({ port }) => port <= 1024 || port >= 32768)).toEqual([]);
  });

  it('are the only layouts and bases the source uses, so a new port cannot bypass this registry', () => {
    const unknown: string[] = [];
    for (const file of sources()) {
      const text = readFileSync(file, 'utf8');
      const at = (index: number) => `${relative(repoRoot, file)}:${text.slice(0, index).split('\n').length}`;
      for (const match of text.matchAll(BASE_PLUS_OFFSET)) {
        if (!bases.has(number(match[1]!))) unknown.push(`${at(match.index)} base ${match[1]}`);
      }
      for (const match of text.matchAll(OFFSET_LITERAL)) {
        if (!layouts.includes(number(match[1]!))) unknown.push(`${at(match.index)} offset ${match[1]}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('the source check sees the port numbers it guards', () => {
    expect([...'const benchPorts = { http: 3090 + offset };'.matchAll(BASE_PLUS_OFFSET)].map((m) => m[1])).toEqual([
      '3090',
    ]);
    expect([...'offset = options.portOffset ?? 6_500;'.matchAll(OFFSET_LITERAL)].map((m) => m[1])).toEqual(['6_500']);
    expect(
      [..."'port-offset': { type: 'string', default: '17500' },".matchAll(OFFSET_LITERAL)].map((m) => m[1]),
    ).toEqual(['17500']);
    expect([...'const OFFSET = 23000;'.matchAll(OFFSET_LITERAL)].map((m) => m[1])).toEqual(['23000']);
  });
});
