import type { MiddlewareObj } from '@middy/core';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationFailedError } from '@tenantry/errors';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { StackRequest } from './httpResponse';
import type { StackContext } from './state';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

export interface JsonBodyOptions {
  maxBodyBytes: () => number;
}

/**
 * JSON body parsing. No body (or an empty one): `body` stays undefined. Otherwise, in this order:
 * over the limit → 413 PAYLOAD_TOO_LARGE; a content type other than JSON → 415; unparsable → 400.
 */
export function jsonBody(
  options: JsonBodyOptions,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, StackContext> {
  const before = (request: StackRequest): void => {
    const state = request.context.tenantry!;
    const raw = request.event.body;
    if (raw === undefined || raw === null || raw === '') return;
    const limit = options.maxBodyBytes();
    // A base64 body decodes to at most 3/4 of its length: refuse the obviously huge before decoding.
    if (request.event.isBase64Encoded && raw.length > Math.ceil((limit * 4) / 3) + 4) throw new PayloadTooLargeError();
    const bytes = request.event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
    if (bytes.byteLength > limit) throw new PayloadTooLargeError();
    const contentType = state.headers['content-type'];
    if (!contentType || !JSON_TYPE.test(contentType)) throw new UnsupportedMediaTypeError();
    try {
      state.body = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new ValidationFailedError([{ field: 'body', message: 'must be valid JSON' }]);
    }
  };
  return { before };
}
