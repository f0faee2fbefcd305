import { describe, expect, it } from '@jest/globals';
import { platformPorts, TEST_PORT_OFFSETS } from '../src/ports';

const SERVICES = 4;
const portsOf = (offset: number) => {
  const ports = platformPorts(offset);
  const services = Array.from({ length: SERVICES }, (_, index) => ports.service(index));
  return [ports.gateway, ports.eventBus, ports.dynamodb, ports.cognito, ...services.flatMap((s) => [s.http, s.lambda])];
};

describe('port layouts', () => {
  // npm start, the test runs, the two layouts the start tests use for a second platform, and the
  // infrastructure of the one-service test (npm start -- --infra, sls offline of one service).
  const layouts = [0, ...TEST_PORT_OFFSETS, 20000, 21000, 22000];

  it('never share a port, so test runs work beside npm start and each other', () => {
    const all = layouts.flatMap(portsOf);
    expect(new Set(all).size).toBe(all.length);
  });

  it('stay below the ephemeral range, where outgoing connections would take their ports', () => {
    for (const port of layouts.flatMap(portsOf)) expect(port).toBeLessThan(32768);
  });
});
