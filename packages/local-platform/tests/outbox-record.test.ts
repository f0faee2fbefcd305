// The outbox's record() (events with no change to ride on: a staff read's platform.access, a refused
// create's plan.limit_reached) against DynamoDB Local, held to the IAM its functions are deployed
// with: every DynamoDB call it makes must be an action the services' `outbox` statement grants.
// Locally nothing enforces IAM, so a call outside it would only fail deployed (AccessDenied → 503).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { documentClient } from '@tenantry/dynamo';
import { dynamoEventOutbox } from '@tenantry/events';
import { repoRoot } from '../src/environment';
import { restoreEnv, stubEnv } from '../src/testing';

const MIDDLEWARE = 'countOutboxCommands';

/** The actions of the IAM statement anchored `&outbox` in a service's serverless.yml. */
function outboxActions(service: string): string[] {
  const source = readFileSync(join(repoRoot, 'services', service, 'serverless.yml'), 'utf8');
  const match = /- &outbox\n\s+Effect: Allow\n\s+Action: \[([^\]]*)\]/.exec(source);
  expect({ service, anchored: Boolean(match) }).toEqual({ service, anchored: true });
  return (match?.[1] ?? '').split(',').map((action) => action.trim());
}

/** The IAM action of a command the document client sends (`PutCommand` is DynamoDB's PutItem). */
const actionOf = (commandName: string) => `dynamodb:${commandName.replace(/Command$/, '').replace(/^Put$/, 'PutItem')}`;

afterEach(() => {
  documentClient().middlewareStack.remove(MIDDLEWARE);
  restoreEnv();
});

describe('the outbox record() of @tenantry/events', () => {
  it.each(['organizations', 'memberships', 'applications'])(
    "writes the %s service's events with only the actions that service grants its outbox",
    async (service) => {
      stubEnv('SERVICE_NAME', `tenantry-${service}`);
      const commands: string[] = [];
      documentClient().middlewareStack.add(
        (next, context) => async (args) => {
          commands.push(String(context.commandName));
          return next(args);
        },
        { step: 'initialize', name: MIDDLEWARE },
      );
      const organizationId = `org_${randomUUID().replaceAll('-', '')}`;
      const actor = { kind: 'platform', id: 'staff-user' } as const;

      await dynamoEventOutbox().record([
        { type: 'platform.access', organizationId, actor, data: { action: 'organization:read' } },
        { type: 'platform.access', organizationId, actor, data: { action: 'members:read' } },
      ]);

      expect(commands).toHaveLength(2);
      const granted = outboxActions(service);
      for (const command of commands) {
        expect({ command, granted }).toEqual({ command, granted: expect.arrayContaining([actionOf(command)]) });
      }
    },
  );
});
