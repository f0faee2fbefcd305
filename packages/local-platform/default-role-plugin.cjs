// @ts-check
'use strict';
/**
 * Keeps the default Lambda role logs-only (least privilege; `deployable.test.ts` checks it).
 *
 * For every `stream` event the framework adds the stream's reads, and its on-failure queue, to the
 * default role, even when the function has a role of its own: serverless-iam-roles-per-function
 * grants them there (each service's `relayOutbox` declares them too). The functions left on the
 * default role (health) must not read a table's stream, so once the events are compiled this takes
 * those statements out of it again — only when every stream function has its own role.
 */
const STREAM_ACTIONS = new Set([
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
  'sqs:ListQueues',
  'sqs:SendMessage',
]);

class DefaultRoleLogsOnly {
  /** @param {any} serverless */
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'after:package:compileEvents': () => this.removeStreamStatements() };
  }

  removeStreamStatements() {
    const role = this.serverless.service.provider.compiledCloudFormationTemplate?.Resources?.IamRoleLambdaExecution;
    if (!role) return;
    /** @type {Array<{ events?: Array<Record<string, unknown>>, iamRoleStatements?: unknown[] }>} */
    const functions = Object.values(this.serverless.service.functions ?? {});
    const ownRoles = functions
      .filter((fn) => (fn.events ?? []).some((event) => event.stream))
      .every((fn) => Array.isArray(fn.iamRoleStatements) && fn.iamRoleStatements.length > 0);
    if (!ownRoles) return;
    for (const policy of role.Properties.Policies ?? []) {
      policy.PolicyDocument.Statement = policy.PolicyDocument.Statement.filter(
        (/** @type {{ Action: string | string[] }} */ statement) =>
          ![statement.Action].flat().some((action) => STREAM_ACTIONS.has(action)),
      );
    }
  }
}

module.exports = DefaultRoleLogsOnly;
