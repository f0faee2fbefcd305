import type { MiddlewareObj } from '@middy/core';
import { checkConfig } from '@tenantry/config';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { StackContext } from './state';

/**
 * Right after the response mapping, before anything reads a variable: the route's first request
 * checks the whole environment contract (`checkConfig` of @tenantry/config), once. A container that
 * lacks a variable or has a malformed one then refuses that request and every later one: the
 * ConfigurationError naming them is thrown again each time, so each answer is the generic 500
 * INTERNAL and each log line names the variables. A deployment error has no default to fall back on,
 * and an answer that depended on which variable a request happened to read would hide it.
 */
export function configurationChecked(): MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Error,
  StackContext
> {
  let checked: { problem: unknown } | undefined;
  const before = (): void => {
    if (!checked) {
      try {
        checkConfig();
        checked = { problem: undefined };
      } catch (problem) {
        checked = { problem };
      }
    }
    if (checked.problem) throw checked.problem;
  };
  return { before };
}
