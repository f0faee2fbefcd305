import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import { PayloadTooLargeError } from '@tenantry/errors';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { StackRequest } from './httpResponse';
import type { StackContext } from './state';

export interface JsonBodyOptions {
  maxBodyBytes: () => number;
}

/**
 * JSON body parsing with `@middy/http-json-body-parser`. No body (or an empty one): `body` stays
 * undefined (the parser refuses a missing body, so it runs only when there is one). Otherwise, in
 * this order: over the limit → 413 PAYLOAD_TOO_LARGE, checked here before anything is parsed; then
 * the parser: a content type other than JSON → 415, unparsable JSON or a `__proto__` key → 400.
 * The parser's errors become those answers in the one mapper, `toErrorResponse` of `@tenantry/errors`.
 */
export function jsonBody(
  options: JsonBodyOptions,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, StackContext> {
  const parser = httpJsonBodyParser<APIGatewayProxyEventV2>();
  const before = async (request: StackRequest): Promise<void> => {
    const state = request.context.tenantry!;
    const { body: given, isBase64Encoded } = request.event;
    if (given === undefined || given === null || given === '') return;
    // API Gateway hands over the body as text; serverless-offline hands over a JSON body it parsed
    // itself when the value is falsy (`false`, `0`): back to text, so it gets the same checks.
    const raw = typeof given === 'string' ? given : JSON.stringify(given);
    const limit = options.maxBodyBytes();
    // A base64 body decodes to at most 3/4 of its length: refuse the obviously huge before decoding.
    if (isBase64Encoded && raw.length > Math.ceil((limit * 4) / 3) + 4) throw new PayloadTooLargeError();
    const bytes = isBase64Encoded ? Buffer.from(raw, 'base64').byteLength : Buffer.byteLength(raw, 'utf8');
    if (bytes > limit) throw new PayloadTooLargeError();
    // The parser replaces `event.body` with the parsed value and reads the content type from the
    // event's headers: it gets a copy with the lower-cased headers, and the event keeps its raw body.
    const parsing = { ...request, event: { ...request.event, headers: state.headers } };
    await parser.before!(parsing as Parameters<NonNullable<typeof parser.before>>[0]);
    state.body = parsing.event.body;
  };
  return { before };
}
