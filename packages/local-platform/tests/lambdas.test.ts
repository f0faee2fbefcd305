// What the local bus and stream pollers say about a service that is not running (`npm start -- --infra`
// runs none): one line per service, not one per retry, and again only after it was reached in between.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { localLambdas, unreachableNotices } from '../src/lambdas';

describe('unreachableNotices', () => {
  it('says each unreachable service once, and again only after it was reached', () => {
    const lines: string[] = [];
    const notices = unreachableNotices((line) => lines.push(line));
    for (let retry = 0; retry < 5; retry++) notices.failed(3101, 'relayOutbox', 'connect ECONNREFUSED');
    notices.failed(3102, 'recordAuditEvent', 'connect ECONNREFUSED');
    notices.reached(3101);
    notices.failed(3101, 'relayOutbox', 'connect ECONNREFUSED');
    notices.failed(3101, 'relayOutbox', 'connect ECONNREFUSED');

    expect(lines).toEqual([
      'relayOutbox: its service is not running (connect ECONNREFUSED); delivering when it starts',
      'recordAuditEvent: its service is not running (connect ECONNREFUSED); delivering when it starts',
      'relayOutbox: its service is not running (connect ECONNREFUSED); delivering when it starts',
    ]);
  });
});

describe('localLambdas', () => {
  it('tells a service that is not running (unreachable) from a function that failed, and logs it once', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const lines: string[] = [];
    const lambdas = localLambdas('us-east-1', (line) => lines.push(line));
    try {
      const answers = [];
      for (let retry = 0; retry < 4; retry++) answers.push(await lambdas.invoke(port, 'relayOutbox', {}));
      expect(answers.map((answer) => !answer.ok && answer.unreachable)).toEqual([true, true, true, true]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('ECONNREFUSED');
    } finally {
      lambdas.destroy();
    }
  });
});
