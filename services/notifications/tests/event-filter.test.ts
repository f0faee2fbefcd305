// The bus delivers to notifyRecipients only the detail types its serverless.yml filter lists, one by
// one: a notifying type missing there is never delivered, and nothing in the code would notice.
// No platform needed (TENANTRY_TEST_PLATFORM=off works for this file).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { NOTIFYING_TYPES } from '../src/domain/rules';

interface EventBridgeTrigger {
  eventBridge?: { pattern?: { 'detail-type'?: unknown[] } };
}

function notifyRecipientsDetailTypes(): unknown[] {
  const definition = parse(readFileSync(new URL('../serverless.yml', import.meta.url), 'utf8'), {
    logLevel: 'error',
  }) as { functions: Record<string, { events?: EventBridgeTrigger[] }> };
  const triggers = definition.functions.notifyRecipients?.events ?? [];
  return triggers.flatMap((trigger) => trigger.eventBridge?.pattern?.['detail-type'] ?? []);
}

describe("notifyRecipients' event filter", () => {
  it('lists exactly the event types that notify someone (NOTIFYING_TYPES, which planFor answers)', () => {
    expect([...notifyRecipientsDetailTypes()].sort()).toEqual([...NOTIFYING_TYPES].sort());
  });
});
