/** Zulip's JsonBodyPayload: the whole body is one JSON document (§1.2). */
import { malformedJson, malformedPayload } from '../errors';

export function readJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw malformedPayload();
  }
  try {
    return JSON.parse(text);
  } catch {
    throw malformedJson();
  }
}
